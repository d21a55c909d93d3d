"""Where the wear lies on a sole (the pronation model's layout features)."""

from __future__ import annotations

import numpy as np
import pytest

from model.features import LAYOUT_COLS, LAYOUT_FEATURES, LAYOUT_ROWS, wear_layout
from model.locate import FootFrame


@pytest.fixture
def frame(ellipse_frame: FootFrame) -> FootFrame:
    return ellipse_frame


def worn_at(frame: FootFrame, u: float, v: float, *, base: float = 0.1) -> np.ndarray:
    """A wear map: ``base`` everywhere on the sole, a worn patch around (u, v), a little
    noise; NaN off the sole."""
    rng = np.random.default_rng(0)
    patch = np.exp(-(((frame.u - u) / 0.08) ** 2 + ((frame.v - v) / 0.3) ** 2))
    wear = base + 0.7 * patch + rng.normal(0.0, 0.02, frame.u.shape)
    return np.where(frame.mask, np.clip(wear, 0.0, 1.0), np.nan).astype(np.float32)


def test_every_layout_feature_is_measured(frame: FootFrame) -> None:
    layout = wear_layout(worn_at(frame, 0.15, -0.6), frame)
    assert list(layout) == list(LAYOUT_FEATURES)
    assert len(LAYOUT_FEATURES) == LAYOUT_ROWS * LAYOUT_COLS + 6
    assert all(np.isfinite(value) for value in layout.values())


def test_inner_heel_wear_lies_at_the_inner_heel(frame: FootFrame) -> None:
    layout = wear_layout(worn_at(frame, 0.15, -0.6), frame)
    cells = np.array(
        [[layout[f"layout_cell_{i}_{j}"] for j in range(LAYOUT_COLS)] for i in range(LAYOUT_ROWS)]
    )
    row, col = np.unravel_index(int(np.argmax(cells)), cells.shape)
    assert row == 1  # u 0.1 to 0.2
    assert col <= 1  # v below -0.6 to -0.2: the medial side
    assert layout["layout_across_heel"] < -0.4
    assert layout["layout_along"] < 0.3


def test_outer_forefoot_wear_lies_at_the_outer_forefoot(frame: FootFrame) -> None:
    layout = wear_layout(worn_at(frame, 0.72, 0.6), frame)
    assert layout["layout_across_forefoot"] > 0.4
    assert layout["layout_across"] > 0.3
    assert 0.6 < layout["layout_along"] < 0.85


def test_the_same_places_worn_half_as_much_give_the_same_layout(frame: FootFrame) -> None:
    """A class decides where a sole wears, not how much: a new-ish and a worn-out shoe of
    one gait must read alike."""
    heavy_wear = worn_at(frame, 0.45, 0.9)
    light_wear = 0.5 * heavy_wear + 0.02
    light, heavy = wear_layout(light_wear, frame), wear_layout(heavy_wear, frame)
    assert light["layout_cell_4_4"] > 1.0  # the worn patch stands out in both
    for name in LAYOUT_FEATURES:
        assert heavy[name] == pytest.approx(light[name], abs=1e-4), name


def test_a_sole_without_readable_wear_reads_as_no_layout(frame: FootFrame) -> None:
    nothing = np.full(frame.u.shape, np.nan, dtype=np.float32)
    assert wear_layout(nothing, frame) == dict.fromkeys(LAYOUT_FEATURES, 0.0)
