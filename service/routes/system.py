"""Liveness, readiness, metrics and the model card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service import metrics
from service.deps import AnalyzerDep, CallerDep
from service.exceptions import NotReady, StoreUnavailable
from service.schemas import ErrorResponse, Health, Readiness

router = APIRouter()

_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "The model is not loaded or the store is down."}
}


@router.get("/healthz", response_model=Health, tags=["operations"], summary="Liveness")
def healthz() -> Health:
    """The process is up and serving HTTP."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    tags=["operations"],
    summary="Readiness",
    responses=_NOT_READY,
)
async def readyz(request: Request) -> Readiness:
    """The model is loaded and the store answers."""
    analyzer = getattr(request.app.state, "analyzer", None)
    store = getattr(request.app.state, "store", None)
    if analyzer is None or store is None:
        raise NotReady("The service is starting: the model or the store is not ready yet.")
    try:
        await run_in_threadpool(store.ping)
    except StoreUnavailable as error:
        raise NotReady(error.message) from error
    return Readiness(status="ready", model_version=analyzer.version)


@router.get(
    "/metrics",
    tags=["operations"],
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def prometheus_metrics() -> Response:
    """Requests, latencies, labels returned and rejections, in Prometheus text format."""
    body, content_type = metrics.render()
    return Response(content=body, media_type=content_type)


@router.get(
    "/v1/model",
    tags=["model"],
    summary="The model card of the model in service",
    responses={401: {"model": ErrorResponse, "description": "No valid API key."}},
)
def model_card(_caller: CallerDep, analyzer: AnalyzerDep) -> dict[str, Any]:
    """Versions, classes, features, training data summary and metrics of the served model."""
    return analyzer.model_card
