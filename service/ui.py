"""The web page: `/` and its static files, public (the page asks for the API key itself).

Static files are served from a list made once from `service/static/` (no path from the client
reaches the file system; anything else is a JSON 404). `.mjs` goes out as JavaScript, which
module scripts require. The page's Content-Security-Policy allows only this origin: PDF.js
runs with eval off, its worker comes from /static, and document text is inserted as text.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from service.errors import NotFound
from service.security import State

STATIC = Path(__file__).parent / "static"
_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css"}
CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


def _static_files() -> dict[str, Path]:
    return {
        p.relative_to(STATIC).as_posix(): p
        for p in sorted(STATIC.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


FILES = _static_files()


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers={**_HEADERS, "Content-Security-Policy": CSP, "X-Frame-Options": "DENY"},
    )


@router.get("/static/{name:path}")
async def static(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise NotFound(f"no static file {name[:100]!r}")
    media = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
    return FileResponse(path, media_type=media, headers=_HEADERS)


@router.get("/ui/config.json")
async def config(state: State) -> dict[str, object]:
    """What the page needs to know before its first API call (nothing secret)."""
    s = state.settings
    return {
        "key_required": s.api_key is not None,
        "max_upload_bytes": s.max_upload_bytes,
        "max_question_chars": s.max_question_chars,
    }
