"""Assembling training rows from located objects and labeled feet."""

from __future__ import annotations

import copy
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import log_loss

from model.classifier import build_shoe_top_model
from model.features import (
    LAYOUT_FEATURES,
    OBJECT_FEATURES,
    PRONATION_FEATURES,
    SURROUND_FEATURES,
    VIEW_FEATURES,
)
from model.footshape import LABELS
from model.locate import ORIENTATION_FEATURES, Turn
from model.synth.corpus import photo_seed, write_manifest
from model.synth.render import render_photo
from model.training import (
    LabeledFoot,
    LabeledPhoto,
    PhotoFeatures,
    _floored,
    build_table,
    cross_validate,
    cross_validated_summary,
    extract_photo,
    fit_bundle,
    model_digest,
    read_manifests,
    shoe_top_rows,
)

FOOT_LENGTH = 400.0


def record(x: float, y: float, area_in_foot_lengths: float, marker: float) -> dict[str, object]:
    """A located object as extraction caches it; ``marker`` tells the rows apart."""
    return {
        "center": [x, y],
        "area_px": area_in_foot_lengths * FOOT_LENGTH**2,
        "object": dict.fromkeys(OBJECT_FEATURES, marker),
        "surround": dict.fromkeys(SURROUND_FEATURES, marker + 0.5),
        "metrics": dict.fromkeys(PRONATION_FEATURES, 0.5),
        "layout": dict.fromkeys(LAYOUT_FEATURES, 0.0),
    }


# A labeled foot whose heel and toe positions are known, as a synthetic manifest's are.
LEFT_FOOT_TOE_UP = LabeledFoot(
    side="left",
    label="neutral",
    center=(500.0, 500.0),
    length_px=FOOT_LENGTH,
    heel=(500.0, 700.0),
    toe=(500.0, 300.0),
)


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


def test_the_view_rows_hold_the_object_and_surround_features_of_each_object() -> None:
    """The view model reads the surround features beside the object features; the sole
    model's rows stay the object features alone."""
    photo = LabeledPhoto(path=Path("print.jpg"), view="print", feet=(), group="print")
    objects = [record(500, 500, 0.3, marker=1.0), record(900, 500, 0.3, marker=2.0)]

    table = build_table([photo], [PhotoFeatures(objects=objects)])

    assert table.object_x.shape == (2, len(OBJECT_FEATURES))
    assert table.view_x.shape == (2, len(VIEW_FEATURES))
    surround = [VIEW_FEATURES.index(name) for name in SURROUND_FEATURES]
    assert np.array_equal(table.view_x[:, : len(OBJECT_FEATURES)], table.object_x)
    assert np.array_equal(table.view_x[:, surround], [[1.5, 1.5], [2.5, 2.5]])


def test_each_foot_with_known_ends_teaches_all_four_turns() -> None:
    foot = LEFT_FOOT_TOE_UP
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


def test_a_prints_ink_outline_teaches_every_turn_beside_its_outline_found() -> None:
    foot = LEFT_FOOT_TOE_UP
    found = record(505, 498, 0.30, marker=1.0)
    rng = np.random.default_rng(5)
    found["orientation"] = rng.normal(size=ORIENTATION_FEATURES).tolist()
    found["orientation_truth"] = int(Turn.KEEP)
    found["orientation_ink"] = rng.normal(size=ORIENTATION_FEATURES).tolist()
    found["orientation_ink_truth"] = int(Turn.MIRROR)
    photo = LabeledPhoto(path=Path("print.png"), view="print", feet=(foot,), group="print")

    table = build_table([photo], [PhotoFeatures(objects=[found])])

    assert len(table.orientation_y) == 8
    # Only the outline as found, as found, is what the cross-validated figures are of.
    assert table.orientation_as_found.tolist() == [True] + [False] * 7
    assert table.orientation_y.tolist() == [
        int(Turn(truth).then(turn)) for truth in (Turn.KEEP, Turn.MIRROR) for turn in Turn
    ]
    ink_as_found = table.orientation_x[4]
    assert np.allclose(ink_as_found, found["orientation_ink"], equal_nan=True)
    assert len(table.pronation_y) == 1


