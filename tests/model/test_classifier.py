"""Saving and loading the model artifact: versions, corruption, foreign content."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from model.classifier import (
    ARTIFACT_FILE,
    CARD_FILE,
    CURRENT_FILE,
    MODEL_NAMES,
    ModelBundle,
    build_familiarity_model,
    build_orientation_model,
    build_pronation_model,
    build_sole_model,
    familiar,
    fill_empty_columns,
    load_bundle,
    save_bundle,
)
from model.errors import ModelArtifactError
from model.features import FEATURE_VERSION
from model.training import TrainingTable, cross_validate


def _tiny_bundle(version: str = "test-1") -> ModelBundle:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = np.array(["neutral", "overpronation", "underpronation"] * 20)

    def fitted(labels: np.ndarray) -> Pipeline:
        return Pipeline([("lr", LogisticRegression(max_iter=200))]).fit(x, labels)

    binary = fitted(np.array([0, 1] * 30))
    card = {
        "version": version,
        "versions": {"scikit-learn": sklearn.__version__},
        "feature_version": FEATURE_VERSION,
        "familiarity": {"quantile": 0.98, "max_distance": 10.0},
    }
    return ModelBundle(
        pixels=binary,
        imprint=binary,
        sole=binary,
        view=fitted(y),
        pronation=fitted(y),
        orientation=fitted(np.array([0, 1, 2, 3] * 15)),
        familiar=build_familiarity_model().fit(x),
        shoe_top=binary,
        card=card,
    )


def test_an_artifact_of_an_earlier_solescan_is_refused_saying_what_it_lacks(
    tmp_path: Path,
) -> None:
    # An artifact saved before the shoe-top model came in holds the other seven.
    bundle = _tiny_bundle()
    save_bundle(bundle, tmp_path / "m")
    models = {name: getattr(bundle, name) for name in MODEL_NAMES if name != "shoe_top"}
    sio.dump(models, tmp_path / "m" / ARTIFACT_FILE)

    with pytest.raises(ModelArtifactError, match="earlier solescan: it lacks the shoe_top model"):
        load_bundle(tmp_path / "m")


def test_round_trip_keeps_predictions(tmp_path: Path) -> None:
    bundle = _tiny_bundle()
    save_bundle(bundle, tmp_path / "m")
    loaded = load_bundle(tmp_path / "m")
    x = np.random.default_rng(1).normal(size=(5, 3))
    assert np.allclose(loaded.pronation.predict_proba(x), bundle.pronation.predict_proba(x))
    assert loaded.version == "test-1"


def test_store_of_versions_loads_current_or_named(tmp_path: Path) -> None:
    save_bundle(_tiny_bundle("v1"), tmp_path / "v1")
    save_bundle(_tiny_bundle("v2"), tmp_path / "v2")
    (tmp_path / CURRENT_FILE).write_text("v2\n")
    assert load_bundle(tmp_path).version == "v2"
    assert load_bundle(tmp_path, version="v1").version == "v1"


def test_missing_artifact_is_refused_with_advice(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="solescan train"):
        load_bundle(tmp_path)


def test_other_sklearn_version_is_refused(tmp_path: Path) -> None:
    save_bundle(_tiny_bundle(), tmp_path)
    card = json.loads((tmp_path / CARD_FILE).read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelArtifactError, match=r"scikit-learn 0\.24\.2"):
        load_bundle(tmp_path)


def test_model_reading_other_features_is_refused(tmp_path: Path) -> None:
    save_bundle(_tiny_bundle(), tmp_path)
    card = json.loads((tmp_path / CARD_FILE).read_text())
    card["feature_version"] = FEATURE_VERSION - 1
    (tmp_path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelArtifactError, match=rf"features of version {FEATURE_VERSION - 1}"):
        load_bundle(tmp_path)


def test_corrupt_artifact_is_refused(tmp_path: Path) -> None:
    save_bundle(_tiny_bundle(), tmp_path)
    data = (tmp_path / ARTIFACT_FILE).read_bytes()
    (tmp_path / ARTIFACT_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelArtifactError, match="corrupt"):
        load_bundle(tmp_path)


def test_unreadable_card_is_refused(tmp_path: Path) -> None:
    save_bundle(_tiny_bundle(), tmp_path)
    (tmp_path / CARD_FILE).write_text("{not json")
    with pytest.raises(ModelArtifactError, match="unreadable"):
        load_bundle(tmp_path)


def test_pronation_model_missing_a_class_is_refused(tmp_path: Path) -> None:
    x = np.random.default_rng(2).normal(size=(40, 3))
    two_classes = np.array(["neutral", "overpronation"] * 20)
    pronation = Pipeline([("lr", LogisticRegression())]).fit(x, two_classes)
    save_bundle(dataclasses.replace(_tiny_bundle(), pronation=pronation), tmp_path)
    with pytest.raises(ModelArtifactError, match="missing some") as refused:
        load_bundle(tmp_path)
    assert "['neutral', 'overpronation']" in str(refused.value)


def test_foreign_types_are_refused(tmp_path: Path) -> None:
    """A file holding objects of types solescan does not trust is never loaded."""
    import skops.io as sio

    save_bundle(_tiny_bundle(), tmp_path)
    models = {"pixels": Path("x"), "sole": 1, "view": 1, "pronation": 1}
    sio.dump(models, tmp_path / ARTIFACT_FILE)
    with pytest.raises(ModelArtifactError):
        load_bundle(tmp_path)


def table_of(**parts: Any) -> TrainingTable:
    """A training table of ``parts``; what they leave out is empty (no objects, no
    orientation rows)."""
    empty: dict[str, Any] = {
        "object_x": np.zeros((0, 1)),
        "view_x": np.zeros((0, 1)),
        "is_sole": np.zeros(0, dtype=bool),
        "object_view": np.array([]),
        "object_groups": np.array([]),
        "object_top_of_shoe": np.zeros(0, dtype=bool),
        "orientation_x": np.zeros((0, 3)),
        "orientation_y": np.zeros(0, dtype=np.int64),
        "orientation_groups": np.array([]),
        "orientation_as_found": np.zeros(0, dtype=bool),
        "orientation_outline_area": np.zeros(0),
        "summary": {},
    }
    return TrainingTable(**{**empty, **parts})


def test_single_view_training_set_with_an_empty_column_trains_and_serves() -> None:
    """Outsoles only: the insole indices are NaN in every row, which the trees cannot bin."""
    rng = np.random.default_rng(3)
    y = np.array(["neutral", "overpronation", "underpronation"] * 40)
    x = rng.normal(size=(len(y), 5))
    x[:, 0] += np.select([y == "overpronation", y == "underpronation"], [2.0, -2.0], 0.0)
    x[:, 3] = np.nan
    table = table_of(
        pronation_x=x,
        pronation_y=y,
        pronation_view=np.array(["outsole"] * len(y)),
        pronation_groups=np.arange(len(y)),
    )

    metrics = cross_validate(table, folds=3)

    assert metrics["pronation"]["macro_f1"] > 0.7
    model = build_pronation_model(n_samples=len(y)).fit(fill_empty_columns(x), y)
    assert np.isnan(x[:5, 3]).all()  # the rows served still carry their NaN
    assert np.mean(model.predict(x) == y) > 0.8
    assert np.array_equal(fill_empty_columns(x)[:, [0, 1, 2, 4]], x[:, [0, 1, 2, 4]])


def test_objects_unlike_every_training_sole_are_not_familiar() -> None:
    rng = np.random.default_rng(5)
    soles = rng.normal(size=(500, 6))
    model = build_familiarity_model().fit(soles)
    bundle = ModelBundle(
        pixels=None,  # type: ignore[arg-type]  # only the familiarity model is read
        imprint=None,  # type: ignore[arg-type]
        sole=None,  # type: ignore[arg-type]
        view=None,  # type: ignore[arg-type]
        pronation=None,  # type: ignore[arg-type]
        orientation=None,  # type: ignore[arg-type]
        familiar=model,
        shoe_top=None,  # type: ignore[arg-type]
        card={"familiarity": {"max_distance": 16.8}},  # chi-squared, 6 dof, 99%
    )
    typical = familiar(bundle, rng.normal(size=(1000, 6)))
    assert 0.97 < typical.mean() < 1.0
    odd = np.array([[8.0, 0, 0, 0, 0, 0], [3.0, -3.0, 3.0, 0, 0, 0], [np.nan] * 6])
    assert not familiar(bundle, odd).any()


def test_cross_validation_reports_the_view_model_on_the_soles_only() -> None:
    """The view model learns from the located soles; the other objects (not a sole, no
    view) stay out of its folds."""
    rng = np.random.default_rng(5)
    views = np.array(["outsole", "insole", "print"] * 30 + ["negative"] * 20)
    is_sole = views != "negative"
    x = rng.normal(size=(len(views), 4))
    x[:, 1] += np.select([views == "outsole", views == "insole"], [4.0, -4.0], 0.0)
    x[:, 2] += np.where(views == "print", 4.0, 0.0)
    y = np.array(["neutral", "overpronation", "underpronation"] * 30)
    table = table_of(
        object_x=x,
        view_x=x,
        is_sole=is_sole,
        object_view=views,
        object_groups=np.arange(len(views)),
        object_top_of_shoe=np.zeros(len(views), dtype=bool),
        pronation_x=rng.normal(size=(len(y), 3)),
        pronation_y=y,
        pronation_view=views[is_sole],
        pronation_groups=np.arange(len(y)),
    )

    view = cross_validate(table, folds=3)["view"]

    assert view["n"] == 90
    assert view["accuracy"] > 0.9
    assert view["confusion_matrix"]["labels"] == ["outsole", "insole", "print"]
    assert np.sum(view["confusion_matrix"]["rows_true_cols_predicted"]) == 90


def test_tree_models_train_alike_whatever_the_size_of_their_table() -> None:
    # scikit-learn's default turns early stopping on past 10,000 rows only: a grown table
    # would silently hold rows out and stop early. The sole model never does; the
    # orientation model, whose table was always past that size, always does.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10_400, 5))
    y = (x[:, 0] + rng.normal(scale=2.0, size=len(x)) > 0).astype(int)
    sole = build_sole_model(seed=0).fit(x, y)[-1]
    assert len(sole.validation_score_) == 0
    assert sole.n_iter_ == sole.max_iter

    small = x[:2_000]
    turns = rng.integers(0, 4, size=len(small))
    orientation = build_orientation_model(seed=0).fit(small, turns)[-1]
    assert len(orientation.validation_score_) > 0
