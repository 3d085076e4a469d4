"""The real service in its own process: `python -m service` (uvicorn) on 127.0.0.1 and a
free port, configured only through RAG_* variables, so it is exactly what `make serve` runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.common import REPO
from bench.fixtures import CACHE, FUSED_K, RERANK_MAX_TOKENS

READY_TIMEOUT_S = 300.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    index_dir: Path, reranker: Path | str, log_path: Path, extra: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """Start the service, wait for /readyz, yield (base URL, reranker description); stop it.
    `extra`: RAG_* settings over the bench's (the reranker at fp32, its token budget)."""
    settings = {
        "RAG_INDEX_DIR": str(index_dir),
        "RAG_RERANKER": str(reranker),
        "RAG_RERANK_PRECISION": "fp32",
        "RAG_RERANK_MAX_TOKENS": str(RERANK_MAX_TOKENS),
        "RAG_FUSED_K": str(FUSED_K),
        **(extra or {}),
    }
    with service_process(settings, log_path) as (base, _proc, described):
        yield base, described


@contextlib.contextmanager
def service_process(
    settings: dict[str, str], log_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], str]]:
    """`python -m service` configured by the bench's defaults plus `settings` (RAG_* only);
    yields (base URL, process, reranker description) once ready, and stops it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        RAG_HOST="127.0.0.1",
        RAG_PORT=str(port),
        RAG_GENERATOR="extractive",
        RAG_RATE_LIMIT_PER_MINUTE="0",
        RAG_INDEX_POLL_S="0",
    )
    env.update(settings)
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # cwd is the cache, which has no .env: only the variables above configure it.
        proc = subprocess.Popen(
            [sys.executable, "-m", "service"], env=env, cwd=CACHE, stdout=log, stderr=log
        )
        try:
            yield base, proc, _wait_ready(base, proc, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=base, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"service exited with {proc.returncode}; see {log_path}")
            with contextlib.suppress(httpx.HTTPError):
                r = client.get("/readyz")
                if r.status_code == 200:
                    return str(r.json().get("reranker"))
            time.sleep(0.5)
    raise RuntimeError(f"service not ready after {READY_TIMEOUT_S:.0f}s; see {log_path}")
