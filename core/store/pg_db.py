"""Connections to the PostgreSQL store: one psycopg pool per process, with the timeouts from
settings, and one place that turns "the database is not there" into `StoreUnavailable`.

Every connection runs in autocommit with `search_path` set to the store's schema and the
schema holding pgvector, and a statement timeout (writers lift it for their own
transactions). A read that fails on a connection the server closed (a restart) is tried
once more on a fresh one, so a restart costs the requests in flight at most.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import Connection, sql
from psycopg_pool import ConnectionPool, PoolTimeout

from core.errors import StoreUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable database URL)"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


_SHARED: dict[tuple[object, ...], Database] = {}
_SHARED_LOCK = threading.Lock()


def shared(url: str, schema: str, **options: float) -> Database:
    """The process's pool for this database, schema and options: every store opened on them
    (an ingest, then a load, in one eval run) shares it; all are closed at exit."""
    key = (url, schema, *sorted(options.items()))
    with _SHARED_LOCK:
        db = _SHARED.get(key)
        if db is None or db.pool.closed:
            db = _SHARED[key] = Database(url, schema, **options)  # type: ignore[arg-type]
        return db


@atexit.register
def close_all(url: str | None = None) -> None:
    """Close the shared pools (of one database URL, or all)."""
    with _SHARED_LOCK:
        for key, db in list(_SHARED.items()):
            if url is None or key[0] == url:
                db.close()
                del _SHARED[key]


class Database:
    """A connection pool on one schema."""

    def __init__(
        self,
        url: str,
        schema: str,
        *,
        min_size: int = 1,
        max_size: int = 8,
        connect_timeout_s: float = 3.0,
        pool_timeout_s: float = 3.0,
        statement_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self.schema = schema
        self.where = f"{redact(url)} (schema {schema})"
        self._vector_schema: str | None = None
        self._lock = threading.Lock()
        options = f"-c statement_timeout={int(statement_timeout_s * 1000)}"
        self.pool: ConnectionPool[Connection[Any]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max(max_size, min_size, 1),
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(connect_timeout_s)),
                "options": options,
                "application_name": "rag-reference",
            },
            configure=self._configure,
            check=ConnectionPool.check_connection,
            timeout=pool_timeout_s,
            reconnect_timeout=60.0,
            name=f"rag-{schema}",
            open=False,
        )
        self.pool.open(wait=False)

    def _configure(self, conn: Connection[Any]) -> None:
        row = conn.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
        path = [self.schema] + ([str(row[0])] if row else ["public"])
        conn.execute(
            sql.SQL("SET search_path TO {}").format(sql.SQL(", ").join(map(sql.Identifier, path)))
        )
        if row is not None:
            from pgvector.psycopg import register_vector

            register_vector(conn)

    def run(self, fn: Callable[[Connection[Any]], T], *, retry: bool = True) -> T:
        """`fn` on a pooled connection; StoreUnavailable when the database is not there."""
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                with self.pool.connection() as conn:
                    return fn(conn)
            except PoolTimeout as exc:
                raise StoreUnavailable(
                    f"database {self.where} unreachable: no connection within "
                    f"{self.pool.timeout:g}s ({_short(exc)})"
                ) from exc
            except psycopg.errors.QueryCanceled as exc:
                raise StoreUnavailable(f"database {self.where} timed out: {_short(exc)}") from exc
            except psycopg.OperationalError as exc:
                if attempt + 1 < attempts:
                    log.info("database connection failed, retrying once: %s", _short(exc))
                    continue
                raise StoreUnavailable(f"database {self.where} unreachable: {_short(exc)}") from exc
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def holding_shared(self, key: sql.Composable) -> Iterator[None]:
        """Hold a shared advisory lock on a connection of its own for the block; the server
        drops it with the connection should this process die."""
        try:
            with self.pool.connection() as conn:
                conn.execute(sql.SQL("SELECT pg_advisory_lock_shared({})").format(key))
                try:
                    yield
                finally:
                    conn.execute(sql.SQL("SELECT pg_advisory_unlock_shared({})").format(key))
        except PoolTimeout as exc:
            raise StoreUnavailable(f"database {self.where} unreachable: {_short(exc)}") from exc

    def close(self) -> None:
        self.pool.close()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
