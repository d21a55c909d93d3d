"""The work one upload does in the analysis pool: analyse, draw the overlay, strip the photo.

Runs in a worker thread (CPU-bound); everything here calls ``model.*`` and holds no
imaging code of its own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from model.analyze import Analyzer, SideChoice, ViewChoice
from model.imaging import photo_without_metadata
from service import metrics


@dataclass(frozen=True)
class PreparedAnalysis:
    """What the route stores and returns for one analysed upload."""

    result: dict[str, Any]
    overlay_jpeg: bytes
    photo_jpeg: bytes | None


def json_safe(value: Any) -> Any:
    """``value`` with NaN/inf as None and numpy scalars as Python numbers (valid JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def prepare_analysis(
    analyzer: Analyzer,
    data: bytes,
    *,
    view: ViewChoice,
    side: SideChoice,
    keep_photo: bool,
) -> PreparedAnalysis:
    """Analyse ``data`` and make what is stored with it.

    Raises the model's SolescanError subclasses for photos that cannot be analysed; the
    service maps them to HTTP statuses in ``service.errors``.
    """
    started = time.perf_counter()
    result = analyzer.analyze(data, view=view, side=side)
    payload = json_safe(result.to_dict())
    # Stored as JPEG, served as PNG on request (model.overlay says why).
    overlay = result.overlay_jpeg()
    photo = photo_without_metadata(data) if keep_photo else None
    metrics.ANALYSIS_SECONDS.observe(time.perf_counter() - started)
    return PreparedAnalysis(result=payload, overlay_jpeg=overlay, photo_jpeg=photo)