def test_orientation_is_cross_validated_on_the_outlines_as_found() -> None:
    photos, features = photos_of_single_feet(EVERY_CLASS_THRICE * 4, positioned=36)
    for i, feats in enumerate(features[::2]):
        (found,) = feats.objects
        found["orientation_ink"] = np.random.default_rng(100 + i).normal(size=ORIENTATION_FEATURES)
        found["orientation_ink_truth"] = int(Turn.KEEP)
    table = build_table(photos, features)
    assert len(table.orientation_y) == (36 + 18) * 4

    metrics = cross_validate(table, folds=3)

    assert metrics["orientation"]["n"] == 36
    assert 0.0 <= metrics["orientation"]["side_accuracy"] <= 1.0
    assert sum(band["n"] for band in metrics["orientation"]["side_accuracy_by_outline_area"]) == 36
    bundle = fit_bundle(table, pixel_model=None, imprint_model=None, shoe_top=SOME_SHOE_TOP_MODEL)
    assert bundle.card["training_data"]["orientation"] == {"feet": 36, "print_ink_outlines": 18}


def test_a_print_on_a_sheet_is_recorded_in_both_its_outlines(tmp_path: Path, bundle) -> None:  # type: ignore[no-untyped-def]
    # Seed 8080's photo 7: a print on a sheet that the segmenter's outline takes part of
    # (tests/model/test_analyze.py); analysis orients it in its ink's outline too.
    rendered = render_photo(photo_seed(8080, 7), max_megapixels=3.0, view_weights={"print": 1.0})
    name = f"print.{rendered.fmt}"
    (tmp_path / name).write_bytes(rendered.data)
    write_manifest(tmp_path / "manifest.csv", [{**row, "file": name} for row in rendered.rows])
    (photo,) = read_manifests([tmp_path / "manifest.csv"])

    (found,) = extract_photo(photo, bundle.pixels, bundle.imprint).objects

    assert found["orientation_truth"] is not None
    # The ink's frame is turned as the outline found is, so the same turn puts it right.
    assert found["orientation_ink_truth"] == found["orientation_truth"]
    assert not np.allclose(found["orientation_ink"], found["orientation"], equal_nan=True)


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


def photos_of_single_feet(
    labels: list[str], *, positioned: int
) -> tuple[list[LabeledPhoto], list[PhotoFeatures]]:
    """One photo per label, each of one foot found where it is labeled; the first
    ``positioned`` feet have heel and toe positions, as a synthetic manifest's do."""
    photos, features = [], []
    for i, label in enumerate(labels):
        x = 500.0 + 10.0 * i
        ends = {"heel": (x, 700.0), "toe": (x, 300.0)} if i < positioned else {}
        foot = LabeledFoot(
            side="left", label=label, center=(x, 500.0), length_px=FOOT_LENGTH, **ends
        )
        found = record(x + 5, 498, 0.30, marker=float(i))
        rng = np.random.default_rng(i)
        found["metrics"] = dict(
            zip(PRONATION_FEATURES, rng.random(len(PRONATION_FEATURES)), strict=True)
        )
        found["orientation"] = rng.normal(size=ORIENTATION_FEATURES).tolist()
        found["orientation_truth"] = int(Turn.KEEP) if i < positioned else None
        photos.append(
            LabeledPhoto(path=Path(f"{i}.jpg"), view="outsole", feet=(foot,), group=str(i))
        )
        features.append(PhotoFeatures(objects=[found]))
    return photos, features


EVERY_CLASS_THRICE = ["neutral", "overpronation", "underpronation"] * 3


