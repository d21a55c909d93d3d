"""Errors raised inside the service (store, auth, limits).

Like ``model.errors`` they carry a stable ``code`` and a message that says what to do;
:mod:`service.errors` is the one place that turns both families into HTTP responses.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of the service's own errors."""

    code = "service_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreUnavailable(ServiceError):
    """The database cannot be reached or refused the operation; nothing was stored."""

    code = "store_unavailable"


class StorageFull(StoreUnavailable):
    """The store's disk is full; nothing was stored."""

    code = "storage_full"


class ServiceBusy(ServiceError):
    """Too many analyses are waiting in this worker; the client should retry later."""

    code = "busy"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotReady(ServiceError):
    """The model or the store is not available yet."""

    code = "not_ready"


class AuthError(ServiceError):
    """The request carries no valid API key."""

    code = "unauthorized"


class MissingApiKey(AuthError):
    code = "missing_api_key"


class InvalidApiKey(AuthError):
    code = "invalid_api_key"


class AnalysisNotFound(ServiceError):
    """No analysis with this id belongs to the caller's clinic."""

    code = "analysis_not_found"


class ImageNotKept(AnalysisNotFound):
    """The analysis exists but the requested picture is not stored."""

    code = "image_not_found"


class BadUpload(ServiceError):
    """The multipart upload does not have the expected shape."""

    code = "bad_upload"


class UnsupportedMediaType(BadUpload):
    """The request body is not multipart/form-data."""

    code = "unsupported_media_type"


class InvalidFeedback(ServiceError):
    """The feedback does not fit the analysis it labels."""

    code = "invalid_feedback"


class InvalidCursor(ServiceError):
    """The pagination cursor was not issued by this service."""

    code = "invalid_cursor"


class ConfigurationError(ServiceError):
    """The service refuses to start with this configuration."""

    code = "configuration"
