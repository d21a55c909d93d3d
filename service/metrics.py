"""Prometheus metrics: requests, latencies, labels returned and rejected photos.

Under ``solescan serve`` with several workers, ``PROMETHEUS_MULTIPROC_DIR`` is set before
the workers start, every worker writes its samples there and ``/metrics`` (answered by
any worker) adds them up. Only counters and histograms are used: both aggregate
correctly across processes.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "solescan_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "solescan_http_request_duration_seconds",
    "Time from request to the end of the response, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ANALYSIS_SECONDS = Histogram(
    "solescan_analysis_duration_seconds",
    "Time spent analysing one photo in the worker pool (queueing excluded).",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
LABELS = Counter(
    "solescan_labels",
    "Feet classified, by the label returned and the view analysed.",
    ["label", "view"],
)
REJECTIONS = Counter(
    "solescan_rejections",
    "Photos refused, by error code and reason (reason is empty except for no_sole_found).",
    ["code", "reason"],
)
BUSY = Counter(
    "solescan_busy_rejections",
    "Uploads answered 503 because the worker's analysis queue was full.",
)


def count_labels(result: dict[str, Any]) -> None:
    """Count the labels of a result that was stored and returned."""
    view = str(result.get("view"))
    for foot in result.get("feet", []):
        LABELS.labels(label=str(foot.get("label")), view=view).inc()


def render() -> tuple[bytes, str]:
    """The exposition text of every metric (summed over workers) and its content type."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
