"""Who is asking, and may they: API key, failed-key limit, per-client rate limit.

A client is its peer address (an IPv6 peer: its /64, which one host usually owns whole) and,
when RAG_API_KEY is set, the verified key. The address is the socket peer unless the request
came through a proxy listed in RAG_TRUSTED_PROXIES (the server then puts the forwarded client
there). Nothing the client merely claims (an Authorization header that did not verify, an
X-Forwarded-For from anyone else) ever picks its bucket.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from typing import Annotated

from fastapi import Depends, Request

from service.errors import Unauthorized
from service.state import AppState, get_state

State = Annotated[AppState, Depends(get_state)]


def peer_address(request: Request) -> str:
    host = request.client.host if request.client else "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


async def authorize(request: Request, state: State) -> str | None:
    """The verified key's identity, or None when no key is configured.

    An address that sent more than RAG_AUTH_FAILURES_PER_MINUTE wrong keys gets 429 before
    its key is even looked at, so guessing cannot go on (nor learn from a 200).
    """
    key = state.settings.api_key
    if key is None:
        return None
    address = peer_address(request)
    state.auth_failures.ensure_allowed(address)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = key.get_secret_value().encode()
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), expected):
        state.auth_failures.spend(address)
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <RAG_API_KEY>'")
    return "key:" + hashlib.sha256(expected).hexdigest()[:12]


Identity = Annotated[str | None, Depends(authorize)]


async def rate_limit(request: Request, state: State, identity: Identity) -> None:
    """One token bucket per client: (verified key, address), or the address alone."""
    address = "ip:" + peer_address(request)
    state.rate.check(f"{identity}|{address}" if identity else address)


async def docs_access(request: Request, state: State) -> None:
    """/docs, /redoc and /openapi.json: public unless a key is set and RAG_PUBLIC_DOCS is off."""
    if not state.settings.public_docs:
        await authorize(request, state)


Guarded = [Depends(rate_limit)]
