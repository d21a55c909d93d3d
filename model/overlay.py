"""The overlay picture: what the analysis saw, drawn over the photo.

Per foot: the outline, the wear heat map inside it, the zone grid (heel, midfoot,
forefoot, toes across; medial, central, lateral along), an arrow pointing to the medial
side, and a caption with the side and the label. Drawn at working resolution.

The service stores the overlay as a JPEG (a few milliseconds to encode, about 80 kB) and
turns it into PNG only when someone asks for the picture: a PNG of a photo costs some
40 ms and a megabyte, more than the rest of an upload besides the analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from model.footshape import BANDS, ZONES

if TYPE_CHECKING:
    from model.analyze import AnalysisResult, FootResult

LABEL_COLOURS = {  # BGR
    "neutral": (90, 170, 40),
    "overpronation": (40, 90, 230),
    "underpronation": (200, 120, 30),
    "undetermined": (130, 130, 130),
}
# The wear map's value where the foot has none (worn pixels are 0 to 1).
_NO_WEAR = -1.0
# Pixels of box around a label's text.
LABEL_PAD = 4


def draw_overlay(result: AnalysisResult) -> np.ndarray:
    """The overlay of a whole photo: a BGR uint8 image the size of the working image."""
    canvas = result.photo.image.copy()
    for foot in result.feet:
        _draw_heat(canvas, foot)
    for foot in result.feet:
        _draw_grid(canvas, foot)
        _draw_outline_and_caption(canvas, foot)
    return canvas


def _draw_heat(canvas: np.ndarray, foot: FootResult) -> None:
    frame = foot.located.frame
    # Only the wear map is carried into the photo, with -1 where the foot has none; the
    # colours and weights are worked out there. Warping a colour image and a weight image
    # instead cost twice as much, and this is most of the overlay's time.
    wear = np.where(np.isfinite(foot.wear), foot.wear, _NO_WEAR).astype(np.float32)
    # Blend only inside the box the canonical rectangle covers in the photo: outside it
    # there is nothing to draw, and a whole-photo blend per foot cost more than the analysis.
    inverse = cv2.invertAffineTransform(frame.to_canonical)
    rows, cols = wear.shape
    corners = np.array([[0, 0], [cols, 0], [0, rows], [cols, rows]], np.float64)
    mapped = corners @ inverse[:, :2].T + inverse[:, 2]
    x0, y0 = np.maximum(np.floor(mapped.min(axis=0)).astype(int) - 1, 0)
    x1 = min(int(np.ceil(mapped[:, 0].max())) + 2, canvas.shape[1])
    y1 = min(int(np.ceil(mapped[:, 1].max())) + 2, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    inverse[:, 2] -= (x0, y0)
    placed = cv2.warpAffine(
        wear, inverse, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=_NO_WEAR
    )
    # Across the foot's edge the interpolation mixes in -1: a pixel that comes out
    # negative lies mostly outside the foot and gets no colour.
    inside = placed >= 0
    heat = cv2.applyColorMap(np.clip(placed * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_INFERNO)
    alpha = np.where(inside, 0.2 + 0.45 * np.clip(placed, 0, 1), 0).astype(np.float32)
    box = canvas[y0:y1, x0:x1]
    box[:] = cv2.blendLinear(box, heat, 1.0 - alpha, alpha)


def _grid_lines(foot: FootResult) -> list[np.ndarray]:
    """Zone borders and band borders as polylines in canonical (col, row) pixels."""
    frame = foot.located.frame
    rows = np.arange(frame.mask.shape[0])
    filled = np.isfinite(frame.medial_edge)
    top, bottom = rows[filled][0], rows[filled][-1]
    lines = []
    for _, (u0, _) in list(ZONES.items())[1:]:
        r = int(round(bottom - u0 * (bottom - top)))
        if np.isfinite(frame.medial_edge[r]):
            lines.append(np.array([[frame.medial_edge[r], r], [frame.lateral_edge[r], r]]))
    for v0 in (BANDS["central"][0], BANDS["central"][1]):
        sel = rows[filled]
        mid = (frame.medial_edge[sel] + frame.lateral_edge[sel]) / 2
        half = (frame.lateral_edge[sel] - frame.medial_edge[sel]) / 2
        lines.append(np.stack([mid + v0 * half, sel], axis=1)[::4])
    return lines


def _draw_grid(canvas: np.ndarray, foot: FootResult) -> None:
    frame = foot.located.frame
    thickness = max(1, round(max(canvas.shape[:2]) / 700))
    for line in _grid_lines(foot):
        pts = frame.to_image(line)
        cv2.polylines(
            canvas, [np.round(pts).astype(np.int32)], False, (255, 255, 255), thickness, cv2.LINE_AA
        )


def _draw_outline_and_caption(canvas: np.ndarray, foot: FootResult) -> None:
    frame = foot.located.frame
    colour = LABEL_COLOURS.get(foot.label, (130, 130, 130))
    scale = max(canvas.shape[:2]) / 1000
    thickness = max(2, round(3 * scale))
    contour = np.round(foot.located.candidate.contour).astype(np.int32)
    cv2.polylines(canvas, [contour], True, colour, thickness, cv2.LINE_AA)

    # The medial arrow: from the axis at the midfoot towards the medial edge, and beyond.
    rows = np.arange(frame.mask.shape[0])
    filled = np.isfinite(frame.medial_edge)
    top, bottom = rows[filled][0], rows[filled][-1]
    r = int(round(bottom - 0.45 * (bottom - top)))
    mid = (frame.medial_edge[r] + frame.lateral_edge[r]) / 2
    tail, head = frame.to_image(np.array([[mid, r], [frame.medial_edge[r] - 30, r]]))
    cv2.arrowedLine(
        canvas,
        tuple(int(c) for c in tail),
        tuple(int(c) for c in head),
        (255, 255, 255),
        thickness + 2,
        cv2.LINE_AA,
        tipLength=0.3,
    )
    cv2.arrowedLine(
        canvas,
        tuple(int(c) for c in tail),
        tuple(int(c) for c in head),
        (20, 20, 20),
        thickness,
        cv2.LINE_AA,
        tipLength=0.3,
    )
    (w, h), _ = cv2.getTextSize("medial", cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, thickness)
    # The label's box clears the arrow head as the arrow's own halo does.
    x, y = label_beyond(tail, head, (w, h), gap=LABEL_PAD + 4 + thickness)
    origin = (
        int(np.clip(x, LABEL_PAD, canvas.shape[1] - w - LABEL_PAD)),
        int(np.clip(y, h + LABEL_PAD, canvas.shape[0] - LABEL_PAD)),
    )
    put_label(canvas, "medial", origin, 0.5 * scale, thickness, box=(20, 20, 20))

    label = foot.label if foot.label != "undetermined" else "undetermined"
    text = f"{foot.side}: {label} ({foot.confidence:.0%})"
    x, y = np.round(frame.to_image(np.array([[frame.mask.shape[1] / 2, top - 12]]))[0])
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale, thickness)
    x = int(np.clip(x - w / 2, 2, canvas.shape[1] - w - 2))
    y = int(np.clip(y, h + 4, canvas.shape[0] - base - 2))
    put_label(canvas, text, (x, y), 0.7 * scale, thickness, box=colour)


def label_beyond(
    tail: np.ndarray, head: np.ndarray, size: tuple[int, int], *, gap: float
) -> tuple[float, float]:
    """Where to put a label of ``size`` (w, h) past an arrow's head, in its direction.

    Returns the text's bottom-left origin, as OpenCV places text, such that the label's
    box lies ``gap`` pixels beyond the head along the arrow: never over the arrow or the
    sole it points out of, whichever way the foot lies.
    """
    direction = np.asarray(head, dtype=np.float64) - np.asarray(tail, dtype=np.float64)
    direction /= max(float(np.linalg.norm(direction)), 1e-9)
    w, h = size
    # How far the box's centre must sit from the head for the box to clear it.
    reach = 0.5 * w * abs(direction[0]) + 0.5 * h * abs(direction[1]) + gap
    cx, cy = np.asarray(head, dtype=np.float64) + direction * reach
    return float(cx - w / 2), float(cy + h / 2)


def put_label(
    canvas: np.ndarray,
    text: str,
    origin: tuple[int, int],
    font_scale: float,
    thickness: int,
    *,
    box: tuple[int, int, int],
) -> None:
    """White text on a filled box of colour ``box``: legible on any photo, a white scan
    as well as a dark floor. ``origin`` is the text's bottom-left, as OpenCV places it."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    x, y = origin
    corners = ((x - LABEL_PAD, y - h - LABEL_PAD), (x + w + LABEL_PAD, y + base + 2))
    cv2.rectangle(canvas, *corners, box, cv2.FILLED)
    cv2.putText(
        canvas,
        text,
        origin,
        cv2.FONT_HERSHEY_SIMPLEX,
        font_scale,
        (255, 255, 255),
        thickness,
        cv2.LINE_AA,
    )
