"""Assembling training rows from located objects and labeled feet."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.features import OBJECT_FEATURES, PRONATION_FEATURES
from model.training import LabeledFoot, LabeledPhoto, PhotoFeatures, build_table

FOOT_LENGTH = 400.0


def record(x: float, y: float, area_in_foot_lengths: float, marker: float) -> dict[str, object]:
    """A located object as extraction caches it; ``marker`` tells the rows apart."""
    return {
        "center": [x, y],
        "area_px": area_in_foot_lengths * FOOT_LENGTH**2,
        "object": dict.fromkeys(OBJECT_FEATURES, marker),
        "metrics": dict.fromkeys(PRONATION_FEATURES, 0.5),
    }


def test_second_outlines_of_a_labeled_foot_are_left_out_of_the_sole_rows() -> None:
    feet = (
        LabeledFoot(side="left", label="neutral", center=(500.0, 500.0), length_px=FOOT_LENGTH),
        LabeledFoot(side="right", label="neutral", center=(900.0, 500.0), length_px=FOOT_LENGTH),
    )
    photo = LabeledPhoto(path=Path("pair.jpg"), view="insole", feet=feet, group="pair")
    objects = [
        record(505, 498, 0.30, marker=1.0),  # the left sole
        record(520, 560, 0.28, marker=2.0),  # the left sole outlined a second time
        record(540, 420, 0.03, marker=3.0),  # a small fragment of it: not a sole
        record(700, 500, 0.65, marker=4.0),  # both soles as one blob: not a sole
        record(902, 505, 0.31, marker=5.0),  # the right sole
        record(1800, 200, 0.25, marker=6.0),  # something sole-sized far away: not a sole
    ]

    table = build_table([photo], [PhotoFeatures(objects=objects)])

    rows = {
        float(row[0]): bool(sole) for row, sole in zip(table.object_x, table.is_sole, strict=True)
    }
    assert rows == {1.0: True, 3.0: False, 4.0: False, 5.0: True, 6.0: False}
    assert table.summary["objects_left_out_as_second_outlines"] == 1
    assert len(table.pronation_y) == 2


def test_negative_photos_keep_every_object_as_not_a_sole() -> None:
    photo = LabeledPhoto(path=Path("floor.jpg"), view="negative", feet=(), group="floor")
    objects = [record(500, 500, 0.3, marker=1.0), record(520, 520, 0.3, marker=2.0)]

    table = build_table([photo], [PhotoFeatures(objects=objects)])

    assert not table.is_sole.any()
    assert len(table.object_x) == 2
    assert np.all(table.object_view == "negative")
