"""Errors the HTTP layer turns into responses; `service.handlers.error_response` maps every
one of them (and any other exception) to HTTP in one place.

ServiceError                 status   raised when                             retry helps?
├── Unauthorized             401      Bearer token missing or wrong           with the right token
├── NotFound                 404      no such route                           no
│   └── ModelNotFound        404      /v1: a model GET /v1/models does not    with a listed model
│                                     list
├── MethodNotAllowed         405      route exists, method does not           with an allowed method
├── Conflict                 409      the request clashes with what is on     after the state
│                                     disk (file changed, read-only folder,   changes (see detail)
│                                     name taken)
├── PayloadTooLarge          413      body over RAG_MAX_BODY_BYTES (uploads:  with a smaller body
│                                     RAG_MAX_UPLOAD_BYTES)
├── InvalidRequest           422      body or field invalid, unknown document after fixing it
│   └── Unsupported          422      a feature the service does not offer    no: leave it out
│                                     (/v1: tool calls, images, n > 1)
├── RateLimited              429      too many requests, or too many failed   after Retry-After
│                                     keys, from this client                  seconds
├── ClientGone               499      the client hung up; nothing is sent     no one is listening
├── HttpError                4xx      any other status the framework raises   see its detail
├── InternalError            500      a bug: any exception nobody handled     maybe; report it
├── NotReady                 503      no index loaded (yet)                   after `make ingest`,
│                                                                             or once loading ends
├── Unavailable              503      the index's database (RAG_STORE=        after Retry-After,
│                                     postgres) is unreachable or timed out   once it is back
└── Overloaded               503      no answer slot or connection free       after Retry-After
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, detail: object, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class ModelNotFound(NotFound):
    """/v1: the request names a model that GET /v1/models does not list."""

    code = "model_not_found"
    param = "model"


class MethodNotAllowed(ServiceError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, detail: object, allow: str = "") -> None:
        super().__init__(detail)
        self.allow = allow

    def headers(self) -> dict[str, str]:
        return {"Allow": self.allow} if self.allow else {}


class Conflict(ServiceError):
    """The request is valid but clashes with the state of the documents on disk."""

    status = 409
    code = "conflict"


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class InvalidRequest(ServiceError):
    status = 422
    code = "invalid_request"


class Unsupported(InvalidRequest):
    """A valid request for something this service does not do (e.g. OpenAI tool calls)."""

    code = "unsupported"

    def __init__(self, detail: object, param: str | None = None) -> None:
        super().__init__(detail)
        self.param = param


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


class ClientGone(ServiceError):
    """The client disconnected while its answer was computed; work stopped early."""

    status = 499
    code = "client_closed_request"


class HttpError(ServiceError):
    """A status raised by the framework that has no class of its own."""

    code = "http_error"

    def __init__(self, status: int, detail: object) -> None:
        super().__init__(detail)
        self.status = status


class InternalError(ServiceError):
    """Stands for any unexpected exception: the client sees only this generic text."""

    status = 500
    code = "internal_error"

    def __init__(self) -> None:
        super().__init__("internal error: the service logged the details under this request_id")


class NotReady(ServiceError):
    status = 503
    code = "not_ready"


class Unavailable(ServiceError):
    """The database holding the index cannot be reached; the service recovers by itself."""

    status = 503
    code = "unavailable"


class Overloaded(ServiceError):
    status = 503
    code = "overloaded"
