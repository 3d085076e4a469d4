"""Schema migrations for the PostgreSQL store: plain SQL files in `migrations/`, applied in
order inside the store's schema, each in its own transaction, by whichever process gets the
schema's advisory lock first (the others wait, then find nothing left to do).

`schema_migrations` records what was applied. A database migrated by a newer version (a
number above the newest file here) is refused: this version cannot know its tables.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from psycopg import Connection, errors, sql

from core.errors import ConfigError, IndexIncompatible

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    found = []
    for entry in resources.files("core.store").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text("utf-8")))
    return sorted(found)


def lock_key(schema: str, what: str) -> sql.Composable:
    """An advisory lock key private to this schema and purpose."""
    return sql.SQL("hashtextextended({}, 0)").format(sql.Literal(f"rag:{schema}:{what}"))


def ensure_vector(conn: Connection[Any]) -> str:
    """The schema holding the pgvector extension, creating it when missing."""
    row = conn.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"
    ).fetchone()
    if row is None:
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")
        except errors.InsufficientPrivilege:
            raise ConfigError(
                "the database lacks the pgvector extension and this user may not create it: "
                "run `CREATE EXTENSION vector;` once as a superuser (managed services: their "
                "admin role), then retry"
            ) from None
        except errors.FeatureNotSupported as exc:
            raise ConfigError(f"pgvector is not installed on the server: {exc}") from None
        return "public"
    return str(row[0])


def migrate(conn: Connection[Any], schema: str, vector_schema: str) -> int:
    """Bring `schema` up to the newest migration; returns the version it is at."""
    shipped = migrations()
    newest = shipped[-1][0]
    ident = sql.Identifier(schema)
    with conn.transaction():
        path = sql.SQL("SET LOCAL search_path TO {}, {}")
        conn.execute(path.format(ident, sql.Identifier(vector_schema)))
        conn.execute(
            sql.SQL("SELECT pg_advisory_xact_lock({})").format(lock_key(schema, "migrate"))
        )
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(ident)
        )
        rows = conn.execute(
            sql.SQL("SELECT version FROM {}.schema_migrations").format(ident)
        ).fetchall()
        applied = {int(r[0]) for r in rows}
        if applied and max(applied) > newest:
            raise IndexIncompatible(
                f"schema {schema!r} was migrated to version {max(applied)} by a newer version "
                f"of this project; this one knows up to {newest}: upgrade it"
            )
        for version, name, text in shipped:
            if version in applied:
                continue
            with conn.transaction():
                conn.execute(sql.SQL(text))  # our own shipped file
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {}.schema_migrations (version, name) VALUES (%s, %s)"
                    ).format(ident),
                    (version, name),
                )
    return newest


def schema_version(conn: Connection[Any], schema: str) -> int | None:
    """The newest migration applied to `schema`; None before the first."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{schema}.schema_migrations",)).fetchone()
    if row is None or row[0] is None:
        return None
    got = conn.execute(
        sql.SQL("SELECT max(version) FROM {}.schema_migrations").format(sql.Identifier(schema))
    ).fetchone()
    return int(got[0]) if got and got[0] is not None else None
