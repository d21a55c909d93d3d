"""Assembling training rows from located objects and labeled feet."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import numpy as np
import pytest

from model.features import LAYOUT_FEATURES, OBJECT_FEATURES, PRONATION_FEATURES
from model.locate import ORIENTATION_FEATURES, Turn
from model.training import (
    LabeledFoot,
    LabeledPhoto,
    PhotoFeatures,
    build_table,
    fit_bundle,
    model_digest,
)

FOOT_LENGTH = 400.0


def record(x: float, y: float, area_in_foot_lengths: float, marker: float) -> dict[str, object]:
    """A located object as extraction caches it; ``marker`` tells the rows apart."""
    return {
        "center": [x, y],
        "area_px": area_in_foot_lengths * FOOT_LENGTH**2,
        "object": dict.fromkeys(OBJECT_FEATURES, marker),
        "metrics": dict.fromkeys(PRONATION_FEATURES, 0.5),
        "layout": dict.fromkeys(LAYOUT_FEATURES, 0.0),
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


def test_each_foot_with_known_ends_teaches_all_four_turns() -> None:
    foot = LabeledFoot(
        side="left",
        label="neutral",
        center=(500.0, 500.0),
        length_px=FOOT_LENGTH,
        heel=(500.0, 700.0),
        toe=(500.0, 300.0),
    )
    found = record(505, 498, 0.30, marker=1.0)
    # The outline as found: left edges -0.5, right edges +1, the rest rising to the toe.
    bins = ORIENTATION_FEATURES // 5
    across = np.tile(np.arange(bins, dtype=float), 3)
    found["orientation"] = [-0.5] * bins + [1.0] * bins + across.tolist()
    found["orientation_truth"] = int(Turn.FLIP)  # the locator had the toe at the heel
    unknown = record(905, 498, 0.30, marker=2.0)  # a foot of a clinic export: no ends known
    unknown["orientation"] = found["orientation"]
    unknown["orientation_truth"] = None
    other = LabeledFoot(side="right", label="neutral", center=(900.0, 500.0), length_px=400.0)
    photo = LabeledPhoto(path=Path("one.jpg"), view="outsole", feet=(foot, other), group="one")

    table = build_table([photo], [PhotoFeatures(objects=[found, unknown])])

    assert len(table.orientation_y) == 4
    shown = {}
    for row, label in zip(table.orientation_x, table.orientation_y, strict=True):
        mirrored = row[0] == -1.0  # the left edge is the right one seen from the other side
        flipped = row[3 * bins] > row[4 * bins - 1]  # the toe-end band comes first
        shown[Turn(int(mirrored) + 2 * int(flipped))] = Turn(int(label))
    # The outline as found needs the flip; flipped already, it needs nothing; mirrored,
    # it needs the half turn; turned half round, the mirror.
    assert shown == {
        Turn.KEEP: Turn.FLIP,
        Turn.FLIP: Turn.KEEP,
        Turn.MIRROR: Turn.HALF_TURN,
        Turn.HALF_TURN: Turn.MIRROR,
    }
    assert table.orientation_as_found.tolist() == [True, False, False, False]
    assert len(table.pronation_y) == 2


def test_the_segmenter_digest_keys_the_cache_the_same_on_every_run() -> None:
    from sklearn.linear_model import LogisticRegression

    x = np.random.default_rng(3).normal(size=(40, 3))
    model = LogisticRegression().fit(x, x[:, 0] > 0)
    first = model_digest(model)
    time.sleep(2.1)  # a zip archive stamps its files to two seconds
    assert model_digest(model) == first
    # Another process holds the same model at other memory addresses.
    assert model_digest(copy.deepcopy(model)) == first
    assert model_digest(LogisticRegression(C=0.5).fit(x, x[:, 0] > 0)) != first


def test_feet_without_heel_and_toe_cannot_teach_orientation_alone() -> None:
    foot = LabeledFoot(side="left", label="neutral", center=(500.0, 500.0), length_px=FOOT_LENGTH)
    photo = LabeledPhoto(path=Path("export.jpg"), view="outsole", feet=(foot,), group="p")
    found = record(505, 498, 0.30, marker=1.0)
    found["orientation"] = [0.0] * ORIENTATION_FEATURES
    found["orientation_truth"] = None  # an export says the side, not where the toe is

    table = build_table([photo], [PhotoFeatures(objects=[found])])

    assert len(table.pronation_y) == 1
    assert len(table.orientation_y) == 0
    with pytest.raises(ValueError, match="heel and toe positions"):
        fit_bundle(table, pixel_model=None, imprint_model=None)


def test_too_few_feet_for_the_orientation_model_are_refused_with_advice() -> None:
    feet, objects = [], []
    for i in range(3):
        x = 500.0 + 600.0 * i
        feet.append(
            LabeledFoot(
                side="left",
                label="neutral",
                center=(x, 500.0),
                length_px=FOOT_LENGTH,
                heel=(x, 700.0),
                toe=(x, 300.0),
            )
        )
        found = record(x + 5, 498, 0.30, marker=float(i))
        found["orientation"] = np.random.default_rng(i).normal(size=ORIENTATION_FEATURES).tolist()
        found["orientation_truth"] = int(Turn.KEEP)
        objects.append(found)
    photo = LabeledPhoto(path=Path("three.jpg"), view="outsole", feet=tuple(feet), group="three")

    table = build_table([photo], [PhotoFeatures(objects=objects)])

    assert len(table.orientation_y) == 12
    # Its early stopping holds a tenth of the rows out: 2 of 12 cannot hold all four turns.
    with pytest.raises(ValueError, match="needs at least 8"):
        fit_bundle(table, pixel_model=None, imprint_model=None)
