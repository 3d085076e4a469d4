"""Writing document rows into PostgreSQL: each new document's chunks, vectors, sentence
vectors, pages and BM25 postings, keyed by (sha256, build) and committed one document per
transaction. Rows are invisible to readers until a generation lists them (`publish`), so a
crash leaves only unlisted rows, which garbage collection removes after its grace period.

Two ingests of the same bytes serialise on the document's advisory lock; the second finds
the rows written and writes nothing, so content is never stored twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from psycopg import Connection, sql

from core.store.migrate import lock_key
from core.store.protocol import DocumentRows
from core.tokenize import tokenize


def term_ids(conn: Connection[Any], terms: set[str]) -> dict[str, int]:
    """Ids of `terms`, adding the new ones (sorted, so concurrent writers cannot deadlock)."""
    if not terms:
        return {}
    ordered = sorted(terms)
    with conn.transaction():
        conn.execute(
            "INSERT INTO terms (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING",
            (ordered,),
        )
    rows = conn.execute(
        "SELECT term, term_id FROM terms WHERE term = ANY(%s::text[])", (ordered,)
    ).fetchall()
    return {str(t): int(i) for t, i in rows}


def stage(conn: Connection[Any], schema: str, build: str, doc: DocumentRows, dim: int) -> int:
    """The doc_key of this document's rows, writing them unless they are there already."""
    if conn.adapters.types.get("vector") is None:  # opened before pgvector was installed
        from pgvector.psycopg import register_vector

        register_vector(conn)
    tokens = [tokenize(c.text) for c in doc.chunks]
    ids = term_ids(conn, {t for toks in tokens for t in toks})
    sha = doc.record.sha256
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = 0")
        key = lock_key(schema, f"doc:{sha}:{build}")
        conn.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(key))
        row = conn.execute(
            "SELECT doc_key FROM documents WHERE sha256 = %s AND build = %s", (sha, build)
        ).fetchone()
        if row is not None:
            return int(row[0])
        lengths = [max(1, len(t)) for t in tokens]  # bm25s scores an empty chunk as length 1
        record = doc.record.model_dump(mode="json", exclude={"path"})
        doc_key = int(
            conn.execute(
                "INSERT INTO documents (sha256, build, doc_id, chunks, tokens, record) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING doc_key",
                (sha, build, doc.record.doc_id, len(doc.chunks), sum(lengths), _json(record)),
            ).fetchone()[0]  # type: ignore[index]
        )
        _copy_chunks(conn, doc_key, doc, [[ids[t] for t in toks] for toks in tokens], dim)
        _copy_pages(conn, doc_key, doc)
        _copy_postings(conn, doc_key, [[ids[t] for t in toks] for toks in tokens], lengths)
    return doc_key


def _json(value: object) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _copy_chunks(
    conn: Connection[Any], doc_key: int, doc: DocumentRows, terms: list[list[int]], dim: int
) -> None:
    columns = (
        "doc_key, ordinal, chunk_id, page_start, page_end, label_start, label_end, char_start, "
        "char_end, n_tokens, text, page_breaks, sentences, dim, embedding, sentence_vectors, "
        "terms"
    )
    types = ["bigint", "integer", "text", "integer", "integer", "text", "text", "integer",
             "integer", "integer", "text", "integer[]", "integer[]", "integer", "vector",
             "bytea", "integer[]"]  # fmt: skip
    with conn.cursor().copy(f"COPY chunks ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for position, (chunk, vec, sents, ids) in enumerate(
            zip(doc.chunks, doc.vectors, doc.sentence_vectors, terms, strict=True)
        ):
            if chunk.ordinal != position:  # rows are row_start + ordinal
                raise ValueError(f"chunk {chunk.id} has ordinal {chunk.ordinal}, not {position}")
            half = np.asarray(sents, dtype="<f2").reshape(-1, dim)
            copy.write_row(
                (
                    doc_key, chunk.ordinal, chunk.id, chunk.page_start, chunk.page_end,
                    chunk.label_start, chunk.label_end, chunk.char_start, chunk.char_end,
                    chunk.n_tokens, chunk.text, [x for b in chunk.page_breaks for x in b],
                    [x for s in chunk.sentences for x in s], dim,
                    np.asarray(vec, dtype=np.float32), half.tobytes(), ids,
                )
            )  # fmt: skip


def _copy_pages(conn: Connection[Any], doc_key: int, doc: DocumentRows) -> None:
    with conn.cursor().copy("COPY pages (doc_key, page, label, text) FROM STDIN") as copy:
        for page in doc.pages:
            copy.write_row((doc_key, page.page, page.label, page.text))


def _copy_postings(
    conn: Connection[Any], doc_key: int, terms: Sequence[list[int]], lengths: list[int]
) -> None:
    by_term: dict[int, tuple[list[int], list[int], list[int]]] = {}
    for ordinal, (ids, length) in enumerate(zip(terms, lengths, strict=True)):
        for term, tf in Counter(ids).items():
            ords, tfs, lens = by_term.setdefault(term, ([], [], []))
            ords.append(ordinal)
            tfs.append(tf)
            lens.append(length)
    sql_copy = "COPY postings (term_id, doc_key, ordinals, tfs, lengths) FROM STDIN (FORMAT BINARY)"
    with conn.cursor().copy(sql_copy) as copy:
        copy.set_types(["integer", "bigint", "integer[]", "integer[]", "integer[]"])
        for term, (ords, tfs, lens) in by_term.items():
            copy.write_row((term, doc_key, ords, tfs, lens))
