"""The overlay picture: what the analysis saw, drawn over the photo.

Per foot: the outline, the wear heat map inside it, the zone grid (heel, midfoot,
forefoot, toes across; medial, central, lateral along), an arrow pointing to the medial
side, and a caption with the side and the label; on an insole also the outline of the
imprint the arch index was read from. Drawn at working resolution.

The service stores the overlay as a JPEG (a few milliseconds to encode, about 80 kB) and
turns it into PNG only when someone asks for the picture: a PNG of a photo costs some
40 ms and a megabyte, more than the rest of an upload besides the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from model.explain import percent
from model.footshape import BANDS, ZONES

if TYPE_CHECKING:
    from model.analyze import AnalysisResult, FootResult
    from model.locate import FootFrame

LABEL_COLOURS = {  # BGR
    "neutral": (90, 170, 40),
    "overpronation": (40, 90, 230),
    "underpronation": (200, 120, 30),
    "undetermined": (130, 130, 130),
}
# The heat map's opacity over the photo: this much where the foot is unworn, plus this
# much more where it is worn smooth, so the photo still shows through the worst wear.
HEAT_OPACITY = (0.2, 0.45)
# Pixels of box around a label's text.
LABEL_PAD = 4


def draw_overlay(result: AnalysisResult) -> np.ndarray:
    """The overlay of a whole photo: a BGR uint8 image the size of the working image."""
    canvas = result.photo.image.copy()
    for foot in result.feet:
        _draw_heat(canvas, foot)
    for foot in result.feet:
        _draw_imprint(canvas, foot)
        _draw_grid(canvas, foot)
        _draw_outline_and_arrow(canvas, foot)
    # Labels go on last, over every line, and each where no label is yet: the two feet
    # of a pair often point their medial arrows at each other.
    for label in place_labels(result.feet, canvas.shape):
        put_label(
            canvas,
            label.text,
            label.origin,
            label.font_scale,
            label.thickness,
            box=label.box_colour,
        )
    return canvas


def _draw_heat(canvas: np.ndarray, foot: FootResult) -> None:
    frame = foot.located.frame
    # Blend only inside the box the canonical rectangle covers in the photo: outside it
    # there is nothing to draw, and a whole-photo blend per foot cost more than the analysis.
    inverse = cv2.invertAffineTransform(frame.to_canonical)
    rows, cols = foot.wear.shape
    corners = np.array([[0, 0], [cols, 0], [0, rows], [cols, rows]], np.float64)
    mapped = corners @ inverse[:, :2].T + inverse[:, 2]
    x0, y0 = np.maximum(np.floor(mapped.min(axis=0)).astype(int) - 1, 0)
    x1 = min(int(np.ceil(mapped[:, 0].max())) + 2, canvas.shape[1])
    y1 = min(int(np.ceil(mapped[:, 1].max())) + 2, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    inverse[:, 2] -= (x0, y0)
    layer = heat_layer(foot.wear)
    # One warp of one small uint8 picture, and the blend in uint8: the colours and their
    # weights are worked out on the canonical map (about a fifth of the box's pixels).
    # Premultiplied colours interpolate right across the foot's edge, where the opacity
    # falls to 0: the heat fades out over a pixel or two instead of ending in a jagged
    # line. Warping the float wear map, then colouring and blending it in the photo, made
    # the whole overlay of a 2 MP photo take 10.2 ms instead of 7.9 (measured alternately).
    placed = cv2.warpAffine(
        layer, inverse, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0)
    )
    box = canvas[y0:y1, x0:x1]
    transparency = cv2.bitwise_not(cv2.extractChannel(placed, 3))
    kept = cv2.multiply(box, cv2.merge([transparency] * 3), scale=1 / 255)
    box[:] = cv2.add(kept, cv2.cvtColor(placed, cv2.COLOR_BGRA2BGR))


def heat_layer(wear: np.ndarray) -> np.ndarray:
    """The wear map as a heat picture to lay over the photo, in the canonical frame.

    Parameters
    ----------
    wear : ndarray, shape (rows, cols), float
        Wear from 0 (fresh) to 1 (worn smooth); NaN where the foot is not.

    Returns
    -------
    ndarray, shape (rows, cols, 4), uint8
        The inferno colour of each pixel's wear multiplied by its opacity (BGR), and the
        opacity (0 to 255): HEAT_OPACITY, from 0.2 where the foot is unworn to 0.65
        where it is worn smooth; 0 off the foot.
    """
    inside = np.isfinite(wear)
    level = np.rint(np.clip(np.where(inside, wear, 0.0), 0.0, 1.0) * 255).astype(np.uint8)
    layer = cv2.LUT(cv2.merge([level] * 4), _HEAT_BY_LEVEL)
    np.multiply(layer, inside[:, :, None], out=layer)
    return layer


def _heat_by_level() -> np.ndarray:
    """Premultiplied colour and opacity for each wear level 0 to 255, shape (256, 1, 4)
    (a table for cv2.LUT)."""
    levels = np.arange(256, dtype=np.uint8).reshape(-1, 1)
    colours = cv2.applyColorMap(levels, cv2.COLORMAP_INFERNO).reshape(-1, 3).astype(np.float32)
    opacity = HEAT_OPACITY[0] + HEAT_OPACITY[1] * levels.astype(np.float32) / 255
    table = np.rint(np.hstack([colours * opacity, opacity * 255])).astype(np.uint8)
    return table.reshape(256, 1, 4)


# A look-up table: applyColorMap and the opacity worked out per pixel cost more than
# the rest of the heat map.
_HEAT_BY_LEVEL = _heat_by_level()


# The imprint's outline: cyan on a dark edge, unlike the white grid and the label colours.
IMPRINT_COLOUR = (255, 230, 0)  # BGR
# Imprint specks smaller than this (canonical pixels) are not outlined.
MIN_IMPRINT_AREA = 40


def imprint_outlines(foot: FootResult) -> list[np.ndarray]:
    """The imprint's outer outlines in working pixels, shape (n, 2) each; none but for
    an insole."""
    if foot.imprint is None:
        return []
    contours, _ = cv2.findContours(
        foot.imprint.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    frame = foot.located.frame
    return [
        frame.to_image(c.reshape(-1, 2).astype(np.float64))
        for c in contours
        if cv2.contourArea(c) >= MIN_IMPRINT_AREA
    ]


def _draw_imprint(canvas: np.ndarray, foot: FootResult) -> None:
    thickness = _thin_line(canvas.shape)
    outlines = [np.round(o).astype(np.int32) for o in imprint_outlines(foot)]
    for shade, width in (((20, 20, 20), thickness + 2), (IMPRINT_COLOUR, thickness)):
        cv2.polylines(canvas, outlines, True, shade, width, cv2.LINE_AA)


def _length_span(frame: FootFrame) -> tuple[int, int]:
    """The first (toe) and last (heel) canonical rows the foot fills."""
    rows = np.flatnonzero(np.isfinite(frame.medial_edge))
    return int(rows[0]), int(rows[-1])


def _grid_lines(foot: FootResult) -> list[np.ndarray]:
    """Zone borders and band borders as polylines in canonical (col, row) pixels."""
    frame = foot.located.frame
    top, bottom = _length_span(frame)
    rows = np.arange(frame.mask.shape[0])
    filled = np.isfinite(frame.medial_edge)
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
    thickness = _thin_line(canvas.shape)
    for line in _grid_lines(foot):
        pts = frame.to_image(line)
        cv2.polylines(
            canvas, [np.round(pts).astype(np.int32)], False, (255, 255, 255), thickness, cv2.LINE_AA
        )


def _thin_line(shape: tuple[int, ...]) -> int:
    """Width of the grid's and the imprint's lines: thinner than the outline's."""
    return max(1, round(max(shape[:2]) / 700))


