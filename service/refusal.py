"""The refusal decision: do the retrieved passages answer the question?

One decision for every generator, made before any text is generated. Its signals come from
what retrieval already computed, and none depends on the corpus's subject:

* `best_sentence`: cosine of the question to the best sentence of the passages;
* `coverage`: share of the question's terms (weighted by inverse document frequency) that
  occur in the passages;
* `rarest_missing`: weight of the rarest question term the passages lack, relative to the
  question's rarest term (a question about "Parquet" over manuals that never say it);
* `unknown_term`: 1 when a question term that names something never occurs in the corpus,
  even as a plural or an -ed/-ing form: a capitalised or identifier-like word, or a word that
  is rare in general English (the embedder's tokenizer, whose vocabulary holds the ~30k
  commonest word pieces, splits it: "viridis", "linsolve", "csvread"), so a question in
  the user's own common words ("vanishes", "really long") is not taken for one;
* `top_fused`: the top passage's fused retrieval score.

A logistic model (`refusal_model.json`, beside this file) turns them into `answerability`,
the estimated probability that the documents answer the question; the service refuses below
the model's threshold, which `python -m eval calibrate` sets on the golden sets' dev splits
for a target false-refusal rate. Hard gates come first: nothing retrieved, or a cross-encoder
score below `RAG_ABSTAIN_MIN_RERANK` when one is set.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.config import Settings
from core.store.protocol import SearchIndex
from core.tokenize import STOPWORDS, tokenize
from service.evidence import Evidence
from service.retriever import SearchResult

FEATURES = ("best_sentence", "coverage", "rarest_missing", "unknown_term", "top_fused")
# Words and identifiers; a leading dot is kept, so a file extension (".xlsx") is one.
_WORD = re.compile(r"\.?[A-Za-z0-9][\w.\-/+#']*[\w+#]|[A-Za-z0-9]")
_PART = re.compile(r"[0-9a-z]+")
# Plain words of four letters or more, hyphenated ones whole; not the stem of a contraction.
_PLAIN = re.compile(r"\b[A-Za-z]{4,}(?:-[A-Za-z]+)*\b(?!')")
_SUFFIXES = ("ing", "ed", "es", "s")


@dataclass(frozen=True)
class RefusalModel:
    """Logistic regression over standardised features, and the refusal threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    provenance: dict[str, Any]

    def answerability(self, values: dict[str, float]) -> float:
        z = sum(
            w * (values[name] - m) / s
            for name, m, s, w in zip(
                self.features, self.mean, self.scale, self.weights, strict=True
            )
        )
        return 1.0 / (1.0 + math.exp(-(z + self.bias)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RefusalModel:
        model = cls(
            features=tuple(raw["features"]),
            mean=tuple(float(v) for v in raw["mean"]),
            scale=tuple(float(v) for v in raw["scale"]),
            weights=tuple(float(v) for v in raw["weights"]),
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            provenance=dict(raw.get("provenance", {})),
        )
        unknown = set(model.features) - set(FEATURES)
        sizes = {len(model.mean), len(model.scale), len(model.weights)}
        if unknown or sizes != {len(model.features)} or min(model.scale, default=1) <= 0:
            raise ValueError(f"malformed refusal model (unknown features {sorted(unknown)})")
        return model


def load_model(path: Path | None = None) -> RefusalModel:
    """The configured model file, or the one shipped beside this module."""
    if path is None:
        raw = resources.files("service").joinpath("refusal_model.json").read_text("utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    return RefusalModel.from_json(json.loads(raw))


class CorpusStats:
    """Document frequencies of the index's BM25 terms, for term weights and presence; with
    the embedder's tokenizer, which words are rare in general English."""

    def __init__(self, index: SearchIndex, tokenizer: Any = None) -> None:
        stats = index.term_stats()
        self.vocab = stats.vocab
        self.chunks = stats.chunks
        self.df: npt.NDArray[np.int64] = stats.df
        self.index = index
        # A word-piece tokenizer keeps a word whole exactly when its vocabulary holds it, so
        # the set answers without calling the tokenizer, which request threads share with
        # the embedder (a fast tokenizer is not safe to reconfigure concurrently).
        self._whole_words = (
            None
            if tokenizer is None
            else frozenset(w.lower() for w in tokenizer.get_vocab() if w.isalpha())
        )

    def rare(self, word: str) -> bool:
        """Whether the tokenizer splits the word, or a part of a hyphenated one, into pieces in
        every plain form ("vanishes" is common: "vanish" is one piece); False without one."""
        if self._whole_words is None:
            return False
        return any(
            not (_stems(part) & self._whole_words) for part in word.lower().split("-") if part
        )

    def idf(self, term: str) -> float:
        n = int(self.df[self.vocab[term]]) if term in self.vocab else 0
        return math.log(1 + (self.chunks - n + 0.5) / (n + 0.5))

    def known(self, word: str) -> bool:
        """Whether the corpus holds this word: as a compound, or every part of it (plurals
        and -ed/-ing forms count, so "computes" is known where "compute" is)."""
        terms = tokenize(word)
        if any(t in self.vocab for t in terms if not _PART.fullmatch(t)):
            return True
        parts = [p for p in _PART.findall(word.lower()) if p not in STOPWORDS]
        return all(any(s in self.vocab for s in _forms(p)) for p in parts)


@dataclass(frozen=True)
class Decision:
    refuse: bool
    answerability: float | None
    threshold: float | None
    reason: str | None
    features: dict[str, float]


def decide(
    evidence: Evidence,
    result: SearchResult,
    stats: CorpusStats,
    model: RefusalModel,
    settings: Settings,
) -> Decision:
    """Refuse, or not, and why; the features and the score are reported either way."""
    if not result.hits:
        return Decision(True, 0.0, model.threshold, "nothing was retrieved", {})
    values = features(evidence, result, stats)
    score = model.answerability(values)
    top = result.hits[0]
    gate = settings.abstain_min_rerank
    if gate is not None and top.rerank_score is not None and top.rerank_score < gate:
        why = f"best rerank score {top.rerank_score:.2f} < {gate:.2f}"
        return Decision(True, score, model.threshold, why, values)
    if score < model.threshold:
        why = f"answerability {score:.2f} < {model.threshold:.2f}"
        return Decision(True, score, model.threshold, why, values)
    return Decision(False, score, model.threshold, None, values)


def features(evidence: Evidence, result: SearchResult, stats: CorpusStats) -> dict[str, float]:
    question = evidence.question
    terms = sorted(set(tokenize(question)))
    weights = {t: stats.idf(t) for t in terms}
    present: set[int] = set()
    for ctx in evidence.contexts:
        present.update(stats.index.lexical_tokens(ctx.hit.row).tolist())
    found = {t for t in terms if t in stats.vocab and stats.vocab[t] in present}
    total = sum(weights.values()) or 1.0
    heaviest = max(weights.values(), default=1.0) or 1.0
    missing = [w for t, w in weights.items() if t not in found]
    best = evidence.best()
    return {
        "best_sentence": best.cosine if best else 0.0,
        "coverage": sum(weights[t] for t in found) / total,
        "rarest_missing": max(missing, default=0.0) / heaviest,
        "unknown_term": float(any(not stats.known(w) for w in naming_terms(question, stats))),
        "top_fused": float(result.hits[0].fused_score or 0.0),
    }


def named_terms(question: str) -> list[str]:
    """Names and identifiers of the question: capitalised after its first word, all capitals,
    or holding digits or joiners (E-4012, HDF5, .xlsx, TikZ/PGF)."""
    words = _WORD.findall(question)
    out = []
    for i, word in enumerate(words):
        word = word.removesuffix("'s")
        ident = any(c.isdigit() for c in word) or any(c in word for c in "_./+#")
        named = (i > 0 and word[0].isupper()) or (len(word) > 1 and word.isupper())
        if (ident or named) and word.lower() not in STOPWORDS:
            out.append(word)
    return out


def naming_terms(question: str, stats: CorpusStats) -> list[str]:
    """The question's names and identifiers, and its words rare in general English."""
    named = named_terms(question)
    words = [w for w in _PLAIN.findall(question) if w not in named]
    return named + [w for w in words if w.lower() not in STOPWORDS and stats.rare(w)]


def _forms(part: str) -> set[str]:
    """The word, its stem without a plural/-ed/-ing ending, and those with each ending added:
    enough for "requests" to find "request" and "closing" to find "closed"."""
    return {s + end for s in _stems(part) for end in ("", "s", "es", "d", "ed", "ing")}


def _stems(part: str) -> set[str]:
    """The word and its stems without a plural/-ed/-ing ending ("closing": close, clos)."""
    stems = {part}
    for suffix in _SUFFIXES:
        if part.endswith(suffix) and len(part) - len(suffix) >= 3:
            stem = part[: -len(suffix)]
            stems |= {stem, stem + "e"}
    return stems
