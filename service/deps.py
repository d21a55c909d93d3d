"""Dependencies of the routes, as ``Annotated`` aliases (one module, one place to look)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from model.analyze import Analyzer
from service.exceptions import InvalidApiKey, MissingApiKey, NotReady, UnsupportedMediaType
from service.pool import AnalysisPool
from service.settings import Settings, is_loopback
from service.store import Store

# Clinic name of the data stored while the service runs without keys (loopback only).
LOCAL_CLINIC = "local"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A clinic API key from `solescan keys create --clinic NAME`, sent as "
    "`Authorization: Bearer KEY`.",
)


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise NotReady("The service is starting; retry in a few seconds.")
    return store


def get_analyzer(request: Request) -> Analyzer:
    analyzer: Analyzer | None = getattr(request.app.state, "analyzer", None)
    if analyzer is None:
        raise NotReady("The model is not loaded yet; retry in a few seconds.")
    return analyzer


def get_pool(request: Request) -> AnalysisPool:
    pool: AnalysisPool | None = getattr(request.app.state, "pool", None)
    if pool is None:
        raise NotReady("The service is starting; retry in a few seconds.")
    return pool


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
AnalyzerDep = Annotated[Analyzer, Depends(get_analyzer)]
PoolDep = Annotated[AnalysisPool, Depends(get_pool)]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the clinic whose data the request may touch."""

    clinic: str
    key_prefix: str | None


def _connection_is_local(request: Request) -> bool:
    server = request.scope.get("server")
    if not server:
        return False
    return is_loopback(str(server[0]))


async def authenticate(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The calling clinic, from its API key; without a key only in loopback-only mode."""
    if credentials is not None:
        info = await run_in_threadpool(store.authenticate, credentials.credentials)
        if info is None:
            raise InvalidApiKey(
                "The API key is not valid or was revoked. Ask the administrator for a key "
                "(`solescan keys create --clinic NAME`)."
            )
        caller = Caller(clinic=info.clinic, key_prefix=info.prefix)
    elif request.headers.get("authorization"):
        raise InvalidApiKey("Send the API key as `Authorization: Bearer KEY`.")
    elif (
        settings.listens_on_loopback
        and _connection_is_local(request)
        and not await run_in_threadpool(store.has_active_keys)
    ):
        # No keys at all and only this machine can connect: the README's local start.
        caller = Caller(clinic=LOCAL_CLINIC, key_prefix=None)
    else:
        raise MissingApiKey(
            "This endpoint needs an API key: send `Authorization: Bearer KEY`. Keys are "
            "made with `solescan keys create --clinic NAME`."
        )
    # Read by the access log (the clinic, never the subject reference).
    request.state.clinic = caller.clinic
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]


def require_multipart(request: Request) -> None:
    """Refuse bodies that are not multipart/form-data before looking at their fields."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Upload the photo as multipart/form-data with the file in the `image` field "
            "(curl -F image=@photo.jpg ...)."
        )


MultipartDep = Depends(require_multipart)