def _line_thickness(shape: tuple[int, ...]) -> int:
    return max(2, round(3 * max(shape[:2]) / 1000))


def medial_arrow(foot: FootResult) -> tuple[np.ndarray, np.ndarray]:
    """Tail and head, in working pixels, of the arrow from the axis at the midfoot to the
    medial edge and beyond."""
    frame = foot.located.frame
    top, bottom = _length_span(frame)
    r = int(round(bottom - 0.45 * (bottom - top)))
    mid = (frame.medial_edge[r] + frame.lateral_edge[r]) / 2
    tail, head = frame.to_image(np.array([[mid, r], [frame.medial_edge[r] - 30, r]]))
    return tail, head


def _draw_outline_and_arrow(canvas: np.ndarray, foot: FootResult) -> None:
    colour = LABEL_COLOURS.get(foot.label, (130, 130, 130))
    thickness = _line_thickness(canvas.shape)
    contour = np.round(foot.located.candidate.contour).astype(np.int32)
    cv2.polylines(canvas, [contour], True, colour, thickness, cv2.LINE_AA)
    tail, head = (tuple(int(c) for c in end) for end in medial_arrow(foot))
    for shade, width in (((255, 255, 255), thickness + 2), ((20, 20, 20), thickness)):
        cv2.arrowedLine(canvas, tail, head, shade, width, cv2.LINE_AA, tipLength=0.3)


