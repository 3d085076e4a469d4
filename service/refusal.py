"""The decision to refuse before generating: is the retrieved evidence too weak to answer?"""

from __future__ import annotations

from core.config import Settings
from service.retriever import SearchResult


def weak_evidence(result: SearchResult, settings: Settings) -> str | None:
    """Why the evidence cannot support an answer, or None when it may."""
    if not result.hits:
        return "nothing was retrieved"
    top = result.hits[0]
    if top.rerank_score is not None and top.rerank_score < settings.abstain_min_rerank:
        return f"best rerank score {top.rerank_score:.2f} < {settings.abstain_min_rerank:.2f}"
    return None
