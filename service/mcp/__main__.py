"""`python -m service.mcp`: the MCP tools over stdio, for a client that starts the server
itself (Claude Desktop, an IDE). Settings from RAG_* and .env, as for `python -m service`;
the index is loaded at start and swapped when a new one is ingested. Logs go to stderr:
stdout carries the protocol.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator

from mcp.server.mcpserver import MCPServer

from core.config import load_settings
from core.errors import ConfigError
from service.mcp.tools import build_server
from service.state import AppState, serving

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
        async with serving(state):
            yield

    build_server(lambda: state, lifespan=lifespan).run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
