"""A contact sheet of rendered photos, for the data card and for eyeballing realism.

.venv/bin/python -m model.synth.sheet data/samples/contact_sheet.jpg [--seed 2026]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from model.synth.corpus import photo_seed
from model.synth.render import render_photo

# One row per view, so the sheet always shows every kind of photo.
SHEET_VIEWS: tuple[str, ...] = ("outsole", "insole", "print", "negative")


def contact_sheet(
    images: Sequence[np.ndarray], *, cols: int = 4, cell: int = 256, gap: int = 4
) -> np.ndarray:
    """Tile images, each fitted into a ``cell`` x ``cell`` square, on a light grey sheet.

    Parameters
    ----------
    images : sequence of ndarray, each (rows, cols, 3) uint8 BGR

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    n_rows = (len(images) + cols - 1) // cols
    sheet = np.full(
        (n_rows * cell + (n_rows + 1) * gap, cols * cell + (cols + 1) * gap, 3), 235, np.uint8
    )
    for k, img in enumerate(images):
        scale = cell / max(img.shape[:2])
        thumb = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        r, c = divmod(k, cols)
        y = gap + r * (cell + gap) + (cell - thumb.shape[0]) // 2
        x = gap + c * (cell + gap) + (cell - thumb.shape[1]) // 2
        sheet[y : y + thumb.shape[0], x : x + thumb.shape[1]] = thumb
    return sheet


def render_sheet(seed: int, *, per_view: int = 4, megapixels: float = 1.0) -> np.ndarray:
    """Render ``per_view`` photos of each view and tile them, one view per row."""
    images: list[np.ndarray] = []
    for v, view in enumerate(SHEET_VIEWS):
        for i in range(per_view):
            photo = render_photo(photo_seed(seed, v * 100 + i), view=view, megapixels=megapixels)
            images.append(photo.image)
    return contact_sheet(images, cols=per_view)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a contact sheet of synthetic photos.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quality", type=int, default=85)
    args = parser.parse_args()
    sheet = render_sheet(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".jpg", sheet, [cv2.IMWRITE_JPEG_QUALITY, args.quality])
    if not ok:  # pragma: no cover
        raise SystemExit("could not encode the sheet")
    args.out.write_bytes(buf.tobytes())
    print(f"wrote {args.out} ({len(buf) / 1024:.0f} KB, {sheet.shape[1]}x{sheet.shape[0]})")


if __name__ == "__main__":
    main()
