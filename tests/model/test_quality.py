"""Photo quality of a contact print: ink and paper must both show, however little ink."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.features import MIN_EXPOSURE, quality_features
from model.locate import CANONICAL_LENGTH, CANONICAL_WIDTH, FootFrame


@pytest.fixture
def frame(ellipse_frame: FootFrame) -> FootFrame:
    return ellipse_frame


def print_with_lines(every: int, *, paper: int = 245, ink: int = 30) -> np.ndarray:
    """A print in the canonical frame: paper with a one-pixel line of ink every ``every``
    rows, as a lightly worn sole's thin tread prints on a scanner."""
    gray = np.full((CANONICAL_LENGTH, CANONICAL_WIDTH), paper, np.uint8)
    gray[::every] = ink
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def exposure(canonical: np.ndarray, frame: FootFrame) -> float:
    return quality_features(canonical, frame, view="print", length_original_px=900.0)[
        "quality_exposure"
    ]


def test_thin_lines_of_ink_on_white_paper_are_well_exposed(frame: FootFrame) -> None:
    # Ink on 1 row in 40 (2.5% of the print): the tuning corpora's scanner prints of
    # lightly worn soles, read right, that the old 6% floor turned undetermined.
    assert exposure(print_with_lines(40), frame) >= MIN_EXPOSURE


def test_a_print_with_hardly_any_ink_is_too_faint(frame: FootFrame) -> None:
    # 1 row in 200: 0.5% of the print.
    assert exposure(print_with_lines(200), frame) < MIN_EXPOSURE


def test_a_print_photographed_too_dark_is_poorly_exposed(frame: FootFrame) -> None:
    # The paper itself came out darker than the ink threshold: no paper shows.
    assert exposure(print_with_lines(4, paper=110, ink=20), frame) < MIN_EXPOSURE


def test_outsoles_keep_the_clipping_measure(frame: FootFrame) -> None:
    # Read as an outsole, the same white paper is clipped nowhere: fully exposed.
    measured = quality_features(
        print_with_lines(40), frame, view="outsole", length_original_px=900.0
    )
    assert measured["quality_exposure"] == pytest.approx(1.0)
