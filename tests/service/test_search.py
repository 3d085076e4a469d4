"""`python -m service.search` as users run it: a real process on the real sample index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# E-6002 is named once in data/sample: the error-code table of the admin guide, page 24.
QUESTION = "What does error E-6002 ERR_NODE_VERSION_SKEW mean?"
RERANKER_OFF = "none (disabled by RAG_RERANKER=none)"


def _search(index: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update({"HF_HUB_OFFLINE": "1", "RAG_RERANKER": "none", "RAG_EMBED_PRECISION": "fp32"})
    return subprocess.run(
        [sys.executable, "-m", "service.search", *args, "--index", str(index)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def search_json(sample_index: Path) -> dict[str, Any]:
    result = _search(sample_index, QUESTION, "--json")
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_search_json_ranks_the_only_page_naming_an_error_code_first(
    search_json: dict[str, Any],
) -> None:
    top = search_json["hits"][0]["chunk"]
    assert (Path(top["source"]).name, top["page_start"], top["page_end"]) == (
        "conduit-admin-guide.pdf",
        24,
        24,
    )
    assert "E-6002 ERR_NODE_VERSION_SKEW" in " ".join(top["text"].split())
    assert search_json["reranker"] == RERANKER_OFF


def test_search_json_hits_carry_bm25_dense_and_fused_ranks(search_json: dict[str, Any]) -> None:
    hits = search_json["hits"]
    assert [h["fused_rank"] for h in hits] == [1, 2, 3, 4, 5]
    for h in hits:
        assert isinstance(h["bm25_rank"], int) and h["bm25_rank"] >= 1, h
        assert isinstance(h["dense_rank"], int) and h["dense_rank"] >= 1, h
        assert isinstance(h["bm25_score"], float) and isinstance(h["dense_score"], float), h
        assert isinstance(h["fused_score"], float), h
        assert (h["rerank_rank"], h["rerank_score"]) == (None, None)
    assert (hits[0]["bm25_rank"], hits[0]["dense_rank"]) == (1, 1)


def test_search_prints_question_reranker_and_ranked_hits_for_humans(
    sample_index: Path, search_json: dict[str, Any]
) -> None:
    result = _search(sample_index, QUESTION)
    assert result.returncode == 0, result.stderr
    top = search_json["hits"][0]
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        QUESTION,
        f"reranker: {RERANKER_OFF}",
        "",
        f"#1  conduit-admin-guide.pdf  p. 24  {top['chunk']['id']}",
        f"    bm25 #1 ({top['bm25_score']:.3f})  dense #1 ({top['dense_score']:.3f})  "
        f"fused #1 ({top['fused_score']:.3f})  rerank -",
    ]


def test_search_exits_2_with_one_line_when_the_document_is_unknown(sample_index: Path) -> None:
    result = _search(sample_index, QUESTION, "--document", "nope.pdf")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "unknown document(s) ['nope.pdf']: use an id, path or file name from GET /documents\n"
    )
