"""The tread texture and surround features that help tell an outsole from an insole or a
print, and the wear features' lean."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.features import (
    SURROUND_FEATURES,
    TREAD_FEATURES,
    _grown_by_square,
    surround_features,
    tread_features,
    wear_features,
)
from model.footshape import ZONES
from model.locate import CANONICAL_LENGTH, CANONICAL_WIDTH, Candidate, FootFrame

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


def _sole_on(floor: tuple[int, int, int], sole: np.ndarray, *, turned: bool = False):
    """A 600 x 400 photo of ``floor`` colour with a sole-sized ellipse showing ``sole``
    (a picture of the photo's size) inside it; the photo and the ellipse's candidate,
    turned a quarter where asked."""
    image = np.empty((600, 400, 3), np.uint8)
    image[:] = floor
    inside = np.zeros((600, 400), np.uint8)
    cv2.ellipse(inside, (200, 300), (90, 230), 0, 0, 360, 1, -1)
    image[inside > 0] = sole[inside > 0]
    if turned:
        image, inside = np.rot90(image).copy(), np.rot90(inside).copy()
    contours, _ = cv2.findContours(inside, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = contours[0].reshape(-1, 2).astype(np.float32)
    return image, Candidate(contour=contour, mask_area=float(inside.sum()), touches_border=0.0)


def _stripes(dark: int, light: int, period: int = 10, dark_share: float = 0.4) -> np.ndarray:
    rows = np.arange(600)[:, None, None] % period < dark_share * period
    return np.where(rows, dark, light).astype(np.uint8).repeat(400, axis=1).repeat(3, axis=2)


def test_ink_on_its_paper_reads_alike_its_surround_and_rubber_on_a_floor_does_not() -> None:
    """A print's paper shows between its ink and around it; a dark outsole's rubber and
    grooves differ from the light floor around it. The figures do not turn with the
    photo."""
    paper = (235, 238, 240)
    print_image, print_outline = _sole_on(paper, _stripes(30, 235))
    sole_image, sole_outline = _sole_on((210, 215, 220), _stripes(45, 95))

    on_paper = surround_features(print_image, print_outline, length=460)
    on_floor = surround_features(sole_image, sole_outline, length=460)

    assert tuple(on_paper) == SURROUND_FEATURES
    assert on_paper["surround_alike_share"] == pytest.approx(0.6, abs=0.05)
    assert on_paper["surround_light_distance"] < 0.05
    assert on_floor["surround_alike_share"] == 0.0
    assert on_floor["surround_light_distance"] > 1.0
    turned = surround_features(*_sole_on(paper, _stripes(30, 235), turned=True), length=460)
    alike = on_paper["surround_alike_share"]
    assert turned["surround_alike_share"] == pytest.approx(alike, abs=0.05)


def test_an_object_filling_the_photo_has_no_surround() -> None:
    image = np.full((100, 100, 3), 200, np.uint8)
    border = np.array([[0, 0], [99, 0], [99, 99], [0, 99]], np.float32)
    whole = Candidate(contour=border, mask_area=10_000.0, touches_border=1.0)

    figures = surround_features(image, whole, length=100)

    assert all(np.isnan(value) for value in figures.values())
