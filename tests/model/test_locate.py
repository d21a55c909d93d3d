"""The locator finds soles, maps them to the canonical frame and tells the side."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.footshape import OutlineParams, medial_on_image_left, outline_polygon
from model.locate import CANONICAL_LENGTH, find_candidates, fit_frame


def _draw_sole(view: str, side: str, *, angle: float, size: int = 900, seed: int = 0) -> np.ndarray:
    """A textured sole shape on a plain floor, drawn with the photo conventions."""
    rng = np.random.default_rng(seed)
    poly = outline_polygon(OutlineParams.random(rng))
    # Toe up: image y = -u; medial on the image's left means x = v_phys (medial negative).
    sign = 1.0 if medial_on_image_left(view, side) else -1.0
    pts = np.stack([sign * poly[:, 1], -(poly[:, 0] - 0.5)], axis=1) * size * 0.6
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    pts = pts @ rot.T + size / 2
    image = np.full((size, size, 3), (170, 190, 200), np.uint8)
    image += rng.integers(0, 8, image.shape, dtype=np.uint8)
    sole = np.zeros((size, size), np.uint8)
    cv2.fillPoly(sole, [np.round(pts).astype(np.int32)], 1)
    stripes = ((np.indices((size, size)).sum(axis=0) // 6) % 2).astype(np.uint8)
    image[sole > 0] = np.where(stripes[sole > 0, None] > 0, 40, 70).astype(np.uint8)
    return image


@pytest.mark.parametrize("view", ["outsole", "insole", "print"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("angle", [0.0, 73.0, 180.0, 251.0])
def test_side_from_outline_at_any_rotation(view: str, side: str, angle: float) -> None:
    image = _draw_sole(view, side, angle=angle, seed=int(angle))
    candidates = find_candidates(image)
    assert len(candidates) == 1
    frame = fit_frame(candidates[0])
    assert frame.side(view) == side
    assert frame.side_confidence > 0.7


def test_canonical_frame_puts_heel_at_the_bottom_and_medial_left() -> None:
    image = _draw_sole("outsole", "left", angle=120.0)
    frame = fit_frame(find_candidates(image)[0])
    rows = np.arange(CANONICAL_LENGTH)
    filled = np.isfinite(frame.medial_edge)
    top, bottom = rows[filled][0], rows[filled][-1]
    assert np.nanmax(frame.u) == pytest.approx(1.0)
    assert np.nanmin(frame.u) == pytest.approx(0.0)
    # u grows towards the toe (row 0); the forefoot (u~0.7) is wider than the heel (u~0.15).
    width = frame.lateral_edge - frame.medial_edge
    assert width[int(bottom - 0.7 * (bottom - top))] > width[int(bottom - 0.15 * (bottom - top))]
    assert np.nanmin(frame.v) == pytest.approx(-1.0)
    assert np.nanmax(frame.v) == pytest.approx(1.0)


def test_two_touching_soles_are_split() -> None:
    left = _draw_sole("outsole", "left", angle=0.0, size=700)
    right = _draw_sole("outsole", "right", angle=0.0, size=700, seed=3)
    # Overlap the two images so the soles touch at the forefoot.
    pair = np.concatenate([left[:, 120:560], right[:, 130:600]], axis=1)
    candidates = find_candidates(pair)
    assert len(candidates) == 2
    sides = sorted(fit_frame(c).side("outsole") for c in candidates)
    assert sides == ["left", "right"]


def test_plain_floor_has_no_candidates() -> None:
    rng = np.random.default_rng(1)
    floor = np.full((600, 800, 3), (120, 140, 160), np.uint8)
    floor += rng.integers(0, 10, floor.shape, dtype=np.uint8)
    assert find_candidates(floor) == []


def test_real_scans_sole_found_toe_up_and_side_right(real_scans: list[dict[str, str]]) -> None:
    for row in real_scans:
        image = cv2.imread(row["path"])
        image = cv2.resize(image, None, fx=0.44, fy=0.44, interpolation=cv2.INTER_AREA)
        candidates = find_candidates(image)
        assert candidates, row["file"]
        frame = fit_frame(candidates[0])
        assert frame.side("print") == row["side"], row["file"]
        # The toe is at the top of every scan: the canonical "up" must point up the image.
        toe, heel = frame.to_image(np.array([[80.0, 0.0], [80.0, CANONICAL_LENGTH - 1.0]]))
        assert toe[1] < heel[1], row["file"]
