"""Who a client is, and what it may do: API key, failed-key limit, per-client rate limit.

Through the real app over HTTP (httpx ASGITransport, which lets a test choose the peer address).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.embed import Embedder
from service.app import create_app
from tests.factories import make_settings


def _codes(app: FastAPI, calls: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """GET /documents once per (peer address, headers), sequentially, lifespan running."""

    async def run() -> list[httpx.Response]:
        out = []
        for peer, headers in calls:
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                out.append(await c.get("/documents", headers=headers))
        return out

    with TestClient(app):
        return asyncio.run(run())


def _app(index: Path, embedder: Embedder, **kw: Any) -> FastAPI:
    return create_app(make_settings(index, **kw), embedder)


def test_hardening_16_made_up_tokens_do_not_bypass_the_rate_limit(
    clean_index: Path, embedder: Embedder
) -> None:
    app = _app(clean_index, embedder, rate_limit_per_minute=2)
    calls = [("203.0.113.9", {"Authorization": f"Bearer fake-{i:012d}"}) for i in range(4)]
    codes = [r.status_code for r in _codes(app, calls)]
    assert codes == [200, 200, 429, 429]


def test_hardening_16_flooding_the_table_does_not_reset_a_limited_client(
    clean_index: Path, embedder: Embedder
) -> None:
    app = _app(clean_index, embedder, rate_limit_per_minute=2, rate_limit_max_clients=20)
    flood = [(f"198.51.100.{i}", {}) for i in range(60)]
    calls = [("203.0.113.9", {})] * 3 + flood + [("203.0.113.9", {})]
    codes = [r.status_code for r in _codes(app, calls)]
    assert codes[:3] == [200, 200, 429]
    assert codes[-1] == 429


def test_hardening_17_wrong_keys_are_limited_per_address(
    clean_index: Path, embedder: Embedder
) -> None:
    app = _app(clean_index, embedder, api_key="s3cret", auth_failures_per_minute=5)
    guesser = [("203.0.113.66", {"Authorization": f"Bearer guess-{i}"}) for i in range(7)]
    right = {"Authorization": "Bearer s3cret"}
    responses = _codes(app, [*guesser, ("203.0.113.66", right), ("192.0.2.1", right)])
    codes = [r.status_code for r in responses]
    assert codes == [401] * 5 + [429, 429, 429, 200]
    blocked = responses[5]
    assert int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["error"] == "rate_limited"
    assert "failed" in blocked.json()["detail"]


def test_hardening_18_one_key_many_clients_get_one_bucket_each(
    clean_index: Path, embedder: Embedder
) -> None:
    app = _app(clean_index, embedder, api_key="s3cret", rate_limit_per_minute=2)
    key = {"Authorization": "Bearer s3cret"}
    calls = [("203.0.113.1", key)] * 3 + [("203.0.113.2", key)] * 2
    codes = [r.status_code for r in _codes(app, calls)]
    assert codes == [200, 200, 429, 200, 200]
