"""Behaviour that lives in the server and the connection, against a real uvicorn on
127.0.0.1 started exactly as `python -m service` starts it, driven with raw sockets."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from core.config import Settings
from core.embed import Embedder
from service.app import create_app
from service.server import build_config
from tests.factories import make_settings
from tests.service import openai_wire as wire
from tests.service.live_server import (
    body_of,
    chunked,
    exchange,
    http_request,
    live_server,
    read_all,
    status_of,
)

BASE = "http://llm.test/v1"
URL = f"{BASE}/chat/completions"
QUESTION = "How many concurrent sessions does the widget support?"


def _ask(stream: bool = False, question: str = QUESTION, **headers: str) -> bytes:
    body = json.dumps({"question": question, "stream": stream}).encode()
    return http_request("POST", "/ask", body, {"content-type": "application/json", **headers})


def _llm_settings(index: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "generator": "openai",
        "llm_base_url": BASE,
        "llm_model": wire.MODEL,
        "llm_max_retries": 0,
        "llm_backoff_s": 0.0,
        "rate_limit_per_minute": 0,
    }
    base.update(kw)
    return make_settings(index, **base)


@pytest.fixture
def llm() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router


def _quote(request: httpx.Request) -> str:
    return wire.first_sentence(wire.sources_in(request)[1])


def _wait_closed(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closed the connection, or None if it was still open."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


# -- 1: a client that hangs up never costs a concurrency slot ---------------------------------


def test_hardening_01_stream_client_gone_before_start_releases_its_slot(
    clean_index: Path, embedder: Embedder, llm: respx.MockRouter
) -> None:
    calls: list[bool] = []
    busy = threading.Event()

    def slow_model(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content).get("stream", False))
        busy.set()
        time.sleep(1.5)
        quote = _quote(request)
        return wire.completion(wire.answer_json([(quote, 1, quote)]))

    llm.post(URL).mock(side_effect=slow_model)
    settings = _llm_settings(clean_index, max_concurrency=1, max_queue=4, queue_timeout_s=4)
    with live_server(settings, embedder) as live:
        holder = threading.Thread(target=exchange, args=(live.port, _ask()))
        holder.start()  # takes the only slot for 1.5 s
        assert busy.wait(timeout=20)
        with socket.create_connection(("127.0.0.1", live.port)) as sock:
            sock.sendall(_ask(stream=True))  # queued behind the holder ...
            time.sleep(0.3)
        # ... and gone before its stream could start.
        holder.join(timeout=20)
        raw = exchange(live.port, _ask())
        assert status_of(raw) == 200, body_of(raw)
        assert calls == [False, False]  # the abandoned stream never reached the LLM
        assert status_of(exchange(live.port, _ask())) == 200


def test_hardening_01_streams_closed_right_after_sending_leak_nothing(
    clean_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(clean_index, rate_limit_per_minute=0, queue_timeout_s=3)
    with live_server(settings, embedder) as live:
        for _ in range(6):
            with socket.create_connection(("127.0.0.1", live.port)) as sock:
                sock.sendall(_ask(stream=True))
        time.sleep(1.0)
        for _ in range(3):
            raw = exchange(live.port, _ask())
            assert status_of(raw) == 200, body_of(raw)


class SlowStream(httpx.SyncByteStream):
    """An LLM streaming its reply slowly: one SSE chunk every `delay` seconds."""

    def __init__(self, pieces: list[bytes], delay: float) -> None:
        self.pieces = pieces
        self.delay = delay
        self.sent = 0
        self.closed_at: float | None = None

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            if self.closed_at is not None:
                return
            time.sleep(self.delay)
            self.sent += 1
            yield piece

    def close(self) -> None:
        self.closed_at = time.monotonic()


def _sse_pieces(content: list[str]) -> list[bytes]:
    def event(text: str) -> bytes:
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1763800000,
            "model": wire.MODEL,
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        }
        return f"data: {json.dumps(chunk)}\n\n".encode()

    return [event(c) for c in content] + [b"data: [DONE]\n\n"]


def test_hardening_01_hang_up_mid_answer_stops_the_work(
    clean_index: Path, embedder: Embedder, llm: respx.MockRouter
) -> None:
    streams: list[SlowStream] = []

    def slow_stream(request: httpx.Request) -> httpx.Response:
        quote = _quote(request)
        head = json.dumps(
            {"insufficient_context": False, "sentences": [{"text": quote, "citations": []}]}
        )[:-2]  # up to the end of the first sentence object: '...}]'
        pieces = [head + "}]", ', "notes": "', *(["padding "] * 60), '"}']
        streams.append(SlowStream(_sse_pieces(pieces), delay=0.1))
        return httpx.Response(
            200, stream=streams[-1], headers={"content-type": "text/event-stream"}
        )

    llm.post(URL).mock(side_effect=slow_stream)
    settings = _llm_settings(clean_index, max_concurrency=1, queue_timeout_s=5)
    with live_server(settings, embedder) as live:
        with socket.create_connection(("127.0.0.1", live.port), timeout=20) as sock:
            sock.sendall(_ask(stream=True))
            seen = b""
            while b"event: delta" not in seen:
                chunk = sock.recv(65536)
                assert chunk, seen
                seen += chunk
        hung_up = time.monotonic()
        stream = streams[0]
        deadline = hung_up + 10
        while stream.closed_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stream.closed_at is not None, "the LLM stream was never closed"
        assert stream.closed_at - hung_up < 1.5, f"kept reading for {stream.closed_at - hung_up}s"
        assert stream.sent < 30, f"{stream.sent} of {len(stream.pieces)} chunks read"


# -- 10: slow clients, keep-alive, connection limit ------------------------------------------


@pytest.fixture
def slow_client_server(clean_index: Path, embedder: Embedder) -> Iterator[int]:
    settings = make_settings(
        clean_index, http_header_timeout_s=1.0, http_keepalive_s=1, max_connections=3
    )
    with live_server(settings, embedder) as live:
        yield live.port


def test_hardening_10_partial_header_is_closed_after_the_timeout(slow_client_server: int) -> None:
    with socket.create_connection(("127.0.0.1", slow_client_server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaa")
        elapsed = _wait_closed(sock, 5.0)
    assert elapsed is not None, "a partial header held the connection open"
    assert 0.5 < elapsed < 3.0


def test_hardening_10_silent_connection_is_closed_after_the_timeout(
    slow_client_server: int,
) -> None:
    with socket.create_connection(("127.0.0.1", slow_client_server)) as sock:
        elapsed = _wait_closed(sock, 5.0)
    assert elapsed is not None and elapsed < 3.0


def test_hardening_10_body_that_never_completes_is_closed(slow_client_server: int) -> None:
    with socket.create_connection(("127.0.0.1", slow_client_server)) as sock:
        head = http_request("POST", "/ask", b"", {"content-type": "application/json"})
        sock.sendall(head.replace(b"\r\n\r\n", b"\r\ncontent-length: 100\r\n\r\n") + b'{"q')
        elapsed = _wait_closed(sock, 5.0)
    assert elapsed is not None and elapsed < 3.0


def test_hardening_10_idle_keep_alive_is_closed_after_the_setting(
    slow_client_server: int,
) -> None:
    with socket.create_connection(("127.0.0.1", slow_client_server)) as sock:
        sock.sendall(http_request("GET", "/healthz", headers={"connection": "keep-alive"}))
        sock.settimeout(5)
        first = sock.recv(65536)
        assert status_of(first) == 200
        elapsed = _wait_closed(sock, 4.0)
    assert elapsed is not None and elapsed < 2.5


def test_hardening_10_connections_over_the_limit_get_503_and_are_closed(
    slow_client_server: int,
) -> None:
    held = [socket.create_connection(("127.0.0.1", slow_client_server)) for _ in range(3)]
    try:
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", slow_client_server), timeout=5) as extra:
            extra.sendall(http_request("GET", "/healthz"))
            raw = read_all(extra, timeout=2.0)
        assert status_of(raw) == 503, raw
        body = json.loads(body_of(raw))
        assert body["error"] == "overloaded"
        assert b"retry-after" in raw.lower()
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert status_of(exchange(slow_client_server, http_request("GET", "/healthz"))) == 200


def test_hardening_10_accept_out_of_resources_log_is_rate_limited(
    clean_index: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(clean_index)
    build_config(settings, create_app(settings))  # what `python -m service` sets up
    message = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(errno.EMFILE, "Too many open files"),
    }
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            for _ in range(500):
                loop.call_exception_handler(message)
            assert sum("out of system resource" in r.getMessage() for r in caplog.records) == 1
            [rate_filter] = [f for f in logging.getLogger("asyncio").filters if hasattr(f, "clock")]
            later = time.monotonic() + 3600
            rate_filter.clock = lambda: later  # type: ignore[attr-defined]
            loop.call_exception_handler(message)
            loop.call_exception_handler({"message": "something else entirely"})
    finally:
        loop.close()
        for f in logging.getLogger("asyncio").filters:
            if hasattr(f, "clock"):
                f.clock = time.monotonic  # type: ignore[attr-defined]
    texts = [r.getMessage() for r in caplog.records]
    assert sum("out of system resource" in t for t in texts) == 2
    assert any("499 similar messages suppressed" in t for t in texts), texts
    assert any("something else entirely" in t for t in texts)


# -- 19: X-Forwarded-For is believed only from configured proxies -----------------------------


def _docs(port: int, forwarded_for: str) -> int:
    request = http_request("GET", "/documents", headers={"X-Forwarded-For": forwarded_for})
    return status_of(exchange(port, request))


def test_hardening_19_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    clean_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(clean_index, rate_limit_per_minute=1)
    with live_server(settings, embedder) as live:
        assert _docs(live.port, "203.0.113.1") == 200
        assert _docs(live.port, "203.0.113.2") == 429  # same peer, whatever it claims


def test_hardening_19_forwarded_for_from_a_trusted_proxy_is_the_client(
    clean_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(clean_index, rate_limit_per_minute=1, trusted_proxies=["127.0.0.1"])
    with live_server(settings, embedder) as live:
        assert _docs(live.port, "203.0.113.1") == 200
        assert _docs(live.port, "203.0.113.2") == 200
        assert _docs(live.port, "203.0.113.1") == 429


# -- 23: chunked bodies over the limit ---------------------------------------------------------


def test_hardening_23_chunked_body_over_the_limit_is_413(
    clean_index: Path, embedder: Embedder
) -> None:
    settings = make_settings(clean_index)
    big = json.dumps({"question": "a" * 20_000}).encode()
    with live_server(settings, embedder) as live:
        request = http_request(
            "POST",
            "/ask",
            chunked(big),
            {"content-type": "application/json", "transfer-encoding": "chunked"},
        )
        raw = exchange(live.port, request)
        assert status_of(raw) == 413, raw[:300]
        body = json.loads(body_of(raw))
        assert body["error"] == "payload_too_large"
        assert set(body) == {"error", "detail", "request_id"}
        small = json.dumps({"question": QUESTION}).encode()
        ok = http_request(
            "POST",
            "/ask",
            chunked(small, size=7),
            {"content-type": "application/json", "transfer-encoding": "chunked"},
        )
        assert status_of(exchange(live.port, ok)) == 200
