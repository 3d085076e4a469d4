"""The real app on RAG_STORE=postgres: replicas on one database answer alike and follow a new
generation by themselves; a database restarted under load costs 503s, never another 5xx,
and the service recovers without a restart."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.embed import Embedder
from core.index import IndexData, load_index
from core.store import open_store
from core.store.copy import copy_generation
from service.app import create_app
from tests.conftest import PgServer
from tests.polling import wait_for

pytestmark = pytest.mark.postgres
QUESTION = {"question": "How long is parental leave for the primary caregiver?"}


def _settings(pg_server: PgServer, index: Path, **kw: object) -> Settings:
    base: dict[str, object] = {
        "reranker": "none",
        "index_poll_s": 0.2,
        "rate_limit_per_minute": 0,
        "pg_pool_timeout_s": 1.0,
        "pg_connect_timeout_s": 1.0,
    }
    return pg_server.settings(index, **{**base, **kw})


def test_two_replicas_answer_alike_and_swap_to_a_new_generation(
    pg_server: PgServer, sample_index: Path, tiny_index: IndexData, embedder: Embedder
) -> None:
    settings = _settings(pg_server, sample_index)
    store = open_store(settings)
    first = copy_generation(load_index(sample_index), store)
    with (
        TestClient(create_app(settings, embedder)) as a,
        TestClient(create_app(settings, embedder)) as b,
    ):
        ready = [c.get("/readyz").json() for c in (a, b)]
        assert [r["index"] for r in ready] == [first, first] and ready[0]["ready"]
        answers = [c.post("/ask", json=QUESTION).json() for c in (a, b)]
        assert answers[0]["citations"] and answers[0]["answer"] == answers[1]["answer"]
        assert answers[0]["citations"] == answers[1]["citations"]
        assert answers[0]["retrieval"]["candidates"] == answers[1]["retrieval"]["candidates"]
        page = answers[0]["citations"][0]
        text = a.get(f"/documents/{page['doc_id']}/pages/{page['page_start']}").json()["text"]
        assert page["quote"].split()[0] in text

        second = copy_generation(tiny_index, store)
        assert wait_for(
            lambda: all(c.get("/readyz").json()["index"] == second for c in (a, b)), 20, 0.1
        )
        docs = {d["path"] for d in a.get("/documents").json()["documents"]}
        assert docs == {d.path for d in tiny_index.manifest.documents}


def test_a_database_restart_under_load_costs_only_503s_and_heals_itself(
    pg_server: PgServer, sample_index: Path, embedder: Embedder
) -> None:
    settings = _settings(pg_server, sample_index)
    copy_generation(load_index(sample_index), open_store(settings))
    statuses: Counter[int] = Counter()
    timeline: list[tuple[float, int]] = []
    stop = threading.Event()
    with TestClient(create_app(settings, embedder)) as client:
        assert client.post("/ask", json=QUESTION).status_code == 200

        def load() -> None:
            while not stop.is_set():
                r = client.post("/ask", json=QUESTION)
                statuses[r.status_code] += 1
                timeline.append((time.monotonic(), r.status_code))
                if r.status_code == 503:
                    assert r.json()["error"] in ("unavailable", "not_ready"), r.text
                    assert "Retry-After" in r.headers

        worker = threading.Thread(target=load)
        worker.start()
        try:
            time.sleep(1.0)
            pg_server.stop("immediate")  # as a crash looks to clients
            down = time.monotonic()
            assert wait_for(lambda: client.get("/readyz").status_code == 503, 10, 0.1)
            time.sleep(2.0)
            pg_server.start()
            up = time.monotonic()
            assert wait_for(lambda: client.get("/readyz").status_code == 200, 30, 0.1)
            assert wait_for(
                lambda: timeline and timeline[-1][1] == 200 and timeline[-1][0] > up, 30, 0.1
            )
        finally:
            stop.set()
            worker.join(60)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] >= 1 and statuses[200] >= 2
    during = [s for t, s in timeline if down + 0.5 < t < up]
    assert during and set(during) == {503}
    slowest = max((b[0] - a[0] for a, b in zip(timeline, timeline[1:], strict=False)), default=0)
    assert slowest < 5.0  # every request got an answer quickly, even while it was down
