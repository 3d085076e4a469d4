"""The MCP server with the official `mcp` SDK's client: over stdio against
`python -m service.mcp`, and over streamable HTTP against /mcp in the real app."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from core.embed import Embedder
from tests.factories import make_settings
from tests.service.live_server import Live, live_server

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"search", "ask", "list_documents"}
Session = Callable[[Client], Awaitable[Any]]


async def _exercise(client: Client) -> dict[str, Any]:
    """List the tools and call each, with good and bad arguments; what came back."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    out: dict[str, Any] = {"tools": tools}
    out["search"] = await client.call_tool("search", {"query": "E-4012", "top_k": 3})
    out["ask"] = await client.call_tool("ask", {"question": "What does error E-4012 mean?"})
    out["follow_up"] = await client.call_tool(
        "ask",
        {
            "question": "What are its default and maximum?",
            "history": [
                {"role": "user", "content": "Which variable sets the number of worker processes?"},
                {"role": "assistant", "content": "TFC_MAX_WORKERS [1]."},
            ],
        },
    )
    out["documents"] = await client.call_tool("list_documents", {})
    out["bad_top_k"] = await client.call_tool("search", {"query": "E-4012", "top_k": 0})
    out["empty"] = await client.call_tool("ask", {"question": " \u200b "})
    out["bad_role"] = await client.call_tool(
        "ask", {"question": "And 2023?", "history": [{"role": "system", "content": "x"}]}
    )
    out["unknown_document"] = await client.call_tool(
        "search", {"query": "E-4012", "documents": ["nope.pdf"]}
    )
    out["unknown_tool"] = await client.call_tool("delete_everything", {})
    return out


def _check(out: dict[str, Any]) -> None:
    tools = out["tools"]
    assert set(tools) == TOOLS
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["search"].input_schema["properties"]["top_k"]["anyOf"][0]["maximum"] == 20

    search = out["search"]
    assert not search.is_error
    passages = search.structured_content["passages"]
    assert len(passages) == 3 and [p["rank"] for p in passages] == [1, 2, 3]
    top = passages[0]
    assert (top["document"], top["page_start"]) == ("conduit-admin-guide.pdf", 24)
    # No reranker here: the fused score ordered the list.
    assert top["bm25_rank"] == 1 and top["rerank_rank"] is None
    assert top["score"] == round(top["fused_score"], 6)

    ask = out["ask"]
    assert not ask.is_error
    answer = ask.structured_content
    assert answer["abstained"] is False and "[1]" in answer["answer"]
    first = answer["citations"][0]
    assert (first["document"], first["page_start"]) == ("conduit-admin-guide.pdf", 24)
    assert first["quote"] and first["page_label"]

    follow_up = out["follow_up"].structured_content
    assert follow_up["followup"]["method"] == "terms"
    candidates = follow_up["retrieval"]["candidates"][:5]
    assert ("conduit-admin-guide.pdf", 13) in [(c["document"], c["page_start"]) for c in candidates]

    documents = out["documents"].structured_content["documents"]
    assert "employee-handbook.pdf" in {d["document"] for d in documents}

    for name, expected in [
        ("bad_top_k", "top_k"),
        ("empty", "question is empty"),
        ("bad_role", "'user' or 'assistant'"),
        ("unknown_document", "unknown document(s) ['nope.pdf']"),
        ("unknown_tool", "Unknown tool: delete_everything"),
    ]:
        result = out[name]
        assert result.is_error, name
        assert expected in result.content[0].text, (name, result.content[0].text)


# -- stdio --------------------------------------------------------------------------------------


def test_stdio_server_lists_and_calls_the_three_tools(sample_index: Path) -> None:
    env = {
        "RAG_INDEX_DIR": str(sample_index),
        "RAG_RERANKER": "none",
        "RAG_INDEX_POLL_S": "0",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **{k: v for k, v in os.environ.items() if k in ("HOME", "PATH", "TMPDIR")},
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "service.mcp"], env=env, cwd=ROOT
    )

    async def run() -> dict[str, Any]:
        async with Client(params, read_timeout_seconds=300) as client:
            return await _exercise(client)

    _check(asyncio.run(run()))


def test_stdio_server_refuses_bad_settings_with_one_line(tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "service.mcp"],
        cwd=ROOT,
        env={**os.environ, "RAG_FOLLOWUP_REWRITE": "llm"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "RAG_FOLLOWUP_REWRITE=llm needs RAG_LLM_BASE_URL" in done.stderr


# -- streamable HTTP, mounted in the app ---------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(sample_index: Path, embedder: Embedder) -> Iterator[Live]:
    with live_server(make_settings(sample_index, api_key="s3cret"), embedder) as live:
        yield live


def test_http_mount_lists_and_calls_the_three_tools(keyed: Live) -> None:
    async def run() -> dict[str, Any]:
        headers = {"Authorization": "Bearer s3cret"}
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
            transport = streamable_http_client(f"{keyed.url}/mcp", http_client=http)
            async with Client(transport) as client:
                return await _exercise(client)

    _check(asyncio.run(run()))


def test_http_mount_needs_the_api_key(keyed: Live) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    r = httpx.post(f"{keyed.url}/mcp", json=body, timeout=30)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"


def test_http_mount_without_a_key_admits_only_local_host_names(
    sample_index: Path, embedder: Embedder
) -> None:
    with live_server(make_settings(sample_index), embedder) as live:

        async def run() -> set[str]:
            async with Client(f"{live.url}/mcp") as client:
                return {t.name for t in (await client.list_tools()).tools}

        assert asyncio.run(run()) == TOOLS
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"Host": "evil.example", "Accept": "application/json, text/event-stream"}
        r = httpx.post(f"{live.url}/mcp", json=body, headers=headers, timeout=30)
        assert r.status_code in (400, 421), r.text  # DNS-rebinding protection
