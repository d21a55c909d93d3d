"""Compiled tree models predict what scikit-learn predicts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

from model.classifier import build_pronation_model
from model.compiled import CompiledTrees, for_serving


def _rows(n_features: int, *, seed: int, n: int = 64) -> np.ndarray:
    """Rows spread well past the training range, with missing values sprinkled in."""
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=(n, n_features))
    x[rng.random(x.shape) < 0.15] = np.nan
    return x


@pytest.mark.parametrize("name", ["sole", "view", "orientation", "pronation", "shoe_top"])
def test_the_shipped_tree_models_predict_as_scikit_learn(bundle, name: str) -> None:  # type: ignore[no-untyped-def]
    pipeline = getattr(bundle, name)
    compiled = for_serving(pipeline)
    assert isinstance(compiled, CompiledTrees)
    assert list(compiled.classes_) == list(pipeline.classes_)
    x = _rows(pipeline.n_features_in_, seed=len(name))
    expected = pipeline.predict_proba(x)
    got = compiled.predict_proba(x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # One row at a time too, as a photo with one sole sends.
    np.testing.assert_allclose(compiled.predict_proba(x[:1]), expected[:1], rtol=0, atol=1e-12)


def _fitted_data(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, 5))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    if n_classes == 3:
        y = y + (x[:, 2] > 0.8)
    x[rng.random(x.shape) < 0.1] = np.nan  # the trees learn a side for missing values
    return x, y


def test_a_binary_forest_predicts_as_scikit_learn() -> None:
    x, y = _fitted_data(2)
    pipeline = Pipeline(
        [("trees", HistGradientBoostingClassifier(max_iter=30, random_state=0))]
    ).fit(x, y)
    rows = _rows(5, seed=1)
    np.testing.assert_allclose(
        CompiledTrees(pipeline).predict_proba(rows), pipeline.predict_proba(rows), atol=1e-12
    )


def test_a_sigmoid_calibrated_forest_predicts_as_scikit_learn() -> None:
    x, y = _fitted_data(3)
    # Fewer than 1500 samples: the pronation model is calibrated with sigmoids.
    pipeline = build_pronation_model(seed=0, n_samples=len(x)).fit(x, y)
    assert pipeline[-1].method == "sigmoid"
    rows = _rows(5, seed=2)
    np.testing.assert_allclose(
        CompiledTrees(pipeline).predict_proba(rows), pipeline.predict_proba(rows), atol=1e-12
    )


def test_other_models_are_served_as_they_are() -> None:
    x, y = _fitted_data(3)
    logistic = build_pronation_model(seed=0, family="logistic").fit(np.nan_to_num(x), y)
    assert for_serving(logistic) is logistic


def test_unsupported_forests_are_refused_not_approximated() -> None:
    x, y = _fitted_data(3)
    ensemble = Pipeline(
        [
            (
                "calibrated",
                CalibratedClassifierCV(
                    HistGradientBoostingClassifier(max_iter=10), cv=2, ensemble=True
                ),
            )
        ]
    ).fit(x, y)
    with pytest.raises(ValueError, match="one isotonic or sigmoid"):
        CompiledTrees(ensemble)
    with pytest.raises(ValueError, match="expected rows of 5 features"):
        CompiledTrees(
            Pipeline([("trees", HistGradientBoostingClassifier(max_iter=5))]).fit(x, y)
        ).predict_proba(np.zeros((2, 4)))
