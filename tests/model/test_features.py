"""The tread texture features that help tell an outsole from an insole or a print."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.features import TREAD_FEATURES, _grown_by_square, tread_features, wear_features
from model.footshape import ZONES
from model.locate import CANONICAL_LENGTH, CANONICAL_WIDTH, FootFrame

SHAPE = (CANONICAL_LENGTH, CANONICAL_WIDTH)


def whole_picture() -> np.ndarray:
    inner = np.zeros(SHAPE, dtype=bool)
    inner[10:-10, 10:-10] = True
    return inner


def grooves(low: float, high: float, period: int = 6) -> np.ndarray:
    """Diagonal grooves, as a bar or herringbone tread shows them, shaded from ``low`` to
    ``high`` grey and back every ``period`` pixels across the rows."""
    rows, cols = np.indices(SHAPE)
    wave = np.cos(2 * np.pi * (cols + rows) / period + 0.3)
    return (low + (high - low) * (wave + 1) / 2).astype(np.float32)


def pressed_insole() -> np.ndarray:
    """Smooth fabric with the broad darker patches where heel and ball pressed, and a
    little weave noise."""
    rng = np.random.default_rng(0)
    gray = np.full(SHAPE, 170.0, dtype=np.float32)
    cv2.ellipse(gray, (80, 260), (45, 40), 0, 0, 360, 120.0, -1)
    cv2.ellipse(gray, (80, 90), (60, 45), 0, 0, 360, 125.0, -1)
    gray = cv2.GaussianBlur(gray, (0, 0), 10)
    return gray + rng.normal(0.0, 2.0, SHAPE).astype(np.float32)


def test_names_match_what_is_measured() -> None:
    assert tuple(tread_features(grooves(60, 200), whole_picture())) == TREAD_FEATURES


def test_grooves_read_as_tread_and_a_pressed_insole_does_not() -> None:
    tread = tread_features(grooves(60, 200), whole_picture())
    insole = tread_features(pressed_insole(), whole_picture())

    assert tread["tread_coherence"] > insole["tread_coherence"] + 0.2
    assert tread["tread_coherence_strong"] > insole["tread_coherence_strong"] + 0.2
    assert tread["tread_fine_to_coarse"] > 2 * insole["tread_fine_to_coarse"]


def test_alternation_counts_the_changes_along_a_row() -> None:
    """Grooves 6 pixels apart turn from light to dark and back twice every 6 pixels."""
    grooves_6 = tread_features(grooves(60, 200), whole_picture())
    assert abs(grooves_6["tread_alternation"] - 2 / 6) < 0.02
    coarser = tread_features(grooves(60, 200, period=12), whole_picture())
    assert abs(coarser["tread_alternation"] - 2 / 12) < 0.02


def test_a_dark_tread_reads_as_much_tread_as_a_light_one() -> None:
    """Navy or black rubber shows its grooves in a few grey levels; the features compare
    each pixel with its neighbourhood, so the grooves count the same."""
    light = tread_features(grooves(120, 240), whole_picture())
    dark = tread_features(grooves(20, 45), whole_picture())

    for name in TREAD_FEATURES:
        assert abs(light[name] - dark[name]) < 0.05 * max(abs(light[name]), 1.0), name


def test_only_the_inner_pixels_count() -> None:
    """Tread outside the inner pixels (the rim, the background) changes nothing, once it
    lies farther than the widest blur reaches (3 sigma of 8 pixels)."""
    inner = np.zeros(SHAPE, dtype=bool)
    inner[:, : CANONICAL_WIDTH // 2 - 40] = True
    half_tread = pressed_insole()
    half_tread[:, CANONICAL_WIDTH // 2 :] = grooves(60, 200)[:, CANONICAL_WIDTH // 2 :]

    half = tread_features(half_tread, inner)
    insole = tread_features(pressed_insole(), inner)
    assert half["tread_coherence"] == insole["tread_coherence"]
    assert half["tread_fine_to_coarse"] == insole["tread_fine_to_coarse"]


@pytest.mark.parametrize("radius", [0, 1, 2, 5, 16, 37])
def test_growing_by_a_square_is_a_dilation_by_that_square(radius: int) -> None:
    # The ring of _ring_contrast: the same pixels as OpenCV's dilation, whatever the
    # radius (runs of a power of two cover each window) and at the picture's edges.
    rng = np.random.default_rng(radius)
    mask = (rng.random((61, 47)) > 0.97).astype(np.uint8)
    mask[0, 5] = mask[60, 46] = 1  # set pixels on the edges
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    np.testing.assert_array_equal(_grown_by_square(mask, radius), cv2.dilate(mask, square))


def test_the_lean_without_the_midfoot_is_blind_to_a_blank_arch(ellipse_frame: FootFrame) -> None:
    # A print of a shoe raised under the arch: blank (read as worn) on the midfoot's inner
    # side, the outer heel worn.
    frame = ellipse_frame
    u0, u1 = ZONES["midfoot"]
    inner_arch = (frame.u >= u0) & (frame.u < u1) & (frame.v < 0)
    outer_heel = (frame.u < u0) & (frame.v > 0)

    def features(arch_wear: float) -> dict[str, float]:
        wear = 0.1 + arch_wear * inner_arch + 0.3 * outer_heel
        return wear_features(np.where(frame.mask, wear, np.nan).astype(np.float32), frame)

    blank, printed = features(0.8), features(0.0)
    assert blank["mlwi_total"] >= 0.15  # the whole sole reads as leaning inward
    assert printed["mlwi_total"] <= -0.15
    assert blank["mlwi_without_midfoot"] == printed["mlwi_without_midfoot"] <= -0.15
