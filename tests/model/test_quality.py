"""Photo quality: a contact print needs ink and paper, however little ink; an outsole or
insole must not be burnt out, though its highlights may clip."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from model.features import MIN_EXPOSURE, quality_features
from model.footshape import View
from model.locate import CANONICAL_LENGTH, CANONICAL_WIDTH, FootFrame
from model.synth.corpus import photo_seed
from model.synth.render import render_photo


@pytest.fixture
def frame(ellipse_frame: FootFrame) -> FootFrame:
    return ellipse_frame


def print_with_lines(every: int, *, paper: int = 245, ink: int = 30) -> np.ndarray:
    """A print in the canonical frame: paper with a one-pixel line of ink every ``every``
    rows, as a lightly worn sole's thin tread prints on a scanner."""
    gray = np.full((CANONICAL_LENGTH, CANONICAL_WIDTH), paper, np.uint8)
    gray[::every] = ink
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def exposure(canonical: np.ndarray, frame: FootFrame, *, view: View = "print") -> float:
    return quality_features(canonical, frame, view=view, length_original_px=900.0)[
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


def test_white_paper_read_as_an_outsole_is_fully_exposed(frame: FootFrame) -> None:
    assert exposure(print_with_lines(40), frame, view="outsole") == pytest.approx(1.0)


def white_sole(*, burnt_rows: int) -> np.ndarray:
    """A white sole photographed bright: rubber clipped to 255 between dark grooves every
    6 rows, and its first ``burnt_rows`` rows burnt out flat white, grooves and all."""
    gray = np.full((CANONICAL_LENGTH, CANONICAL_WIDTH), 255, np.uint8)
    gray[::6] = 90
    gray[:burnt_rows] = 255
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def test_a_white_sole_whose_highlights_clip_between_grooves_is_well_exposed(
    frame: FootFrame,
) -> None:
    # Five pixels in six are clipped, yet every groove shows.
    assert exposure(white_sole(burnt_rows=0), frame, view="outsole") == pytest.approx(1.0)


def test_a_sole_burnt_out_over_a_large_part_is_poorly_exposed(frame: FootFrame) -> None:
    # The heel half flat white: no tread or wear can show there.
    assert (
        exposure(white_sole(burnt_rows=CANONICAL_LENGTH // 2), frame, view="outsole") < MIN_EXPOSURE
    )


def test_a_sole_burnt_out_a_little_is_still_well_exposed(frame: FootFrame) -> None:
    # Burnt out over a twentieth of its length: 1 - 4 x 5% is 0.8, above the floor.
    assert (
        exposure(white_sole(burnt_rows=CANONICAL_LENGTH // 20), frame, view="outsole")
        >= MIN_EXPOSURE
    )


def test_a_white_sole_in_bright_light_is_read(analyzer: Any) -> None:
    # A white outsole of the tuning corpus of seed 31337 (photo 235): 32% of it clips to
    # white between its grooves (0.3% burnt out). Counting each clipped pixel turned it
    # `undetermined` (poor quality); its closest class, neutral, is its true class.
    rendered = render_photo(photo_seed(31337, 235), max_megapixels=3.0)
    (foot,) = analyzer.analyze(rendered.data, view="outsole").feet
    assert foot.metrics["quality_exposure"] >= MIN_EXPOSURE
    assert foot.label == rendered.rows[0]["label"] == "neutral"
