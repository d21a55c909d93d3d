"""The FastAPI application: ``create_app()`` builds it, its lifespan loads the model once.

``solescan serve`` runs ``create_app`` as a uvicorn factory in one process per core; each
worker loads the model, opens (and migrates) the store and starts its analysis pool in
the lifespan, and refuses to start with a clear message when any of that fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from model.analyze import load_analyzer, use_one_thread
from model.classifier import current_file
from model.errors import ModelArtifactError
from service.errors import install_error_handlers
from service.exceptions import ConfigurationError, StoreUnavailable
from service.logs import configure_logging
from service.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from service.pool import AnalysisPool
from service.routes import analyses, system, web
from service.settings import Settings, get_settings
from service.store import Store

log = logging.getLogger("solescan.service")

API_DESCRIPTION = """
Screens photos of worn shoe soles and insoles for pronation (neutral, overpronation,
underpronation, or honestly *undetermined*). A screening aid, not a diagnosis.

Send `Authorization: Bearer KEY` with a clinic key from `solescan keys create`. Each
clinic sees only its own analyses. Every error is JSON:
`{"detail": {"code": "...", "message": "..."}}` with a stable `code`.
"""


async def _purge_periodically(app: FastAPI, settings: Settings) -> None:
    """Erase kept photos past the retention period: now, then every interval."""
    store: Store = app.state.store
    while True:
        try:
            purged = await run_in_threadpool(
                store.purge_images, older_than=timedelta(days=settings.image_retention_days)
            )
            if purged:
                log.info("purged %d expired photos", purged, extra={"purged": purged})
        except StoreUnavailable as error:
            log.warning("photo purge skipped: %s", error.code)
        await asyncio.sleep(settings.purge_interval_minutes * 60)


async def _follow_current(app: FastAPI, settings: Settings, current_file: Path) -> None:
    """Serve the version the store's CURRENT names, without a restart, once it changes.

    ``solescan train --promote`` rewrites CURRENT; each worker notices within
    ``model_check_seconds`` and loads the new model off the event loop. Analyses already
    running finish with the model they started with (an Analyzer is immutable). A version
    that cannot be loaded is logged and the model in service kept.
    """
    named = current_file.read_text().strip()
    while True:
        await asyncio.sleep(settings.model_check_seconds)
        try:
            now_named = current_file.read_text().strip()
        except OSError:
            continue
        if now_named == named:
            continue
        named = now_named
        try:
            analyzer = await run_in_threadpool(load_analyzer, settings.model_path)
        except ModelArtifactError as error:
            log.error(
                "the model store names %s, which cannot be served (%s); still serving %s",
                now_named,
                error.message,
                app.state.analyzer.version,
                extra={"code": error.code},
            )
            continue
        previous, app.state.analyzer = app.state.analyzer.version, analyzer
        log.info("now serving model %s (was %s)", analyzer.version, previous)


def _current_file(settings: Settings) -> Path | None:
    """The CURRENT file the service follows, or None when it serves a fixed artifact."""
    if settings.model_version is not None or settings.model_check_seconds <= 0:
        return None
    return current_file(settings.model_path)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # One worker process per core: each analyses on one thread (see use_one_thread).
    use_one_thread()
    try:
        analyzer = await run_in_threadpool(
            load_analyzer, settings.model_path, version=settings.model_version
        )
    except ModelArtifactError as error:
        log.critical("refusing to start: %s", error.message, extra={"code": error.code})
        raise
    try:
        store = await run_in_threadpool(
            Store.open,
            settings.resolved_database_url,
            key_pepper=settings.key_pepper.get_secret_value(),
        )
    except StoreUnavailable as error:
        log.critical("refusing to start: %s", error.message, extra={"code": error.code})
        raise
    if not settings.listens_on_loopback and not await run_in_threadpool(store.has_active_keys):
        store.close()
        message = (
            f"Refusing to listen on {settings.host} without API keys: any machine could read "
            "every analysis. Create a key first (`solescan keys create --clinic NAME`) or "
            "listen on 127.0.0.1."
        )
        log.critical(message, extra={"code": ConfigurationError.code})
        raise ConfigurationError(message)
    pool = AnalysisPool(
        threads=settings.analysis_threads,
        max_pending=settings.max_pending_analyses,
        # OpenMP keeps its thread count per thread: limit the pool's threads themselves.
        initializer=use_one_thread,
    )
    app.state.analyzer, app.state.store, app.state.pool = analyzer, store, pool
    purger = (
        asyncio.create_task(_purge_periodically(app, settings))
        if settings.image_retention_days > 0
        else None
    )
    current_file = _current_file(settings)
    follower = (
        asyncio.create_task(_follow_current(app, settings, current_file))
        if current_file is not None
        else None
    )
    log.info(
        "ready",
        extra={"model_version": analyzer.version, "store": store.engine.dialect.name},
    )
    try:
        yield
    finally:
        for task in (purger, follower):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        app.state.analyzer = app.state.store = app.state.pool = None
        pool.shutdown()
        store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The solescan HTTP application (settings default to the environment's)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="solescan",
        version="1",
        summary="Pronation screening from photos of worn soles and insoles.",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.analyzer = app.state.store = app.state.pool = None
    install_error_handlers(app)
    app.include_router(analyses.router)
    app.include_router(system.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    # Added last = outermost: the request id and access log cover the 413 too.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_upload_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
