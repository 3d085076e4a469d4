"""Running the service: index swaps while serving, and behaviour under concurrent load."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from core.embed import Embedder
from ingest.pipeline import run_ingest
from service.app import create_app
from service.errors import Overloaded
from service.limits import ConcurrencyLimiter
from tests.conftest import FIXTURES
from tests.factories import make_settings


def test_rebuilt_index_is_swapped_in_while_serving(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "index", index_poll_s=0.1)
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    shutil.copy(FIXTURES / "clean.pdf", corpus / "clean.pdf")
    run_ingest(settings, [corpus], embedder=embedder)
    with TestClient(create_app(settings, embedder)) as c:
        assert [d["document"] for d in c.get("/documents").json()["documents"]] == ["clean.pdf"]
        shutil.copy(FIXTURES / "injection.pdf", corpus / "injection.pdf")
        run_ingest(settings, [corpus], embedder=embedder)
        deadline = time.monotonic() + 20
        names: list[str] = []
        while time.monotonic() < deadline:
            names = [d["document"] for d in c.get("/documents").json()["documents"]]
            if len(names) == 2:
                break
            time.sleep(0.1)
        assert names == ["clean.pdf", "injection.pdf"]
        body = c.post("/ask", json={"question": "How often is the coffee machine descaled?"}).json()
        assert body["citations"][0]["document"] == "injection.pdf"


def test_broken_new_index_keeps_the_old_one_serving(tmp_path: Path, embedder: Embedder) -> None:
    settings = make_settings(tmp_path / "index", index_poll_s=0.1)
    run_ingest(settings, [FIXTURES / "clean.pdf"], embedder=embedder)
    with TestClient(create_app(settings, embedder)) as c:
        bad = settings.index_dir / "gen-99999999T000000-broken"
        bad.mkdir()
        (settings.index_dir / "CURRENT").write_text(bad.name)
        time.sleep(0.5)
        assert c.get("/readyz").json()["ready"] is True
        assert c.post("/ask", json={"question": "How many sessions?"}).status_code == 200


def test_concurrency_limiter_queues_then_refuses() -> None:
    async def scenario() -> list[str]:
        limiter = ConcurrencyLimiter(limit=1, max_queue=1, timeout_s=0.2)
        outcomes: list[str] = []

        async def one(hold: float) -> None:
            try:
                async with limiter.slot():
                    await asyncio.sleep(hold)
                outcomes.append("ok")
            except Overloaded as exc:
                outcomes.append(f"503 retry-after={exc.retry_after}")

        await asyncio.gather(one(0.5), one(0.0), one(0.0))
        return sorted(outcomes)

    # One runs, one waits (and times out after 0.2 s), the third finds the queue full.
    assert asyncio.run(scenario()) == ["503 retry-after=2", "503 retry-after=5", "ok"]


@pytest.mark.parametrize("queue", [0, 16])
def test_concurrent_load_never_crashes(sample_index: Path, embedder: Embedder, queue: int) -> None:
    settings = make_settings(
        sample_index,
        max_concurrency=1,
        max_queue=queue,
        rate_limit_per_minute=0,
        queue_timeout_s=300,  # queued requests must wait it out, however slow the machine
    )
    app = create_app(settings, embedder)

    async def load() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as c:
            return await asyncio.gather(
                *(
                    c.post("/ask", json={"question": f"How long must my password be? {i}"})
                    for i in range(8)
                )
            )

    with TestClient(app):  # runs the lifespan (index load) around the load test
        responses = asyncio.run(load())
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 503}
    if queue == 0:
        assert 200 in codes and 503 in codes
        refused = next(r for r in responses if r.status_code == 503)
        assert refused.headers["retry-after"] == "2"
        assert refused.json()["error"] == "overloaded"
    else:
        assert codes == [200] * 8
