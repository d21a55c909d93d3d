"""Wear fields and insole footprints follow the class table of the domain reference."""

from __future__ import annotations

import numpy as np
import pytest

from model.footshape import LABELS, OutlineParams
from model.synth import objects
from model.synth.frame import CanonicalFrame
from model.synth.objects import recessed_shank, render_print
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


def _print_ink(frame: CanonicalFrame, style: str, style_seed: int) -> np.ndarray:
    layer = render_print(
        frame,
        label="neutral",
        amount=0.5,
        family="herringbone",
        style=style,
        blur_px=0.0,
        style_seed=style_seed,
        rng=np.random.default_rng(5),
    )
    return layer.alpha


def _shank(frame: CanonicalFrame, style_seed: int) -> np.ndarray:
    return recessed_shank(frame, np.random.default_rng([style_seed, 29]))


@pytest.mark.parametrize("style", ["ink", "scanner"])
def test_a_recessed_shank_prints_blank_under_the_arch(
    style: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _frame(3)
    style_seed = next(s for s in range(100) if _shank(frame, s).any())
    shank = _shank(frame, style_seed)
    core = shank >= 1.0
    # Under the arch: in the midfoot, from the inner edge.
    assert frame.u[core].min() >= 0.3
    assert frame.u[core].max() <= 0.6
    assert frame.v_norm[core].min() < -0.9
    assert np.median(frame.v_norm[core]) < -0.3

    printed = _print_ink(frame, style, style_seed)
    monkeypatch.setattr(objects, "RECESSED_SHANK_SHARE", 0.0)
    flat = _print_ink(frame, style, style_seed)
    # Away from the scanner's rim along the edge, nothing prints where the shank is,
    # where the same shoe without one prints its tread.
    inside = core & (frame.edge_distance > 0.02)
    assert printed[inside].mean() < 0.05  # paper grain
    assert flat[inside].mean() > 0.1
    # Everything else prints as it did: the shank draws from a generator of its own.
    assert np.array_equal(printed[shank == 0], flat[shank == 0])


def test_about_half_of_the_printed_shoes_have_a_recessed_shank() -> None:
    frame = _frame(4)
    share = np.mean([_shank(frame, seed).any() for seed in range(200)])
    assert 0.4 <= share <= 0.6
