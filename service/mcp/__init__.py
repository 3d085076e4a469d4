"""The MCP server (Model Context Protocol, official `mcp` SDK): tools `search`, `ask` and
`list_documents` over the one answer pipeline.

`tools.build_server` makes the server from a getter of the shared `AppState`; `http.McpEndpoint`
serves it inside the FastAPI app at /mcp (streamable HTTP, behind the API key and the rate
limit); `python -m service.mcp` serves it over stdio, loading the index itself.
"""
