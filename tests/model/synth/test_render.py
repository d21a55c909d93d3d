"""The photo renderer: determinism, labels, masks, mirror conventions and the manifest."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from model.synth import BACKGROUNDS, LIGHTINGS, MANIFEST_COLUMNS, TREAD_FAMILIES, render_photo
from model.synth.wear import ARCH_INDEX_RANGES

SMALL = 0.25  # megapixels: keeps every render in this file quick


def _concave_side(mask: np.ndarray, row: dict[str, object]) -> str:
    """Which image side (toe up) has the concave arch: the deeper midfoot dip."""
    hy, ty = float(row["heel_y"]), float(row["toe_y"])  # type: ignore[arg-type]

    def edges(u: float) -> tuple[int, int]:
        xs = np.flatnonzero(mask[int(round(hy + (ty - hy) * u))])
        return int(xs.min()), int(xs.max())

    (l1, r1), (l2, r2), (l3, r3) = edges(0.2), edges(0.42), edges(0.68)
    left_dip = l2 - (l1 + l3) / 2
    right_dip = (r1 + r3) / 2 - r2
    return "left" if left_dip > right_dip else "right"


def test_same_seed_same_bytes() -> None:
    a = render_photo(11, megapixels=SMALL)
    b = render_photo(11, megapixels=SMALL)
    assert a.data == b.data
    assert a.rows == b.rows
    assert np.array_equal(a.image, b.image)


def test_different_seeds_differ() -> None:
    a = render_photo(1, view="outsole", megapixels=SMALL)
    b = render_photo(2, view="outsole", megapixels=SMALL)
    assert a.data != b.data


def test_encoded_file_decodes_to_the_image() -> None:
    photo = render_photo(3, view="insole", megapixels=SMALL, fmt="png")
    decoded = cv2.imdecode(np.frombuffer(photo.data, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(decoded, photo.image)
    assert photo.image.dtype == np.uint8
    assert photo.image.shape[2] == 3


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_format_is_honoured(fmt: str) -> None:
    photo = render_photo(4, view="outsole", megapixels=SMALL, fmt=fmt)
    magic = {"jpeg": b"\xff\xd8", "png": b"\x89PNG", "webp": b"RIFF"}[fmt]
    assert photo.fmt == fmt
    assert photo.data.startswith(magic)
    assert photo.rows[0]["format"] == fmt


@pytest.mark.parametrize("view", ["outsole", "insole", "print", "negative"])
def test_manifest_schema(view: str) -> None:
    photo = render_photo(5, view=view, megapixels=SMALL)
    rows, cols = photo.image.shape[:2]
    for row in photo.rows:
        assert list(row) == [c for c in MANIFEST_COLUMNS if c != "file"]
        assert row["view"] == view
        assert (row["width"], row["height"]) == (cols, rows)
        assert row["background"] in BACKGROUNDS
        assert row["lighting"] in LIGHTINGS
        assert row["seed"] == 5
        if view == "negative":
            continue
        assert row["side"] in ("left", "right")
        assert row["label"] in ("neutral", "overpronation", "underpronation")
        assert 0 <= row["center_x"] < cols
        assert 0 <= row["center_y"] < rows
        length = math.hypot(row["toe_x"] - row["heel_x"], row["toe_y"] - row["heel_y"])
        assert row["length_px"] == pytest.approx(length, abs=0.05)
        angle = math.degrees(
            math.atan2(-(row["toe_y"] - row["heel_y"]), row["toe_x"] - row["heel_x"])
        )
        assert (row["angle_deg"] - angle + 180.0) % 360 - 180.0 == pytest.approx(0.0, abs=0.05)
        assert (row["tread"] in TREAD_FAMILIES) == (view in ("outsole", "print"))
        assert (row["arch_index"] != "") == (view == "insole")


@pytest.mark.parametrize("seed", range(4))
def test_negatives_have_no_feet(seed: int) -> None:
    photo = render_photo(seed, view="negative", megapixels=SMALL, with_masks=True)
    assert len(photo.rows) == 1
    row = photo.rows[0]
    assert (row["n_feet"], row["side"], row["label"]) == (0, "", "none")
    assert row["negative_kind"] in ("top_of_shoe", "floor", "clutter")
    assert row["center_x"] == ""
    assert row["arch_index"] == ""
    assert photo.masks == []


@pytest.mark.parametrize(
    ("view", "seed"), [(v, s) for v in ("outsole", "insole", "print") for s in range(5)]
)
def test_every_centre_lies_on_its_object(view: str, seed: int) -> None:
    photo = render_photo(seed, view=view, megapixels=SMALL, with_masks=True)
    assert photo.masks is not None
    assert len(photo.masks) == len(photo.rows) == photo.rows[0]["n_feet"]
    for row, mask in zip(photo.rows, photo.masks, strict=True):
        assert mask.shape == photo.image.shape[:2]
        assert mask[int(round(row["center_y"])), int(round(row["center_x"]))]
        ys, xs = np.nonzero(mask)
        # The centre is the centroid of the visible sole region.
        assert row["center_x"] == pytest.approx(xs.mean() + 0.0, abs=1.0)
        assert row["center_y"] == pytest.approx(ys.mean() + 0.0, abs=1.0)


def test_pairs_are_a_left_and_a_right() -> None:
    photo = render_photo(7, view="outsole", n_feet=2, megapixels=SMALL, with_masks=True)
    assert sorted(r["side"] for r in photo.rows) == ["left", "right"]
    assert photo.masks is not None
    overlap = photo.masks[0] & photo.masks[1]
    assert not overlap.any()  # visible regions exclude what the other foot covers


@pytest.mark.parametrize(
    ("view", "side", "concave"),
    [
        # Outsole = plantar view: a left shoe, toe up, has its arch on the image's left.
        ("outsole", "left", "left"),
        ("outsole", "right", "right"),
        # Insole and contact print = dorsal view: mirrored.
        ("insole", "left", "right"),
        ("insole", "right", "left"),
        ("print", "left", "right"),
        ("print", "right", "left"),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_mirror_conventions(view: str, side: str, concave: str, seed: int) -> None:
    photo = render_photo(
        seed,
        view=view,
        n_feet=1,
        sides=(side,),
        rotation_deg=90.0,
        megapixels=0.5,
        with_masks=True,
    )
    assert photo.masks is not None
    row = photo.rows[0]
    assert row["toe_y"] < row["heel_y"]  # toe up
    assert _concave_side(photo.masks[0], row) == concave


@pytest.mark.parametrize("rotation", [0.0, 135.0, 270.0])
def test_rotation_sets_the_heel_to_toe_direction(rotation: float) -> None:
    photo = render_photo(8, view="outsole", n_feet=1, rotation_deg=rotation, megapixels=SMALL)
    diff = (photo.rows[0]["angle_deg"] - rotation + 180.0) % 360.0 - 180.0
    # The toe tip sits a little off the long axis, and the photo may be tilted.
    assert abs(diff) < 12.0


@pytest.mark.parametrize("label", ["neutral", "overpronation", "underpronation"])
def test_insole_arch_index_in_class_range(label: str) -> None:
    lo, hi = ARCH_INDEX_RANGES[label]
    for seed in range(3):
        photo = render_photo(seed, view="insole", n_feet=2, labels=(label, label), megapixels=SMALL)
        for row in photo.rows:
            assert row["label"] == label
            assert lo <= row["arch_index"] <= hi


def test_requested_labels_sides_and_size() -> None:
    photo = render_photo(
        9,
        view="outsole",
        n_feet=2,
        labels=("neutral", "underpronation"),
        sides=("right", "left"),
        megapixels=1.0,
        fmt="jpeg",
    )
    assert [(r["side"], r["label"]) for r in photo.rows] == [
        ("right", "neutral"),
        ("left", "underpronation"),
    ]
    rows, cols = photo.image.shape[:2]
    assert rows * cols == pytest.approx(1e6, rel=0.01)


def test_held_out_treads_and_lightings_are_not_used() -> None:
    for seed in range(6):
        photo = render_photo(
            seed, view="outsole", megapixels=0.1, treads=("bars",), lightings=("even",)
        )
        assert {r["tread"] for r in photo.rows} == {"bars"}
        assert {r["lighting"] for r in photo.rows} == {"even"}


def test_labels_do_not_change_the_scene() -> None:
    """The nuisance streams never see the label: same seed, other label, same scene."""
    a = render_photo(12, view="outsole", n_feet=1, labels=("neutral",), megapixels=SMALL)
    b = render_photo(12, view="outsole", n_feet=1, labels=("underpronation",), megapixels=SMALL)
    keys = ("tread", "material", "background", "lighting", "width", "height", "angle_deg")
    assert [a.rows[0][k] for k in keys] == [b.rows[0][k] for k in keys]
    assert a.data != b.data


@pytest.mark.parametrize(
    "kwargs",
    [
        {"view": "sandal"},
        {"view": "outsole", "n_feet": 3},
        {"view": "outsole", "n_feet": 1, "labels": ("flat",)},
        {"view": "outsole", "n_feet": 2, "sides": ("left",)},
        {"fmt": "gif"},
        {"treads": ("spikes",)},
        {"lightings": ("disco",)},
    ],
)
def test_invalid_requests_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"unknown|must"):
        render_photo(0, megapixels=SMALL, **kwargs)  # type: ignore[arg-type]