def with_tops_of_shoes(
    photos: list[LabeledPhoto], features: list[PhotoFeatures], markers: list[float]
) -> tuple[list[LabeledPhoto], list[PhotoFeatures]]:
    """The photos and their features with a photo of the top of a shoe for each marker,
    its one object's features all that marker (a foot's are its index: a marker among
    them is a top the familiarity check takes for a possible sole)."""
    for k, marker in enumerate(markers):
        photos.append(
            LabeledPhoto(
                path=Path(f"top-{k}.jpg"),
                view="negative",
                feet=(),
                group=f"top-{k}",
                negative_kind="top_of_shoe",
            )
        )
        features.append(PhotoFeatures(objects=[record(500.0, 500.0, 0.3, marker=marker)]))
    return photos, features


# Six tops of shoes among the feet of photos_of_single_feet(EVERY_CLASS_THRICE ...).
TOPS_AMONG_THE_FEET = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]


def test_feet_without_heel_and_toe_cannot_teach_orientation_alone() -> None:
    # A clinic export says the side, not where the toe is.
    table = build_table(*photos_of_single_feet(EVERY_CLASS_THRICE, positioned=0))

    assert len(table.pronation_y) == 9
    assert len(table.orientation_y) == 0
    with pytest.raises(ValueError, match="heel and toe positions"):
        fit_bundle(table, pixel_model=None, imprint_model=None)


def test_too_few_feet_for_the_orientation_model_are_refused_with_advice() -> None:
    table = build_table(*photos_of_single_feet(EVERY_CLASS_THRICE, positioned=3))

    assert len(table.orientation_y) == 12
    # Its early stopping holds a tenth of the rows out: 2 of 12 cannot hold all four turns.
    with pytest.raises(ValueError, match="needs at least 8"):
        fit_bundle(table, pixel_model=None, imprint_model=None)


def test_a_class_with_too_few_feet_found_is_refused_with_advice() -> None:
    # Two classes only: a model fitted on them could not give the third a probability.
    labels = ["neutral", "overpronation"] * 5
    table = build_table(*photos_of_single_feet(labels, positioned=len(labels)))

    with pytest.raises(ValueError, match="were found in the photos: 0 underpronation") as refused:
        fit_bundle(table, pixel_model=None, imprint_model=None)
    assert "needs at least 3 of each of neutral, overpronation, underpronation" in str(
        refused.value
    )
    assert "solescan synth --n" in str(refused.value)


def test_a_class_with_too_few_feet_fits_once_it_has_three() -> None:
    labels = ["neutral", "overpronation"] * 5 + ["underpronation"] * 3
    table = build_table(*photos_of_single_feet(labels, positioned=len(labels)))

    bundle = fit_bundle(table, pixel_model=None, imprint_model=None, shoe_top=SOME_SHOE_TOP_MODEL)

    assert list(bundle.pronation.classes_) == ["neutral", "overpronation", "underpronation"]
    # The card says what the orientation model learned from: no print, so no ink outline.
    assert bundle.card["training_data"]["orientation"] == {"feet": 13, "print_ink_outlines": 0}


# A shoe-top model to take over, as promotion's base model brings one (its fit is no matter).
SOME_SHOE_TOP_MODEL = build_shoe_top_model().fit(np.arange(20.0).reshape(10, 2), [0, 1] * 5)


