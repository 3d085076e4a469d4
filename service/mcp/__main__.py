"""`python -m service.mcp`: the MCP tools over stdio, for a client that starts the server
itself (Claude Desktop, an IDE). Settings from RAG_* and .env, as for `python -m service`;
the index is loaded at start and swapped when a new one is ingested. Logs go to stderr:
stdout carries the protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator

import anyio
from mcp.server.mcpserver import MCPServer

from core.config import load_settings
from core.errors import ConfigError
from service.mcp.tools import build_server
from service.state import AppState, watch_index

log = logging.getLogger("service")


def main() -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    try:
        state = AppState(load_settings())
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2

    @contextlib.asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(state.load)
        if state.answerer is None:
            log.warning("not ready: %s", state.not_ready)
        poll = state.settings.index_poll_s
        watcher = asyncio.create_task(watch_index(state)) if poll > 0 else None
        try:
            yield
        finally:
            if watcher:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            state.close()

    build_server(lambda: state, lifespan=lifespan).run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