@dataclass(frozen=True)
class Label:
    """A label's text, where it goes (OpenCV's bottom-left text origin) and its box."""

    text: str
    origin: tuple[int, int]
    font_scale: float
    thickness: int
    box_colour: tuple[int, int, int]

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The filled box put_label draws: x0, y0, x1, y1."""
        return label_box(self.text, self.origin, self.font_scale, self.thickness)


def caption_text(foot: FootResult) -> str:
    """A foot's caption: "left: neutral (88%)", or "right: undetermined" with no figure,
    because an undetermined foot's confidence is its closest class's probability and
    beside "undetermined" would read as confidence in having no reading."""
    if foot.label == "undetermined":
        return f"{foot.side}: undetermined"
    return f"{foot.side}: {foot.label} ({percent(foot.confidence)}%)"


def place_labels(feet: list[FootResult], shape: tuple[int, ...]) -> list[Label]:
    """Every foot's caption (side, label, confidence) and "medial" label, each at the
    first of its places that no label placed before it covers.

    Captions first, above the toe or else below the heel; then the medial labels, past
    the arrow's head or else beside its shaft. Where every place is covered, the first.
    """
    scale = max(shape[:2]) / 1000
    thickness = _line_thickness(shape)
    placed: list[Label] = []
    for foot in feet:
        text = caption_text(foot)
        colour = LABEL_COLOURS.get(foot.label, (130, 130, 130))
        (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale, thickness)
        places = _caption_places(foot, (w, h))
        placed.append(_first_free(places, text, 0.7 * scale, thickness, colour, shape, placed))
    for foot in feet:
        tail, head = medial_arrow(foot)
        (w, h), _ = cv2.getTextSize("medial", cv2.FONT_HERSHEY_SIMPLEX, 0.5 * scale, thickness)
        # The label's box clears the arrow head as the arrow's own halo does.
        gap = LABEL_PAD + 4 + thickness
        places = [label_beyond(tail, head, (w, h), gap=gap)]
        # Beside the shaft: the box clears the shaft's middle by the same gap. (A step
        # across as long as the arrow put it an arrow's length away from it.)
        shaft = (tail + head) / 2
        along = head - tail
        across = np.array([-along[1], along[0]]) / max(float(np.linalg.norm(along)), 1e-9)
        places += [label_beyond(shaft, shaft + sign * across, (w, h), gap=gap) for sign in (1, -1)]
        placed.append(
            _first_free(places, "medial", 0.5 * scale, thickness, (20, 20, 20), shape, placed)
        )
    return placed


def _caption_places(foot: FootResult, size: tuple[int, int]) -> list[tuple[float, float]]:
    frame = foot.located.frame
    top, bottom = _length_span(frame)
    w = size[0]
    centre = frame.mask.shape[1] / 2
    above_toe, below_heel = frame.to_image(np.array([[centre, top - 12], [centre, bottom + 12]]))
    # Above the toe as the photo shows it (the text's baseline there); else the box just
    # past the heel, in the direction the foot runs.
    heel_tail = frame.to_image(np.array([[centre, (top + bottom) / 2]]))[0]
    return [
        (above_toe[0] - w / 2, above_toe[1]),
        label_beyond(heel_tail, below_heel, size, gap=LABEL_PAD),
    ]


def _first_free(
    places: list[tuple[float, float]],
    text: str,
    font_scale: float,
    thickness: int,
    colour: tuple[int, int, int],
    shape: tuple[int, ...],
    placed: list[Label],
) -> Label:
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    options = []
    for x, y in places:
        # Kept inside the picture, box and all.
        origin = (
            int(np.clip(x, LABEL_PAD, shape[1] - w - LABEL_PAD)),
            int(np.clip(y, h + LABEL_PAD, shape[0] - base - 2)),
        )
        options.append(Label(text, origin, font_scale, thickness, colour))
    for option in options:
        if not any(_overlaps(option.box, other.box) for other in placed):
            return option
    return options[0]


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


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


def label_box(
    text: str, origin: tuple[int, int], font_scale: float, thickness: int
) -> tuple[int, int, int, int]:
    """The box (x0, y0, x1, y1) behind a label whose text starts at ``origin`` (its
    bottom-left, as OpenCV places text): the text, LABEL_PAD around it, its descent below."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    x, y = origin
    return x - LABEL_PAD, y - h - LABEL_PAD, x + w + LABEL_PAD, y + base + 2


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
    x0, y0, x1, y1 = label_box(text, origin, font_scale, thickness)
    cv2.rectangle(canvas, (x0, y0), (x1, y1), box, cv2.FILLED)
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
