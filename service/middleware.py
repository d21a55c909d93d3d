"""Pure ASGI middleware: request context (id, access log, metrics) and the body cap.

Pure ASGI rather than ``BaseHTTPMiddleware`` so the body streams through untouched and
context variables set here are seen by the route.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics
from service.errors import error_body
from service.logs import request_id_var

access_log = logging.getLogger("solescan.access")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives each request an id (X-Request-ID honoured or generated, echoed back), writes
    one JSON access line without the query string, and counts the request in metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        )
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = str(getattr(route, "path", "")) or "unmatched"
            method = str(scope.get("method", ""))
            metrics.REQUESTS.labels(method=method, route=template, status=str(status)).inc()
            metrics.REQUEST_SECONDS.labels(method=method, route=template).observe(elapsed)
            state: dict[str, Any] = scope.get("state") or {}
            access_log.info(
                "%s %s %d",
                method,
                template,
                status,
                extra={
                    "method": method,
                    # The template, never the raw URL: queries may carry a subject_ref.
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                    "clinic": state.get("clinic"),
                },
            )
            request_id_var.reset(token)


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Answers 413 as soon as the request body passes ``max_bytes`` while it streams.

    Content-Length is only used to refuse early; the bytes actually received are counted,
    so a chunked upload or a lying header is stopped all the same.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        mib = self.max_bytes / (1024 * 1024)
        return (
            f"The request body is larger than {mib:g} MiB. Send one photo of at most that "
            "size (a phone photo saved as JPEG or HEIC fits)."
        )

    async def _reject(self, send: Send) -> None:
        body = json.dumps(error_body("request_too_large", self._message())).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return

        received = 0
        too_large = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            # Whatever the app answers after the cap was hit (FastAPI turns the exception
            # into a 400) is replaced by the 413 below.
            if too_large:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not response_started:
            await self._reject(send)
