"""A synthetic index of N chunks grown from the sample index, for latency at scale.

Texts: real sentences of the sample's chunks, sampled with a fixed seed into ~150-word
chunks; each synthetic chunk draws from a window of 5 neighbouring real chunks, so a text
stays on one topic. BM25 token ids come from `core.index.build_lexical` on those texts.

Vectors are NOT embeddings: 100k chunks cannot be embedded on 2 CPU cores in minutes. Each
is the vector of the real chunk at the window's centre plus Gaussian noise, renormalised.
By default (`corpus`) the noise has the covariance of the real chunk vectors, so it varies
along the directions real embeddings vary in (their covariance has a participation ratio of
~35 of 384 dimensions); `isotropic` noise spreads half of each vector's length over all 384
directions alike, which no sentence embedder does, and leaves the exact top-10 decided by
noise: the worst case for an approximate index. `bench.store.calibration` measures both against real
embeddings. FAISS IndexFlatIP is exhaustive, so its latency depends only on N and the
dimension, not on what the vectors mean.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, replace
from typing import Any

import faiss
import numpy as np

from core.chunk import Chunk
from core.index import IndexData
from core.index_writer import build_lexical

Array = np.ndarray[Any, Any]
SEED = 0
WORDS = 150
WINDOW = 2  # real chunks either side of the centre that sentences are drawn from
# Both scales give a median nearest-neighbour cosine near the real sample index's (0.63 at
# 100k chunks: 0.64 corpus-shaped, 0.60 isotropic); an isotropic 0.1 gave ~0.3, far below
# anything a real embedder produces for related text.
NOISE = ("corpus", "isotropic")
SIGMA = 0.05  # isotropic: per dimension
CORPUS_SCALE = 1.5  # corpus: times the real vectors' standard deviation along each axis
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Synthetic:
    index: IndexData
    info: dict[str, Any]


def _texts(chunks: list[Chunk], n: int, rng: random.Random) -> tuple[list[str], list[int]]:
    sentences = [[s for s in _SENTENCE.split(c.text) if s.strip()] or [c.text] for c in chunks]
    last = len(chunks) - 1
    texts: list[str] = []
    centres: list[int] = []
    for _ in range(n):
        centre = rng.randrange(len(chunks))
        parts: list[str] = []
        words = 0
        while words < WORDS:
            src = min(last, max(0, centre + rng.randint(-WINDOW, WINDOW)))
            sentence = rng.choice(sentences[src])
            parts.append(sentence)
            words += len(sentence.split())
        texts.append(" ".join(parts))
        centres.append(centre)
    return texts, centres


def _median_nn_cosine(vectors: np.ndarray[Any, Any], index: Any, probes: int) -> float:
    """Median cosine of a vector to its nearest other vector, over `probes` rows."""
    rows = np.linspace(0, len(vectors) - 1, num=min(probes, len(vectors))).astype(int)
    scores, _ = index.search(np.ascontiguousarray(vectors[rows]), 2)
    return float(np.median(scores[:, 1]))  # column 0 is the row itself


def noise(real: Array, n: int, kind: str, seed: int = SEED) -> Array:
    """`n` Gaussian noise vectors: shaped like the real vectors' covariance, or isotropic."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, real.shape[1]), dtype=np.float32)
    if kind == "isotropic":
        return SIGMA * z
    if kind != "corpus":
        raise ValueError(f"unknown noise {kind!r}: choose one of {NOISE}")
    var, axes = np.linalg.eigh(np.cov(real, rowvar=False))
    shape = np.sqrt(np.clip(var, 0.0, None)).astype(np.float32)
    out: Array = CORPUS_SCALE * (z * shape) @ axes.T.astype(np.float32)
    return out


def around(real: Array, centres: Array, kind: str) -> Array:
    """Unit vectors: each real vector at `centres` plus noise of `kind`, renormalised."""
    vectors = real[centres] + noise(real, len(centres), kind)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def participation_ratio(vectors: Array) -> float:
    """Effective number of dimensions the vectors vary in: (sum of variances)^2 / sum of
    squared variances over the covariance's eigenvalues."""
    var = np.clip(np.linalg.eigvalsh(np.cov(vectors, rowvar=False)), 0.0, None)
    return float(var.sum() ** 2 / max(float((var**2).sum()), 1e-30))


