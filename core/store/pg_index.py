"""A published generation read from PostgreSQL: the `SearchIndex` the service queries.

Dense search is exact (a scan ordered by inner product, as FAISS flat is) for generations or
document filters of at most RAG_PG_EXACT_MAX_CHUNKS chunks, and goes through the HNSW index
(cosine, `hnsw.ef_search` = RAG_PG_EF_SEARCH, iterative scan so filters still fill k) above.
BM25 is computed in SQL from the postings with bm25s' Lucene formula and float32 arithmetic
(per-term scores rounded to float32, summed in float32 in query-token order), so it ranks as
`service.lexical.BM25sEngine` does: the same scores and the same ties, broken by row.
Chunks, sentence vectors and term ids are fetched for the rows a search returns and cached.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from psycopg import Connection

from core.chunk import Chunk
from core.embed import Vectors
from core.errors import IndexCorrupt
from core.manifest import Manifest, PageRecord
from core.store.pg_db import Database
from core.store.protocol import TermStats

K1, B = 1.5, 0.75  # service.lexical's defaults
_CACHE_ROWS = 4096

_BM25 = """
SELECT g.row_start + u.ordinal AS row,
       sum((q.idf::float8 * (u.tf::float8 / (%(k1)s * (%(omb)s + %(b)s * u.len::float8
           / %(avgdl)s) + u.tf::float8)))::float4 ORDER BY q.pos)::float8 AS score
FROM unnest(%(ids)s::integer[], %(idf)s::float4[]) WITH ORDINALITY AS q(term_id, idf, pos)
JOIN postings p ON p.term_id = q.term_id
JOIN generation_documents g ON g.gen_id = %(gen)s AND g.doc_key = p.doc_key
CROSS JOIN LATERAL unnest(p.ordinals, p.tfs, p.lengths) AS u(ordinal, tf, len)
WHERE %(keys)s::bigint[] IS NULL OR g.doc_key = ANY(%(keys)s::bigint[])
GROUP BY 1
ORDER BY score DESC, row
LIMIT %(k)s
"""

_EXACT = """
SELECT g.row_start + c.ordinal AS row, c.embedding
FROM generation_documents g JOIN chunks c ON c.doc_key = g.doc_key
WHERE g.gen_id = %(gen)s AND (%(keys)s::bigint[] IS NULL OR g.doc_key = ANY(%(keys)s::bigint[]))
ORDER BY c.embedding <#> %(q)s::vector, row
LIMIT %(k)s
"""

# {dim} is an int from the manifest: the partial index's predicate must be a literal.
_ANN = """
SELECT c.doc_key, c.ordinal, c.embedding
FROM chunks c
WHERE c.dim = {dim} AND (
    CASE WHEN %(keys)s::bigint[] IS NULL
         THEN EXISTS (SELECT 1 FROM generation_documents g
                      WHERE g.gen_id = %(gen)s AND g.doc_key = c.doc_key)
         ELSE c.doc_key = ANY(%(keys)s::bigint[]) END)
ORDER BY c.embedding::vector({dim}) <=> %(q)s::vector({dim})
LIMIT %(k)s
"""

_ROWS = """
SELECT r.i, c.chunk_id, c.page_start, c.page_end, c.label_start, c.label_end, c.char_start,
       c.char_end, c.n_tokens, c.text, c.page_breaks, c.sentences, c.sentence_vectors, c.terms
FROM unnest(%(keys)s::bigint[], %(ords)s::integer[]) WITH ORDINALITY AS r(doc_key, ordinal, i)
JOIN chunks c ON c.doc_key = r.doc_key AND c.ordinal = r.ordinal
"""


@dataclass(frozen=True)
class _Row:
    chunk: Chunk
    sentences: Vectors
    terms: npt.NDArray[np.int32]


@dataclass(frozen=True)
class GenerationDocs:
    """The generation's documents in manifest order, as stored."""

    keys: npt.NDArray[np.int64]
    row_starts: npt.NDArray[np.int64]
    chunks: npt.NDArray[np.int64]
    paths: list[str]
    doc_ids: list[str]


def _rescored(
    qvec: npt.NDArray[np.float32], rows: list[int], vectors: list[Any]
) -> list[tuple[int, float]]:
    """The candidates' inner products as FAISS flat computes them (same kernel, same float32
    rounding: pgvector sums in another order), best first, ties by row."""
    if not rows:
        return []
    cand = np.stack([_array(v) for v in vectors]).astype(np.float32)
    flat = faiss.IndexFlatIP(cand.shape[1])
    flat.add(cand)
    scores, idx = flat.search(np.ascontiguousarray(qvec, dtype=np.float32), len(rows))
    hits = [(rows[int(i)], float(s)) for i, s in zip(idx[0], scores[0], strict=True) if i >= 0]
    return sorted(hits, key=lambda h: (-h[1], h[0]))


