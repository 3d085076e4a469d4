"""Document routes beyond the list: a document's PDF, uploads, deletes, and their ingest jobs.

`GET /documents/{doc_id}/file` serves only what the live manifest names: the id picks the
record, the record's stored path picks the file (no path from the client reaches the file
system), and the file's sha256 must still be the one ingested, or its page numbers and quote
offsets could point at other text (409). `POST /documents` and `DELETE /documents/{doc_id}`
change the upload folder and queue an ingest (`service.ingest_jobs`); they answer 202 with the
job to poll.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse

from core.manifest import DocumentRecord
from service.errors import Conflict, NotFound, ServiceError
from service.handlers import error_response
from service.ingest_jobs import IngestJobs, Job, get_jobs
from service.schemas import ErrorBody, IngestJobInfo
from service.security import Guarded, State
from service.source_files import check_range, checked_file
from service.state import AppState
from service.uploads import is_uploaded, outside_corpus, receive_pdfs

router = APIRouter(tags=["documents"])
Jobs = Annotated[IngestJobs, Depends(get_jobs)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (401, 404, 409, 413, 422, 429, 503)
}


def _record(state: AppState, doc_id: str) -> DocumentRecord:
    manifest = state.require().retriever.index.manifest
    doc = next((d for d in manifest.documents if d.doc_id == doc_id), None)
    if doc is None:
        raise NotFound(f"no document {doc_id!r}: see GET /documents")
    return doc


@router.get(
    "/documents/{doc_id}/file",
    responses={
        **_ERRORS,
        200: {"content": {"application/pdf": {}}, "description": "the PDF"},
        206: {"description": "the requested byte range"},
        416: {"model": ErrorBody},
    },
    response_class=FileResponse,
    dependencies=Guarded,
    summary="The document's PDF as ingested (byte ranges supported)",
)
async def document_file(doc_id: str, state: State, request: Request) -> FileResponse:
    doc = _record(state, doc_id)
    path, st = await anyio.to_thread.run_sync(checked_file, doc)
    check_range(request.headers.get("range"), st.st_size)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=path.name,
        stat_result=st,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-cache"},
    )


def _ensure_nothing_dropped(state: AppState) -> None:
    """Refuse to start an ingest that would drop documents from folders it does not cover."""
    if state.answerer is None or state.store.kind != "files":
        return  # a shared database: an ingest keeps documents of other folders as they are
    paths = [d.path for d in state.answerer.retriever.index.manifest.documents]
    lost = outside_corpus(state.settings, paths)
    if lost:
        raise Conflict(
            f"the index holds {len(lost)} document(s) outside RAG_CORPUS_DIRS and "
            f"RAG_UPLOAD_DIR (e.g. {lost[0]}); an ingest from here would drop them: add their "
            "folder to RAG_CORPUS_DIRS"
        )


@router.post(
    "/documents",
    status_code=202,
    response_model=IngestJobInfo,
    responses=_ERRORS,
    dependencies=Guarded,
    summary="Upload PDFs (multipart field `files`) and ingest them in the background",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            }
                        },
                    }
                }
            },
        }
    },
)
async def upload(request: Request, state: State, jobs: Jobs) -> JSONResponse:
    _ensure_nothing_dropped(state)
    folder = state.settings.upload_dir
    try:
        saved = await receive_pdfs(request, folder, state.settings.max_upload_bytes)
    except ServiceError as exc:
        # Unread body may follow an early refusal: close the connection rather than read it.
        response = error_response(exc)
        response.headers["Connection"] = "close"
        return response
    names = [name for name, _ in saved]

    def undo() -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)

    try:
        job = jobs.submit(Job("upload", names, undo=undo))
    except BaseException:
        await anyio.to_thread.run_sync(undo)
        raise
    return JSONResponse(job.info().model_dump(), status_code=202)


async def _remove_upload(stored_path: str, jobs: IngestJobs) -> Job:
    """Set the uploaded file aside, ingest without it, and delete it once that worked."""
    path = Path(stored_path)
    # Out of the ingest's sight (it reads *.pdf) but back in place if the ingest fails.
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}.deleted")
    try:
        await anyio.to_thread.run_sync(os.replace, path, aside)
    except FileNotFoundError:
        aside = path  # already gone from disk: the ingest only has to catch up

    def undo() -> None:
        if aside != path and not path.exists():
            os.replace(aside, path)

    def finish() -> None:
        if aside != path:
            aside.unlink(missing_ok=True)

    try:
        return jobs.submit(Job("delete", [path.name], undo=undo, finish=finish))
    except BaseException:
        await anyio.to_thread.run_sync(undo)
        raise


@router.delete(
    "/documents/skipped/{name}",
    status_code=202,
    response_model=IngestJobInfo,
    responses=_ERRORS,
    dependencies=Guarded,
    summary="Delete an uploaded file that the ingest skipped (by its file name)",
)
async def delete_skipped(name: str, state: State, jobs: Jobs) -> JSONResponse:
    manifest = state.require().retriever.index.manifest
    skipped = next(
        (
            s
            for s in manifest.skipped
            if Path(s.path).name == name and is_uploaded(state.settings, s.path)
        ),
        None,
    )
    if skipped is None:
        raise NotFound(f"no skipped upload named {name[:100]!r}: see GET /documents")
    _ensure_nothing_dropped(state)
    job = await _remove_upload(skipped.path, jobs)
    return JSONResponse(job.info().model_dump(), status_code=202)


@router.delete(
    "/documents/{doc_id}",
    status_code=202,
    response_model=IngestJobInfo,
    responses=_ERRORS,
    dependencies=Guarded,
    summary="Delete an uploaded document and ingest again in the background",
)
async def delete(doc_id: str, state: State, jobs: Jobs) -> JSONResponse:
    doc = _record(state, doc_id)
    if not is_uploaded(state.settings, doc.path):
        raise Conflict(
            f"{doc.path} is in a read-only corpus folder (RAG_CORPUS_DIRS), not in "
            "RAG_UPLOAD_DIR: only uploaded documents can be deleted here"
        )
    _ensure_nothing_dropped(state)
    job = await _remove_upload(doc.path, jobs)
    return JSONResponse(job.info().model_dump(), status_code=202)


@router.get(
    "/documents/jobs",
    response_model=list[IngestJobInfo],
    responses=_ERRORS,
    dependencies=Guarded,
    summary="Recent ingest jobs, oldest first",
)
async def list_jobs(jobs: Jobs) -> list[IngestJobInfo]:
    return [job.info() for job in jobs.jobs.values()]


@router.get(
    "/documents/jobs/{job_id}",
    response_model=IngestJobInfo,
    responses=_ERRORS,
    dependencies=Guarded,
    summary="One ingest job: state, exit status, progress lines",
)
async def job_status(job_id: str, jobs: Jobs) -> IngestJobInfo:
    return jobs.get(job_id).info()