def build(source: IndexData, n: int, kind: str = "corpus") -> Synthetic:
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    texts, centres = _texts(source.chunks, n, rng)
    t_texts = time.perf_counter() - t0

    t0 = time.perf_counter()
    vocab, indptr, ids = build_lexical(texts)
    t_lex = time.perf_counter() - t0

    t0 = time.perf_counter()
    real = source.vectors()
    vectors = around(real, np.asarray(centres), kind)
    dense = faiss.IndexFlatIP(real.shape[1])
    dense.add(vectors)
    t_vec = time.perf_counter() - t0

    chunks = [
        replace(
            source.chunks[c],
            id=f"synthetic-{i:06d}",
            ordinal=i,
            char_start=0,
            char_end=len(text),
            # Word pieces are not counted (tokenizing 100k texts costs minutes); retrieval
            # never reads n_tokens. ~1.3 pieces per word is MiniLM's rate on this corpus.
            n_tokens=int(len(text.split()) * 1.3),
            text=text,
            page_breaks=(),
            # One sentence per chunk, sharing the chunk's vector: answers stay possible.
            sentences=((0, len(text)),),
        )
        for i, (c, text) in enumerate(zip(centres, texts, strict=True))
    ]
    manifest = source.manifest.model_copy(update={"chunk_count": n})
    index = IndexData(
        source.path,
        manifest,
        chunks,
        dense,
        vocab,
        indptr,
        ids,
        sentence_vectors=vectors.astype(np.float16),
        sentence_indptr=np.arange(n + 1, dtype=np.int64),
        pages={},
    )

    real_index = faiss.IndexFlatIP(real.shape[1])
    real_index.add(real)
    info = {
        "chunks": n,
        "seed": SEED,
        "words_per_chunk": WORDS,
        "noise": kind,
        "noise_scale": CORPUS_SCALE if kind == "corpus" else SIGMA,
        "participation_ratio_real": participation_ratio(real),
        "source_chunks": len(source.chunks),
        "unique_sentences": sum(len(_SENTENCE.split(c.text)) for c in source.chunks),
        "vocab": len(vocab),
        "tokens": int(ids.size),
        "tokens_per_chunk": float(ids.size / max(n, 1)),
        "seconds_texts": t_texts,
        "seconds_build_lexical": t_lex,
        "seconds_vectors_faiss": t_vec,
        "nn_cosine_real_median": _median_nn_cosine(real, real_index, 400),
        "nn_cosine_synthetic_median": _median_nn_cosine(vectors, dense, 400),
    }
    return Synthetic(index, info)


def notes(info: dict[str, Any]) -> list[str]:
    return [
        f"Synthetic index: {info['chunks']:,} chunks made by sampling sentences of the "
        f"{info['source_chunks']} real sample chunks (seed {info['seed']}) into "
        f"~{info['words_per_chunk']}-word texts; BM25 ids from build_lexical "
        f"({info['seconds_build_lexical']:.1f}s, {info['tokens_per_chunk']:.0f} tokens/chunk).",
        f"Vectors are NOT embeddings: real chunk vector + Gaussian noise ({_noise(info)}), "
        "renormalised. Median nearest-neighbour cosine: synthetic "
        f"{info['nn_cosine_synthetic_median']:.2f} vs real {info['nn_cosine_real_median']:.2f}. "
        "FAISS IndexFlatIP is exhaustive: its latency depends on N, not on the vectors.",
        f"BM25 caveat: the vocabulary is the sample's ({info['vocab']:,} terms), so posting "
        "lists are far longer than in a real 100k-chunk corpus: BM25 latency here is "
        "pessimistic.",
    ]


def _noise(info: dict[str, Any]) -> str:
    if info.get("noise") == "isotropic":
        return f"isotropic, sigma {info['noise_scale']}/dim"
    return (f"shaped like the real vectors' covariance, x{info['noise_scale']}; participation "
            f"ratio {info['participation_ratio_real']:.0f} of 384 dims")  # fmt: skip