def _array(value: Any) -> npt.NDArray[np.float32]:
    if isinstance(value, str):  # a connection without pgvector's adapter: its text form
        return np.asarray(value.strip("[]").split(","), dtype=np.float32)
    if hasattr(value, "to_numpy"):  # pgvector.Vector
        return np.asarray(value.to_numpy(), dtype=np.float32)
    return np.asarray(value, dtype=np.float32)


def vector_literal(vec: npt.NDArray[np.float32]) -> str:
    """pgvector's text form; repr of each float32 value parses back to the same float."""
    return "[" + ",".join(map(repr, np.asarray(vec, dtype=np.float32).ravel().tolist())) + "]"


class PostgresIndex:
    """One generation of the PostgreSQL store; safe to share across threads."""

    def __init__(
        self,
        db: Database,
        gen_id: int,
        name: str,
        manifest: Manifest,
        docs: GenerationDocs,
        stats: TermStats,
        tokens: int,
        *,
        ef_search: int,
        exact_max_chunks: int,
        ann_index: bool,
    ) -> None:
        self._db = db
        self.gen_id = gen_id
        self._name = name
        self._manifest = manifest
        self.docs = docs
        self._stats = stats
        self._avgdl = tokens / max(1, manifest.chunk_count)
        self.ef_search = ef_search
        self.exact_max_chunks = exact_max_chunks
        self.ann_index = ann_index
        self._by_doc_id = {d: i for i, d in enumerate(docs.doc_ids)}
        self._start_of = {int(k): int(s) for k, s in zip(docs.keys, docs.row_starts, strict=True)}
        nonempty = docs.chunks > 0
        self._starts = docs.row_starts[nonempty]
        self._start_keys = docs.keys[nonempty]
        self._start_idx = np.flatnonzero(nonempty)
        self._cache: OrderedDict[int, _Row] = OrderedDict()
        self._lock = threading.Lock()

    # -- SearchIndex ------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        return self._name

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    @property
    def chunk_count(self) -> int:
        return self._manifest.chunk_count

    def term_stats(self) -> TermStats:
        return self._stats

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        return [r.chunk for r in self._rows(rows)]

    def sentence_vecs(self, row: int) -> Vectors:
        return self._rows([row])[0].sentences

    def lexical_tokens(self, row: int) -> npt.NDArray[np.int32]:
        return self._rows([row])[0].terms

    def page(self, doc_id: str, page: int) -> PageRecord | None:
        i = self._by_doc_id.get(doc_id)
        if i is None:
            return None
        found = self._db.run(
            lambda conn: conn.execute(
                "SELECT label, text FROM pages WHERE doc_key = %s AND page = %s",
                (int(self.docs.keys[i]), page),
            ).fetchone()
        )
        if found is None:
            return None
        return PageRecord(doc_id=doc_id, page=page, label=found[0], text=found[1])

    def dense_search(
        self, qvec: npt.NDArray[np.float32], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        keys, n = self._filter(docs)
        if n == 0 or k <= 0:
            return []
        params = {"q": vector_literal(qvec), "gen": self.gen_id, "keys": keys, "k": min(k, n)}
        if n <= self.exact_max_chunks or not self.ann_index:
            found = self._db.run(lambda conn: conn.execute(_EXACT, params).fetchall())
            return _rescored(qvec, [int(r) for r, _ in found], [v for _, v in found])
        query = _ANN.format(dim=int(self._manifest.embedder.dimension))

        def ann(conn: Connection[Any]) -> list[tuple[Any, ...]]:
            with conn.transaction():
                ef = max(self.ef_search, int(params["k"]))  # type: ignore[call-overload]
                conn.execute(f"SET LOCAL hnsw.ef_search = {ef}")
                conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
                return conn.execute(query, params).fetchall()

        found = self._db.run(ann)
        rows = [self._start_of[int(key)] + int(o) for key, o, _ in found]
        return _rescored(qvec, rows, [v for _, _, v in found])

    # -- LexicalSearch ----------------------------------------------------------------------
    def bm25_search(
        self, tokens: list[str], k: int, docs: Sequence[str] | None = None
    ) -> list[tuple[int, float]]:
        vocab, df, n = self._stats.vocab, self._stats.df, self._stats.chunks
        ids = [vocab[t] for t in tokens if t in vocab]
        keys, allowed = self._filter(docs)
        if not ids or k <= 0 or allowed == 0:
            return []
        # bm25s: idf in double, stored as float32 (bm25s.scoring._build_idf_array).
        idf = [
            float(np.float32(math.log(1 + (n - int(df[i]) + 0.5) / (int(df[i]) + 0.5))))
            for i in ids
        ]
        params = {"ids": ids, "idf": idf, "gen": self.gen_id, "keys": keys, "k": k,
                  "k1": K1, "b": B, "omb": 1 - B, "avgdl": self._avgdl}  # fmt: skip
        found = self._db.run(lambda conn: conn.execute(_BM25, params).fetchall())
        return [(int(r), float(s)) for r, s in found if s > 0]

    # -- beyond the protocol ----------------------------------------------------------------
    def vectors(self, rows: Sequence[int]) -> Vectors:
        """Stored chunk vectors of `rows` (float32, exactly as written)."""
        keys, ords = self._locate(rows)

        def fetch(conn: Connection[Any]) -> list[tuple[Any, ...]]:
            return conn.execute(
                "SELECT r.i, c.embedding::text FROM unnest(%s::bigint[], %s::integer[]) "
                "WITH ORDINALITY AS r(doc_key, ordinal, i) JOIN chunks c "
                "ON c.doc_key = r.doc_key AND c.ordinal = r.ordinal",
                (keys, ords),
            ).fetchall()

        out = np.zeros((len(rows), self._manifest.embedder.dimension), dtype=np.float32)
        for i, text in self._db.run(fetch):
            out[int(i) - 1] = _array(text)
        return out

    def _filter(self, docs: Sequence[str] | None) -> tuple[list[int] | None, int]:
        """Doc keys of a document filter (None: all) and how many chunks they hold."""
        if docs is None:
            return None, self.chunk_count
        idx = [self._by_doc_id[d] for d in docs if d in self._by_doc_id]
        return [int(self.docs.keys[i]) for i in idx], int(sum(self.docs.chunks[i] for i in idx))

    def _locate(self, rows: Sequence[int]) -> tuple[list[int], list[int]]:
        if any(not 0 <= r < self.chunk_count for r in rows):
            raise IndexError(f"row out of range 0..{self.chunk_count - 1}")
        at = np.searchsorted(self._starts, np.asarray(rows, dtype=np.int64), side="right") - 1
        keys = self._start_keys[at]
        ords = np.asarray(rows, dtype=np.int64) - self._starts[at]
        return [int(k) for k in keys], [int(o) for o in ords]

    def _rows(self, rows: Sequence[int]) -> list[_Row]:
        with self._lock:
            missing = sorted({r for r in rows if r not in self._cache})
        if missing:
            fetched = self._fetch(missing)
            with self._lock:
                self._cache.update(fetched)
                while len(self._cache) > _CACHE_ROWS:
                    self._cache.popitem(last=False)
        else:
            fetched = {}
        with self._lock:
            out = []
            for r in rows:
                row = self._cache.get(r) or fetched[r]
                out.append(row)
                if r in self._cache:
                    self._cache.move_to_end(r)
        return out

    def _fetch(self, rows: list[int]) -> dict[int, _Row]:
        keys, ords = self._locate(rows)
        found = self._db.run(
            lambda conn: conn.execute(_ROWS, {"keys": keys, "ords": ords}).fetchall()
        )
        if len(found) != len(rows):
            raise IndexCorrupt(
                f"generation {self._name} lists chunks the database no longer holds "
                "(collected as garbage?): reload the live generation"
            )
        dim = self._manifest.embedder.dimension
        doc_at = self._start_idx[np.searchsorted(self._starts, rows, side="right") - 1]
        out = {}
        for i, cid, p0, p1, l0, l1, c0, c1, ntok, text, breaks, sents, svec, terms in found:
            j = int(i) - 1
            doc = int(doc_at[j])
            chunk = Chunk(
                id=cid, doc_id=self.docs.doc_ids[doc], source=self.docs.paths[doc],
                ordinal=ords[j], page_start=p0, page_end=p1, label_start=l0, label_end=l1,
                char_start=c0, char_end=c1, n_tokens=ntok, text=text,
                page_breaks=tuple(tuple(breaks[k : k + 3]) for k in range(0, len(breaks), 3)),
                sentences=tuple(tuple(sents[k : k + 2]) for k in range(0, len(sents), 2)),
            )  # fmt: skip
            vecs = np.frombuffer(bytes(svec), dtype="<f2").reshape(-1, dim).astype(np.float32)
            out[rows[j]] = _Row(chunk, vecs, np.asarray(terms, dtype=np.int32))
        return out
