"""Where the index lives: `open_store(settings)` picks the files store (default) or
PostgreSQL (`RAG_STORE=postgres`, the `postgres` extra). See `core.store.protocol`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import ConfigError

if TYPE_CHECKING:
    from core.config import Settings
    from core.store.protocol import Store

POSTGRES_EXTRA = (
    "pip install -e '.[postgres]'  (or: pip install 'psycopg[binary]' psycopg-pool pgvector)"
)


def open_store(settings: Settings) -> Store:
    """The store the settings name; RAG_STORE=postgres without its extra is a ConfigError."""
    if settings.store == "files":
        from core.store.files import FilesStore

        return FilesStore(settings.index_dir)
    try:
        import pgvector  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"RAG_STORE=postgres needs the postgres extra ({exc.name} is missing): {POSTGRES_EXTRA}"
        ) from None
    from core.store.postgres import PostgresStore

    return PostgresStore.from_settings(settings)
