"""/mcp: the MCP server over streamable HTTP inside the FastAPI app, behind the same API key
and rate limit as the rest of the API (errors before the transport are the app's JSON).

Stateless JSON mode: every POST is a complete exchange, so nothing is kept between requests
and any number of clients costs no memory. Without RAG_API_KEY and on a loopback RAG_HOST,
the SDK's DNS-rebinding protection admits only Host 127.0.0.1 / localhost (a web page cannot
reach the tools through a rebound name); with a key the key protects it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Receive, Scope, Send

from service.mcp.tools import build_server
from service.security import authorize, rate_limit
from service.state import AppState

PATH = "/mcp"


class McpEndpoint:
    """The ASGI endpoint at /mcp; `running()` belongs in the app's lifespan."""

    def __init__(self, server: MCPServer, state: AppState) -> None:
        self.server = server
        self.state = state

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """A fresh session manager for this run of the app (one can run only once)."""
        security = None
        if self.state.settings.api_key is not None:
            security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
        self.server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            host=self.state.settings.host,
            transport_security=security,
        )
        async with self.server.session_manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        # Raised errors (401, 429) go through the app's one error mapping.
        await rate_limit(request, self.state, await authorize(request, self.state))
        await self.server.session_manager.handle_request(scope, receive, send)


def mount(app: FastAPI, state: AppState) -> McpEndpoint:
    """Serve the MCP tools at /mcp; enter `running()` in the app's lifespan."""
    endpoint = McpEndpoint(build_server(lambda: state), state)
    # An ASGI app, not a function: Starlette hands it the raw request (every method).
    app.router.add_route(PATH, endpoint, include_in_schema=False)  # type: ignore[arg-type]
    return endpoint
