"""The document routes: a document's PDF (ranges, 404, 409 when changed), uploads (limits,
names, key), deletes, and the background ingest they start, through the real app; the upload
and delete flows run the real `python -m ingest` subprocess behind a real uvicorn."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from core.embed import Embedder
from core.index import load_index
from service.app import create_app
from tests.conftest import FIXTURES
from tests.factories import make_settings
from tests.service.live_server import exchange, http_request, live_server, status_of

KEY = "s3cret-key"


@pytest.fixture(scope="module")
def sample_client(sample_index: Path, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(sample_index), embedder)) as c:
        yield c


def doc_id(client: TestClient | httpx.Client, name: str, **headers: str) -> str:
    docs = client.get("/documents", headers=headers).json()["documents"]
    return str(next(d["doc_id"] for d in docs if d["document"] == name))


@pytest.fixture
def private(tmp_path: Path, embedder: Embedder) -> tuple[Path, Path]:
    """A corpus folder holding clean.pdf, ingested into a private index: (corpus, index)."""
    from core.config import Settings
    from ingest.pipeline import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(FIXTURES / "clean.pdf", corpus / "clean.pdf")
    index = tmp_path / "index"
    settings = Settings(index_dir=index, parse_workers=1, _env_file=None)  # type: ignore[call-arg]
    assert run_ingest(settings, [corpus], embedder=embedder).exit_code == 0
    return corpus, index


def upload_settings(tmp_path: Path, corpus: Path | None, index: Path, **kw: Any) -> Any:
    return make_settings(
        index,
        upload_dir=tmp_path / "uploads",
        corpus_dirs=[str(corpus)] if corpus else [],
        parse_workers=1,
        **kw,
    )


def files(*names: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (n, (FIXTURES / n).read_bytes(), "application/pdf")) for n in names]


# -- GET /documents/{doc_id}/file ---------------------------------------------------------------


def test_document_file_is_the_ingested_pdf_inline_with_byte_ranges(
    sample_client: TestClient, sample_index: Path
) -> None:
    did = doc_id(sample_client, "employee-handbook.pdf")
    record = next(d for d in load_index(sample_index).manifest.documents if d.doc_id == did)
    on_disk = Path(record.path).read_bytes()

    whole = sample_client.get(f"/documents/{did}/file")
    assert whole.status_code == 200
    assert whole.content == on_disk
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.headers["content-disposition"] == 'inline; filename="employee-handbook.pdf"'
    assert whole.headers["accept-ranges"] == "bytes"

    head = sample_client.get(f"/documents/{did}/file", headers={"Range": "bytes=0-9"})
    assert head.status_code == 206
    assert head.content == on_disk[:10] and head.content.startswith(b"%PDF-")
    assert head.headers["content-range"] == f"bytes 0-9/{len(on_disk)}"
    tail = sample_client.get(f"/documents/{did}/file", headers={"Range": "bytes=-16"})
    assert (tail.status_code, tail.content) == (206, on_disk[-16:])


def test_document_file_refuses_bad_ranges_in_json(sample_client: TestClient) -> None:
    did = doc_id(sample_client, "employee-handbook.pdf")
    r = sample_client.get(f"/documents/{did}/file", headers={"Range": "bytes=99999999-"})
    assert r.status_code == 416
    assert r.json()["error"] == "http_error"
    assert r.headers["content-range"].startswith("bytes */")
    r = sample_client.get(f"/documents/{did}/file", headers={"Range": "pages=1-2"})
    assert r.status_code == 400
    assert r.json()["detail"].startswith("malformed Range header")


def test_document_file_is_404_for_an_id_not_in_the_index(sample_client: TestClient) -> None:
    for doc in ("0123456789abcdef", "..%2F..%2Fetc%2Fpasswd", "employee-handbook.pdf"):
        r = sample_client.get(f"/documents/{doc}/file")
        assert r.status_code == 404, doc
        assert r.json()["error"] == "not_found"


def test_document_file_is_409_once_the_file_differs_from_the_ingested_one(
    private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    pdf = corpus / "clean.pdf"
    with TestClient(create_app(make_settings(index), embedder)) as client:
        did = doc_id(client, "clean.pdf")
        assert client.get(f"/documents/{did}/file").status_code == 200
        original = pdf.read_bytes()
        # Same size, one byte changed: only the digest can tell.
        pdf.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
        r = client.get(f"/documents/{did}/file")
        assert r.status_code == 409
        assert r.json()["error"] == "conflict"
        assert "changed since it was ingested" in r.json()["detail"]
        pdf.unlink()
        r = client.get(f"/documents/{did}/file")
        assert r.status_code == 409
        assert "no longer on disk" in r.json()["detail"]


# -- the API key --------------------------------------------------------------------------------


def test_document_routes_need_the_api_key(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    settings = upload_settings(tmp_path, corpus, index, api_key=KEY)
    with TestClient(create_app(settings, embedder)) as client:
        good = {"Authorization": f"Bearer {KEY}"}
        did = doc_id(client, "clean.pdf", **good)
        for method, path in [
            ("GET", f"/documents/{did}/file"),
            ("POST", "/documents"),
            ("DELETE", f"/documents/{did}"),
            ("GET", "/documents/jobs"),
            ("GET", "/documents/jobs/abc"),
        ]:
            r = client.request(method, path, headers={"Authorization": "Bearer wrong"})
            assert r.status_code == 401, (method, path)
            assert r.json()["error"] == "unauthorized"
        r = client.post("/documents", files=files("labels.pdf"))
        assert r.status_code == 401
        assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())
        assert client.get(f"/documents/{did}/file", headers=good).status_code == 200
        # The page itself and its files stay public: the page asks for the key.
        assert client.get("/").status_code == 200
        assert client.get("/ui/config.json").json()["key_required"] is True


# -- POST /documents refusals (nothing is ingested) ---------------------------------------------


def test_upload_over_the_limit_is_413_and_keeps_nothing(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    settings = upload_settings(tmp_path, corpus, index, max_upload_bytes=4096)
    with TestClient(create_app(settings, embedder)) as client:
        big = [("files", ("big.pdf", b"%PDF-1.4\n" + b"x" * 8000, "application/pdf"))]
        r = client.post("/documents", files=big)
        assert r.status_code == 413
        assert r.json()["error"] == "payload_too_large"
        assert "RAG_MAX_UPLOAD_BYTES" in r.json()["detail"]
        assert list((tmp_path / "uploads").glob("*")) == []


def test_upload_over_the_limit_without_content_length_is_cut_off(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    settings = upload_settings(tmp_path, corpus, index, max_upload_bytes=4096)
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + b"%PDF-1.4\n" + b"x" * 20000 + f"\r\n--{boundary}--\r\n".encode()
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 1000]), body[i : i + 1000])
        for i in range(0, len(body), 1000)
    )
    with live_server(settings, embedder) as live:
        raw = exchange(
            live.port,
            http_request(
                "POST",
                "/documents",
                chunks + b"0\r\n\r\n",
                {
                    "content-type": f"multipart/form-data; boundary={boundary}",
                    "transfer-encoding": "chunked",
                },
            ),
        )
    assert status_of(raw) == 413
    assert list((tmp_path / "uploads").glob("*")) == []


def test_upload_refuses_what_is_not_a_pdf_upload(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    with TestClient(create_app(upload_settings(tmp_path, corpus, index), embedder)) as client:
        r = client.post("/documents", files=[("files", ("notes.txt", b"hello", "text/plain"))])
        assert (r.status_code, r.json()["error"]) == (422, "invalid_request")
        assert "not a .pdf file name" in r.json()["detail"]
        r = client.post("/documents", json={"files": ["x.pdf"]})
        assert r.status_code == 422
        assert "multipart/form-data" in r.json()["detail"]
        r = client.post("/documents", data={"note": "no file"}, files=[("other", ("", b""))])
        assert r.status_code == 422
        assert list((tmp_path / "uploads").glob("*")) == []


def test_upload_names_never_leave_the_upload_folder() -> None:
    from service.uploads import safe_name

    assert safe_name("../../etc/evil.pdf") == "evil.pdf"
    assert safe_name("..\\..\\win.PDF") == "win.pdf"
    assert safe_name(".hidden.pdf") == "hidden.pdf"
    assert safe_name("a;b|c$(d).pdf") == "a_b_c_d_.pdf"
    assert safe_name("Ünïcode résumé.pdf") == "Ünïcode résumé.pdf"


def test_upload_of_a_name_already_uploaded_is_409(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "labels.pdf").write_bytes(b"%PDF-1.4 earlier upload")
    with TestClient(create_app(upload_settings(tmp_path, corpus, index), embedder)) as client:
        r = client.post("/documents", files=files("labels.pdf"))
        assert r.status_code == 409
        assert "already uploaded" in r.json()["detail"]
    assert (uploads / "labels.pdf").read_bytes() == b"%PDF-1.4 earlier upload"
    assert sorted(p.name for p in uploads.iterdir()) == ["labels.pdf"]


def test_upload_is_refused_when_an_ingest_would_drop_indexed_documents(
    tmp_path: Path, sample_client: TestClient, sample_index: Path, embedder: Embedder
) -> None:
    # The sample index was ingested from a folder that RAG_CORPUS_DIRS does not name.
    settings = make_settings(sample_index, upload_dir=tmp_path / "uploads")
    with TestClient(create_app(settings, embedder)) as client:
        r = client.post("/documents", files=files("labels.pdf"))
        assert r.status_code == 409
        assert "add their folder to RAG_CORPUS_DIRS" in r.json()["detail"]
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_deleting_a_document_of_a_read_only_folder_is_409(sample_client: TestClient) -> None:
    did = doc_id(sample_client, "employee-handbook.pdf")
    r = sample_client.delete(f"/documents/{did}")
    assert r.status_code == 409
    assert "only uploaded documents can be deleted" in r.json()["detail"]
    assert sample_client.delete("/documents/0123456789abcdef").status_code == 404
    assert sample_client.get("/documents/jobs/nope").status_code == 404


# -- the real ingest, behind a real server ------------------------------------------------------


def wait_for(client: httpx.Client, job: dict[str, Any], timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while job["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.25)
        job = client.get(f"/documents/jobs/{job['id']}").json()
    return job


def test_upload_good_and_bad_pdf_then_delete_them_through_the_real_ingest(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    uploads = tmp_path / "uploads"
    settings = upload_settings(tmp_path, corpus, index, index_poll_s=0.2)
    with live_server(settings, embedder) as live, httpx.Client(base_url=live.url) as client:
        before = client.get("/readyz").json()["index"]
        r = client.post("/documents", files=files("labels.pdf", "not_a_pdf.pdf"))
        assert r.status_code == 202, r.text
        assert r.json()["action"] == "upload"
        assert r.json()["files"] == ["labels.pdf", "not_a_pdf.pdf"]
        job = wait_for(client, r.json())
        assert (job["state"], job["exit_code"]) == ("done", 1), job
        assert job["message"] == "done, but some files were skipped: the list says why"
        assert any(line.endswith("labels.pdf: 4 pages, 1 chunks") for line in job["progress"])
        assert job["index"] == client.get("/readyz").json()["index"] != before

        listed = client.get("/documents").json()
        docs = {d["document"]: d for d in listed["documents"]}
        assert sorted(docs) == ["clean.pdf", "labels.pdf"]
        assert (docs["labels.pdf"]["uploaded"], docs["clean.pdf"]["uploaded"]) == (True, False)
        assert docs["labels.pdf"]["pages"] == 4
        [skipped] = listed["skipped"]
        assert Path(skipped["path"]).name == "not_a_pdf.pdf"
        assert (skipped["code"], skipped["uploaded"]) == ("not_a_pdf", True)
        labels = docs["labels.pdf"]["doc_id"]
        pdf = client.get(f"/documents/{labels}/file")
        assert pdf.content == (FIXTURES / "labels.pdf").read_bytes()

        # The new document answers questions at once (the index was swapped).
        body = client.post("/ask", json={"question": "Which physical page is this?"}).json()
        assert "labels.pdf" in {c["document"] for c in body["retrieval"]["candidates"]}

        r = client.delete(f"/documents/{labels}")
        assert r.status_code == 202, r.text
        job = wait_for(client, r.json())
        assert (job["state"], job["action"], job["files"]) == ("done", "delete", ["labels.pdf"])
        r = client.delete("/documents/skipped/not_a_pdf.pdf")
        assert r.status_code == 202, r.text
        job = wait_for(client, r.json())
        assert (job["state"], job["exit_code"]) == ("done", 0), job

        listed = client.get("/documents").json()
        assert [d["document"] for d in listed["documents"]] == ["clean.pdf"]
        assert listed["skipped"] == []
        assert client.get(f"/documents/{labels}/file").status_code == 404
        assert [j["state"] for j in client.get("/documents/jobs").json()] == ["done"] * 3
    assert list(uploads.iterdir()) == []


def test_a_failed_ingest_keeps_nothing_and_changes_nothing(
    tmp_path: Path, embedder: Embedder
) -> None:
    # No index yet, and the only upload is not a PDF: the ingest exits 2, nothing is written.
    settings = upload_settings(tmp_path, None, tmp_path / "index", index_poll_s=0.2)
    with live_server(settings, embedder) as live, httpx.Client(base_url=live.url) as client:
        r = client.post("/documents", files=files("not_a_pdf.pdf"))
        assert r.status_code == 202, r.text
        job = wait_for(client, r.json())
        assert (job["state"], job["exit_code"]) == ("failed", 2), job
        assert job["message"].endswith("nothing changed: the previous index keeps serving")
        assert client.get("/readyz").status_code == 503
    assert list((tmp_path / "uploads").iterdir()) == []


def test_a_client_that_hangs_up_mid_upload_leaves_nothing(
    tmp_path: Path, private: tuple[Path, Path], embedder: Embedder
) -> None:
    corpus, index = private
    settings = upload_settings(tmp_path, corpus, index)
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="half.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    with live_server(settings, embedder) as live:
        with socket.create_connection(("127.0.0.1", live.port)) as sock:
            sock.sendall(
                http_request(
                    "POST",
                    "/documents",
                    headers={
                        "content-type": f"multipart/form-data; boundary={boundary}",
                        "content-length": "100000",
                    },
                )
                + head
                + b"x" * 5000
            )
            deadline = time.monotonic() + 10
            while not list((tmp_path / "uploads").glob(".upload-*.part")):
                assert time.monotonic() < deadline, "the upload never started"
                time.sleep(0.05)
        deadline = time.monotonic() + 10
        while list((tmp_path / "uploads").iterdir()):
            assert time.monotonic() < deadline, list((tmp_path / "uploads").iterdir())
            time.sleep(0.05)
        with httpx.Client(base_url=live.url) as client:
            assert client.get("/documents/jobs").json() == []
