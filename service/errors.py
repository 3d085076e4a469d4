"""Errors the HTTP layer turns into responses; `app.py` maps them in one place.

ServiceError                 status   retry helps?
├── Unauthorized             401      after sending the right Bearer token
├── PayloadTooLarge          413      with a smaller body
├── InvalidRequest           422      after fixing the request (unknown document, ...)
├── RateLimited              429      after Retry-After seconds
├── NotReady                 503      after `make ingest`, or once loading finishes
└── Overloaded               503      after Retry-After seconds
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, detail: str, retry_after: int | None = None) -> None:
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


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class InvalidRequest(ServiceError):
    status = 422
    code = "invalid_request"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


class NotReady(ServiceError):
    status = 503
    code = "not_ready"


class Overloaded(ServiceError):
    status = 503
    code = "overloaded"
