"""The one place that turns exceptions into HTTP responses.

Every error the service answers has the same JSON shape::

    {"detail": {"code": "<stable machine code>", "message": "<what to do>", ...}}

with ``reason`` added for ``no_sole_found`` and ``errors`` (field, message) for request
validation errors. Status codes by exception:

=====================================  ======  =============================================
exception                              status  code
=====================================  ======  =============================================
model.errors.UnsupportedFormat         415     unsupported_format
model.errors.ImageTooLarge             413     image_too_large (pixel bomb, too many pixels)
model.errors.UnreadableImage           422     unreadable_image
model.errors.ImageTooSmall             422     image_too_small
model.errors.NoSoleFound               422     no_sole_found (+ reason)
other model.errors.InvalidPhoto        422     its code
model.errors.ModelArtifactError        503     model_artifact
service.exceptions.MissingApiKey       401     missing_api_key
service.exceptions.InvalidApiKey       401     invalid_api_key
service.exceptions.AnalysisNotFound    404     analysis_not_found / image_not_found
service.exceptions.UnsupportedMediaType 415    unsupported_media_type
service.exceptions.BadUpload           422     one_image_per_request, empty_image, ...
service.exceptions.InvalidFeedback     422     invalid_feedback
service.exceptions.InvalidCursor       422     invalid_cursor
service.exceptions.StoreUnavailable    503     store_unavailable / storage_full
service.exceptions.ServiceBusy         503     busy (+ Retry-After)
service.exceptions.NotReady            503     not_ready
request validation                     422     validation_error
body over the cap (middleware)         413     request_too_large
other HTTP errors                      4xx     not_found, method_not_allowed, bad_request...
anything else                          500     internal_error
=====================================  ======  =============================================

ImageTooLarge answers 413 like an oversized body: in both cases the fix is to send a
smaller picture.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from model.errors import (
    ImageTooLarge,
    InvalidPhoto,
    ModelArtifactError,
    NoSoleFound,
    SolescanError,
    UnsupportedFormat,
)
from service import metrics
from service.exceptions import (
    AnalysisNotFound,
    AuthError,
    BadUpload,
    InvalidCursor,
    InvalidFeedback,
    NotReady,
    ServiceBusy,
    ServiceError,
    StoreUnavailable,
    UnsupportedMediaType,
)

log = logging.getLogger("solescan.errors")

# Most specific first: the first isinstance match wins.
_MODEL_STATUS: tuple[tuple[type[SolescanError], int], ...] = (
    (UnsupportedFormat, 415),
    (ImageTooLarge, 413),
    (InvalidPhoto, 422),
    (NoSoleFound, 422),
    (ModelArtifactError, 503),
    (SolescanError, 422),
)
_SERVICE_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (AuthError, 401),
    (AnalysisNotFound, 404),
    (UnsupportedMediaType, 415),
    (BadUpload, 422),
    (InvalidFeedback, 422),
    (InvalidCursor, 422),
    (StoreUnavailable, 503),
    (ServiceBusy, 503),
    (NotReady, 503),
    (ServiceError, 500),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}
_HTTP_MESSAGES = {
    404: "No such endpoint. See /docs for the API.",
    405: "This endpoint does not accept this HTTP method. See /docs for the API.",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"detail": {"code": code, "message": message, **extra}}


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def status_for(error: Exception) -> int:
    """The HTTP status of a model or service exception."""
    table: tuple[tuple[type[Exception], int], ...] = (*_MODEL_STATUS, *_SERVICE_STATUS)
    for kind, status in table:
        if isinstance(error, kind):
            return status
    return 500


def _model_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SolescanError)
    extra: dict[str, Any] = {}
    reason = ""
    if isinstance(error, NoSoleFound):
        reason = error.reason
        extra["reason"] = reason
    if not isinstance(error, ModelArtifactError):
        metrics.REJECTIONS.labels(code=error.code, reason=reason).inc()
    return error_response(status_for(error), error.code, error.message, **extra)


def _service_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    status = status_for(error)
    headers: dict[str, str] | None = None
    if isinstance(error, AuthError):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(error, ServiceBusy):
        metrics.BUSY.inc()
        headers = {"Retry-After": str(error.retry_after_s)}
    elif isinstance(error, StoreUnavailable | NotReady):
        log.warning("unavailable: %s", error.code, exc_info=error.__cause__ is not None)
        headers = {"Retry-After": "5"}
    return error_response(status, error.code, error.message, headers=headers)


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # The offending input is not echoed back: it may be a subject reference or image bytes.
    problems = [
        {
            "field": ".".join(str(part) for part in issue.get("loc", ()) if part != "body")
            or "body",
            "message": str(issue.get("msg", "invalid")),
        }
        for issue in error.errors()
    ]
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
    return error_response(
        422,
        "validation_error",
        f"The request is not valid ({summary}). Fix these fields and retry; see /docs.",
        errors=problems,
    )


def _allowed_methods(request: Request) -> str:
    """Every method of every route at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    headers = dict(error.headers or {})
    if status == 405:
        headers["Allow"] = _allowed_methods(request)
    code = _HTTP_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    default = HTTPStatus(status).phrase
    message = _HTTP_MESSAGES.get(status)
    if message is None:
        message = str(error.detail) if error.detail and error.detail != default else default
        if status == 400:
            message = f"{message}. Send a well-formed multipart/form-data or JSON body."
    return error_response(status, code, message, headers=headers or None)


def _unexpected_error(_request: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return error_response(
        500,
        "internal_error",
        "Something went wrong on our side; nothing may have been stored. Retry, and "
        "report the X-Request-ID if it happens again.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(SolescanError, _model_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
