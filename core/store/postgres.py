"""The PostgreSQL store (RAG_STORE=postgres): generations in tables, vectors in pgvector.

    documents, chunks, pages, postings   rows keyed by (sha256, build), shared by generations
    terms                                BM25 term -> id
    generations                          name, manifest, counts; generation_documents lists
                                         its documents in order, generation_terms its df
    live                                 one row: the generation readers serve

`publish` stages the new documents' rows (one transaction each, content-keyed, so two
ingests never write the same rows twice), then, in one transaction under the schema's
publish lock, merges with whatever another ingest published meanwhile
(`core.store.merge`), lists the documents, computes document frequencies and switches
`live`. Readers only ever follow `live`, so they see a whole generation or the previous one;
a crash before the switch leaves the previous generation live. Old generations and unlisted
rows are collected after RAG_PG_GC_GRACE_S (a replica may still be reading them); unlisted
rows only while no other ingest is staging (a shared advisory lock marks one that is).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg import Connection, sql
from psycopg.types.json import Jsonb

from core.config import Settings
from core.errors import IndexConflict, IndexCorrupt, IndexIncompatible, IndexNotFound
from core.index import parse_manifest
from core.manifest import DocumentRecord, Manifest
from core.store.merge import build_key, rebase
from core.store.migrate import ensure_vector, lock_key, migrate, migrations, schema_version
from core.store.pg_db import Database, shared
from core.store.pg_index import GenerationDocs, PostgresIndex
from core.store.pg_write import stage
from core.store.protocol import DocumentRows, Scope, TermStats

log = logging.getLogger(__name__)
Rows = tuple[Any, ...]

_LIVE = """
SELECT g.gen_id, g.name, g.manifest, g.chunks, g.tokens, g.build
FROM live l JOIN generations g ON g.gen_id = l.gen_id
"""


class PostgresStore:
    """Generations in one schema of a PostgreSQL database with pgvector."""

    kind = "postgres"

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._migrated = False
        self._planned_on: str | None = None  # the live generation when live_manifest() ran

    @classmethod
    def from_settings(cls, settings: Settings) -> PostgresStore:
        url = settings.database_url
        assert url is not None  # Settings refuses postgres without one
        s = settings
        db = shared(
            url.get_secret_value(),
            s.pg_schema,
            min_size=s.pg_pool_min,
            max_size=s.pg_pool_max,
            connect_timeout_s=s.pg_connect_timeout_s,
            pool_timeout_s=s.pg_pool_timeout_s,
            statement_timeout_s=s.pg_statement_timeout_s,
        )
        return cls(db, settings)

    def describe(self) -> str:
        return self.db.where

    def close(self) -> None:
        pass  # the pool is the process's (core.store.pg_db.shared), closed at exit

    # -- readers ------------------------------------------------------------------------------
    def live_generation(self) -> str | None:
        def read(conn: Connection[Any]) -> str | None:
            if not self._has_tables(conn):
                return None
            row = conn.execute(
                "SELECT g.name FROM live l JOIN generations g USING (gen_id)"
            ).fetchone()
            return str(row[0]) if row else None

        return self.db.run(read)

    def live_manifest(self) -> Manifest:
        found = self.db.run(self._live_row)
        self._planned_on = found[1]
        manifest = self._manifest(found[1], found[2])
        count = self.db.run(
            lambda conn: conn.execute(
                "SELECT count(*), coalesce(sum(chunks), 0) FROM generation_documents "
                "WHERE gen_id = %s",
                (found[0],),
            ).fetchone()
        )
        if count is None or (int(count[0]), int(count[1])) != (
            len(manifest.documents),
            manifest.chunk_count,
        ):
            raise IndexCorrupt(f"generation {found[1]} does not list its manifest's documents")
        return manifest

    def documents(self) -> list[DocumentRecord]:
        try:
            return self.live_manifest().documents
        except IndexNotFound:
            return []

    def load(self) -> PostgresIndex:
        gen_id, name, raw, _chunks, tokens, _build = self.db.run(self._live_row)
        manifest = self._manifest(name, raw)
        dim = int(manifest.embedder.dimension)

        def read(
            conn: Connection[Any],
        ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], bool]:
            docs = conn.execute(
                "SELECT doc_key, path, row_start, chunks FROM generation_documents "
                "WHERE gen_id = %s ORDER BY position",
                (gen_id,),
            ).fetchall()
            terms = conn.execute(
                "SELECT t.term, t.term_id, g.df FROM generation_terms g JOIN terms t "
                "USING (term_id) WHERE g.gen_id = %s",
                (gen_id,),
            ).fetchall()
            ann = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL", (f"{self.db.schema}.chunks_hnsw_{dim}",)
            ).fetchone()
            return docs, terms, bool(ann and ann[0])

        docs, terms, ann = self.db.run(read)
        if [r[1] for r in docs] != [d.path for d in manifest.documents]:
            raise IndexCorrupt(f"generation {name} does not list its manifest's documents")
        gdocs = GenerationDocs(
            keys=np.asarray([r[0] for r in docs], dtype=np.int64),
            row_starts=np.asarray([r[2] for r in docs], dtype=np.int64),
            chunks=np.asarray([r[3] for r in docs], dtype=np.int64),
            paths=[str(r[1]) for r in docs],
            doc_ids=[d.doc_id for d in manifest.documents],
        )
        size = max((int(r[1]) for r in terms), default=-1) + 1
        df = np.zeros(size, dtype=np.int64)
        vocab: dict[str, int] = {}
        for term, term_id, count in terms:
            vocab[str(term)] = int(term_id)
            df[int(term_id)] = int(count)
        stats = TermStats(vocab, df, manifest.chunk_count)
        s = self.settings
        return PostgresIndex(
            self.db, gen_id, name, manifest, gdocs, stats, int(tokens),
            ef_search=s.pg_ef_search, exact_max_chunks=s.pg_exact_max_chunks, ann_index=ann,
        )  # fmt: skip

    # -- writers ------------------------------------------------------------------------------
    def writing(self) -> AbstractContextManager[None]:
        # Ingests run concurrently: only `publish` is serialised (an advisory lock).
        return contextlib.nullcontext()

    def publish(
        self, manifest: Manifest, fresh: Sequence[DocumentRows], scope: Scope | None = None
    ) -> str:
        self._migrate()
        build = build_key(manifest.embedder, manifest.chunker)
        dim = int(manifest.embedder.dimension)
        name = f"gen-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        # Staged rows belong to no generation until the switch: while this lock is held,
        # another ingest's garbage collection leaves unlisted rows alone, however long it takes.
        with self.db.holding_shared(self._staging_key):
            for doc in fresh:
                self.db.run(
                    lambda conn, d=doc: stage(conn, self.db.schema, build, d, dim),  # type: ignore[misc]
                    retry=False,
                )
            self.db.run(lambda conn: self._switch(conn, name, manifest, build, scope), retry=False)
        try:
            self.ensure_ann_index(dim)
        except Exception as exc:  # noqa: BLE001 - the generation is live; searches stay exact
            log.warning("HNSW index not built (searches stay exact until it is): %s", exc)
        try:
            self.collect_garbage()
        except Exception as exc:  # noqa: BLE001 - the generation is live; GC runs again next time
            log.warning("garbage collection failed (it runs again after the next publish): %s", exc)
        return name

    def _switch(
        self, conn: Connection[Any], name: str, manifest: Manifest, build: str, scope: Scope | None
    ) -> None:
        with conn.transaction():
            conn.execute("SET LOCAL statement_timeout = 0")
            conn.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(self._publish_key))
            live = conn.execute(_LIVE + " FOR UPDATE OF l").fetchone()
            current = self._manifest(live[1], live[2]) if live else None
            manifest = rebase(
                manifest, current, scope, planned_on=self._planned_on,
                live_name=live[1] if live else None,
            )  # fmt: skip
            shas = [d.sha256 for d in manifest.documents]
            rows = conn.execute(
                "SELECT sha256, doc_key, tokens FROM documents WHERE build = %s "
                "AND sha256 = ANY(%s::text[])",
                (build, shas),
            ).fetchall()
            found = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
            missing = [d.path for d in manifest.documents if d.sha256 not in found]
            if missing:
                raise IndexConflict(
                    f"{len(missing)} document(s) this ingest reuses are gone from the database "
                    f"(e.g. {missing[0]}; collected after another ingest dropped them): run the "
                    "ingest again"
                )
            keys = [found[s][0] for s in shas]
            starts = np.concatenate([[0], np.cumsum([d.chunks for d in manifest.documents])])
            gen_id = conn.execute(
                "INSERT INTO generations (name, build, manifest, chunks, tokens) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING gen_id",
                (name, build, Jsonb(manifest.model_dump(mode="json")), manifest.chunk_count,
                 sum(found[s][1] for s in shas)),
            ).fetchone()[0]  # type: ignore[index]  # fmt: skip
            conn.execute(
                "INSERT INTO generation_documents (gen_id, doc_key, position, path, row_start, "
                "chunks) SELECT %s, k, p - 1, path, s, c FROM unnest(%s::bigint[], %s::text[], "
                "%s::integer[], %s::integer[]) WITH ORDINALITY AS t(k, path, s, c, p)",
                (gen_id, keys, [d.path for d in manifest.documents],
                 [int(x) for x in starts[:-1]], [d.chunks for d in manifest.documents]),
            )  # fmt: skip
            base = live[0] if live and live[5] == build else None
            self._document_frequencies(conn, gen_id, base)
            if live:
                conn.execute(
                    "UPDATE generations SET superseded_at = now() WHERE gen_id = %s", (live[0],)
                )
            conn.execute(
                "INSERT INTO live (singleton, gen_id) VALUES (true, %s) ON CONFLICT (singleton) "
                "DO UPDATE SET gen_id = EXCLUDED.gen_id, published_at = now()",
                (gen_id,),
            )
            conn.execute("SELECT pg_notify('rag_index', %s)", (f"{self.db.schema}:{name}",))

    @staticmethod
    def _document_frequencies(conn: Connection[Any], gen_id: int, base: int | None) -> None:
        """generation_terms of `gen_id`: from the base generation's, plus the documents added
        and minus those removed since; from every posting without a comparable base."""
        if base is None:
            conn.execute(
                "INSERT INTO generation_terms (gen_id, term_id, df) SELECT %(g)s, p.term_id, "
                "sum(cardinality(p.ordinals)) FROM generation_documents g JOIN postings p "
                "ON p.doc_key = g.doc_key WHERE g.gen_id = %(g)s GROUP BY p.term_id",
                {"g": gen_id},
            )
            return
        conn.execute(
            """
            WITH new AS (SELECT doc_key FROM generation_documents WHERE gen_id = %(g)s),
                 old AS (SELECT doc_key FROM generation_documents WHERE gen_id = %(b)s),
                 delta AS (
                     SELECT term_id, df FROM generation_terms WHERE gen_id = %(b)s
                     UNION ALL
                     SELECT p.term_id, cardinality(p.ordinals) FROM postings p
                     WHERE p.doc_key IN (SELECT doc_key FROM new EXCEPT SELECT doc_key FROM old)
                     UNION ALL
                     SELECT p.term_id, -cardinality(p.ordinals) FROM postings p
                     WHERE p.doc_key IN (SELECT doc_key FROM old EXCEPT SELECT doc_key FROM new))
            INSERT INTO generation_terms (gen_id, term_id, df)
            SELECT %(g)s, term_id, sum(df) FROM delta GROUP BY term_id HAVING sum(df) > 0
            """,
            {"g": gen_id, "b": base},
        )

    def ensure_ann_index(self, dim: int) -> bool:
        """Build the HNSW index for `dim` once a generation outgrows exact search."""
        s = self.settings

        def build(conn: Connection[Any]) -> bool:
            live = conn.execute(_LIVE).fetchone()
            name = f"chunks_hnsw_{dim}"
            if live is None or int(live[3]) <= s.pg_exact_max_chunks:
                return False
            if conn.execute("SELECT to_regclass(%s)", (f"{self.db.schema}.{name}",)).fetchone()[0]:  # type: ignore[index]
                return True
            with conn.transaction():
                conn.execute("SET LOCAL statement_timeout = 0")
                # The graph builds far faster while it fits in memory (~2 GB at 1M x 384).
                conn.execute("SET LOCAL maintenance_work_mem = '2GB'")
                conn.execute(
                    sql.SQL(
                        "CREATE INDEX IF NOT EXISTS {} ON chunks USING hnsw "
                        "((embedding::vector({})) vector_cosine_ops) WITH (m = {}, "
                        "ef_construction = {}) WHERE dim = {}"
                    ).format(
                        sql.Identifier(name), sql.Literal(dim), sql.Literal(s.pg_hnsw_m),
                        sql.Literal(s.pg_hnsw_ef_construction), sql.Literal(dim),
                    )
                )  # fmt: skip
            return True

        return self.db.run(build, retry=False)

    def collect_garbage(self) -> int:
        """Drop generations superseded over RAG_PG_GC_GRACE_S ago (but always keep the live
        one and the one before it), then document rows no generation lists any more, unless
        another ingest is staging rows right now (they are collected next time)."""
        grace = f"{self.settings.pg_gc_grace_s} seconds"

        def collect(conn: Connection[Any]) -> int:
            with conn.transaction():
                conn.execute("SET LOCAL statement_timeout = 0")
                conn.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(self._publish_key))
                gone = conn.execute(
                    """
                    DELETE FROM generations WHERE gen_id NOT IN (SELECT gen_id FROM live)
                      AND gen_id NOT IN (SELECT gen_id FROM generations
                                         WHERE superseded_at IS NOT NULL
                                         ORDER BY superseded_at DESC LIMIT 1)
                      AND coalesce(superseded_at, created_at) < now() - %s::interval
                    """,
                    (grace,),
                ).rowcount
                nobody_staging = conn.execute(
                    sql.SQL("SELECT pg_try_advisory_xact_lock({})").format(self._staging_key)
                ).fetchone()
                if nobody_staging and nobody_staging[0]:
                    conn.execute(
                        "DELETE FROM documents d WHERE d.created_at < now() - %s::interval AND "
                        "NOT EXISTS (SELECT 1 FROM generation_documents g "
                        "WHERE g.doc_key = d.doc_key)",
                        (grace,),
                    )
            return int(gone)

        return self.db.run(collect, retry=False)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def _publish_key(self) -> sql.Composable:
        return lock_key(self.db.schema, "publish")

    @property
    def _staging_key(self) -> sql.Composable:
        return lock_key(self.db.schema, "staging")

    def _migrate(self) -> None:
        if self._migrated:
            return

        def run(conn: Connection[Any]) -> None:
            migrate(conn, self.db.schema, ensure_vector(conn))

        self.db.run(run, retry=False)
        self._migrated = True

    def _has_tables(self, conn: Connection[Any]) -> bool:
        version = schema_version(conn, self.db.schema)
        if version is None:
            return False
        if version > migrations()[-1][0]:
            raise IndexIncompatible(
                f"schema {self.db.schema!r} is at version {version}, newer than this project "
                "knows: upgrade it"
            )
        return True

    def _live_row(self, conn: Connection[Any]) -> tuple[Any, ...]:
        row = conn.execute(_LIVE).fetchone() if self._has_tables(conn) else None
        if row is None:
            raise IndexNotFound(f"no index in {self.db.where}: run `make ingest`")
        return tuple(row)

    def _manifest(self, name: str, raw: Any) -> Manifest:
        return parse_manifest(raw, f"generation {name}", f"generation {name}'s manifest")