def test_the_shoe_top_model_learns_the_feet_against_the_tops_that_look_like_soles() -> None:
    photos, features = photos_of_single_feet(EVERY_CLASS_THRICE, positioned=9)
    photos, features = with_tops_of_shoes(photos, features, [*TOPS_AMONG_THE_FEET, 1000.0])
    # An object of a photo of a floor is the sole and familiarity checks' work.
    photos.append(LabeledPhoto(path=Path("floor.jpg"), view="negative", feet=(), group="floor"))
    features.append(PhotoFeatures(objects=[record(500.0, 500.0, 0.3, marker=2.0)]))
    table = build_table(photos, features)
    assert table.object_top_of_shoe.sum() == 7
    assert table.summary["top_of_shoe_photos"] == 7

    x, y, groups = shoe_top_rows(table)

    # The nine feet, and the six tops among them; the top unlike every foot is not one.
    assert sorted(x[~y, 0].tolist()) == [float(i) for i in range(9)]
    assert sorted(x[y, 0].tolist()) == TOPS_AMONG_THE_FEET
    assert len(set(groups)) == 15
    bundle = fit_bundle(table, pixel_model=None, imprint_model=None)
    assert bundle.card["training_data"]["shoe_top"] == {"tops": 6, "feet": 9}
    assert bundle.shoe_top.classes_.tolist() == [False, True]


def test_a_corpus_without_tops_of_shoes_is_refused_with_advice_unless_a_model_takes_over() -> None:
    table = build_table(*photos_of_single_feet(EVERY_CLASS_THRICE, positioned=9))

    refusal = "Only 0 objects of photos of the top of a shoe"
    with pytest.raises(ValueError, match=refusal) as refused:
        fit_bundle(table, pixel_model=None, imprint_model=None)
    assert "solescan synth" in str(refused.value)
    assert "--promote" in str(refused.value)
    bundle = fit_bundle(table, pixel_model=None, imprint_model=None, shoe_top=SOME_SHOE_TOP_MODEL)
    assert bundle.shoe_top is SOME_SHOE_TOP_MODEL
    assert bundle.card["training_data"]["shoe_top"] == {"reused": True}


def test_the_manifest_says_which_negative_photos_show_the_top_of_a_shoe(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,view,n_feet,side,label,center_x,center_y,negative_kind\n"
        "top.jpg,negative,0,,none,,,top_of_shoe\n"
        "floor.jpg,negative,0,,none,,,floor\n"
        "sole.jpg,outsole,1,left,neutral,500,500,\n"
    )

    kinds = {p.path.name: p.negative_kind for p in read_manifests([manifest])}

    assert kinds == {"top.jpg": "top_of_shoe", "floor.jpg": "floor", "sole.jpg": None}


def test_training_refuses_manifests_missing_a_class_before_fitting_the_pixel_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import model.training as training

    def fitted(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pixel models were fitted before the manifests were checked")

    monkeypatch.setattr(training, "fit_pixel_model", fitted)
    header = "file,view,n_feet,side,label,center_x,center_y,heel_x,heel_y,toe_x,toe_y\n"
    rows = [
        f"{i}.jpg,outsole,1,left,{label},500,500,500,700,500,300\n"
        for i, label in enumerate(["neutral", "overpronation"] * 6 + ["underpronation"])
    ]
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(header + "".join(rows))

    with pytest.raises(ValueError, match="labeled in the manifests: 1 underpronation"):
        training.train([manifest], progress=False)


def test_cross_validation_leaves_out_what_too_few_feet_cannot_show() -> None:
    # Three of each class: a fold trains on two of some class, too few to calibrate.
    table = build_table(*photos_of_single_feet(EVERY_CLASS_THRICE, positioned=9))

    metrics = cross_validate(table, folds=5)

    assert metrics["pronation"] == {"n": 9}
    assert cross_validated_summary(metrics) == "too few feet to cross-validate (9)"


def test_the_log_loss_reads_probabilities_floored_and_summing_to_one() -> None:
    # A fold's model can give a class exactly 0 (an infinite log loss); floored alone, the
    # row sums to more than one and scikit-learn warns of it in the training output.
    proba = np.array([[1.0, 0.0, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])

    floored = _floored(proba)

    assert floored.min() > 0.99e-6  # a little under the floor once the rows sum to one
    assert np.allclose(floored.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loss = log_loss(["neutral", "overpronation", "underpronation"], floored, labels=LABELS)
    assert 0.0 < loss < 0.1
