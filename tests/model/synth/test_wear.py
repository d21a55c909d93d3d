"""Wear fields and insole footprints follow the class table of the domain reference."""

from __future__ import annotations

import numpy as np
import pytest

from model.footshape import LABELS, OutlineParams
from model.synth.frame import CanonicalFrame
from model.synth.wear import ARCH_INDEX_RANGES, arch_index, footprint, outsole_wear


def _frame(seed: int) -> CanonicalFrame:
    return CanonicalFrame(OutlineParams.random(np.random.default_rng(seed)), 160.0)


def test_arch_index_of_simple_prints() -> None:
    rect = np.zeros((90, 40), bool)
    rect[0:90, 10:30] = True
    assert arch_index(rect) == pytest.approx(1 / 3)
    gap = rect.copy()
    gap[30:60] = False
    assert arch_index(gap) == pytest.approx(0.0)
    narrow = rect.copy()
    narrow[30:60, 10:25] = False  # a 5-wide band in the middle third
    assert arch_index(narrow) == pytest.approx(5 * 30 / (20 * 60 + 5 * 30))


@pytest.mark.parametrize("label", LABELS)
def test_footprint_arch_index_in_class_range(label: str) -> None:
    lo, hi = ARCH_INDEX_RANGES[label]
    for seed in range(6):
        frame = _frame(seed)
        fp = footprint(frame, label, np.random.default_rng(seed))
        assert lo <= fp.arch_index <= hi
        assert fp.arch_index == pytest.approx(arch_index(fp.toeless))
        assert (fp.mask >= fp.toeless).all()
        assert fp.mask[frame.mask < 0.5].sum() == 0  # inside the insole
        assert (fp.pressure[~fp.mask] == 0).all()


def _mlwi(frame: CanonicalFrame, w: np.ndarray) -> float:
    med = float(w[frame.v_phys < 0].sum())
    lat = float(w[frame.v_phys > 0].sum())
    return (med - lat) / (med + lat)


def test_wear_medial_lateral_index_by_class() -> None:
    """MLWI: clearly positive for overpronation, clearly negative for underpronation."""
    values: dict[str, list[float]] = {lb: [] for lb in LABELS}
    for seed in range(8):
        frame = _frame(seed)
        for label in LABELS:
            w = outsole_wear(frame, label, 0.9, np.random.default_rng(seed))
            assert w.min() >= 0.0
            assert w.max() <= 1.0
            assert (w[frame.mask == 0] == 0).all()
            values[label].append(_mlwi(frame, w))
    assert min(values["overpronation"]) > 0.15
    assert max(values["underpronation"]) < -0.15
    assert max(values["underpronation"]) < min(values["neutral"])
    assert max(values["neutral"]) < min(values["overpronation"])


def test_neutral_wears_the_posterolateral_heel() -> None:
    frame = _frame(3)
    w = outsole_wear(frame, "neutral", 1.0, np.random.default_rng(0))
    heel = (frame.u < 0.12) & (frame.mask > 0.5)
    assert w[heel & (frame.v_phys > 0)].mean() > 2 * w[heel & (frame.v_phys < 0)].mean()
    midfoot = (frame.u > 0.35) & (frame.u < 0.55) & (frame.mask > 0.5)
    assert w[midfoot].mean() < w[heel & (frame.v_phys > 0)].mean()
