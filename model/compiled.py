"""Fitted scikit-learn models in a form that predicts a few rows quickly.

An analysis asks each model about one to eight rows at a time. For so few rows
scikit-learn's own prediction is mostly overhead: a HistGradientBoosting model walks its
trees one by one from Python (one call into compiled code, and one release and re-take
of the GIL, per tree: 1,600 per photo), and every call validates its input again. Here
the trees of a fitted model are laid end to end in flat arrays and walked all at once,
one level per NumPy step, and the calibration that follows is applied directly.

The arithmetic is the same as scikit-learn's: the same thresholds, the same side for a
missing value, the same leaf values summed on the same baseline, the same calibrators.
Only the order of the floating-point additions differs, by about 1e-15 (the tests
compare both on random rows, missing values included). Fitting stays scikit-learn's;
this module only reads fitted models, so the artifact format does not change.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline

__all__ = ["Classifier", "CompiledTrees", "for_serving"]


class Classifier(Protocol):
    """What the analysis needs of a fitted classifier."""

    classes_: np.ndarray

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...


class _TreeSum:
    """The raw score of a fitted HistGradientBoostingClassifier: baseline plus leaves.

    Every node of every tree sits in one set of flat arrays; a leaf points to itself, so
    walking ``depth`` levels from the roots leaves every row at its leaf in every tree.
    """

    def __init__(self, trees: HistGradientBoostingClassifier) -> None:
        predictors = [tree for iteration in trees._predictors for tree in iteration]
        nodes = np.concatenate([tree.nodes for tree in predictors])
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported; no solescan model has them")
        sizes = np.array([len(tree.nodes) for tree in predictors])
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        # Child indices in the nodes array are per tree; shift them to the flat array.
        shift = np.repeat(first, sizes)
        here = np.arange(len(nodes))
        leaf = nodes["is_leaf"].astype(bool)
        self.left = np.where(leaf, here, nodes["left"].astype(np.intp) + shift)
        self.right = np.where(leaf, here, nodes["right"].astype(np.intp) + shift)
        self.feature = nodes["feature_idx"].astype(np.intp)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.missing_go_left = nodes["missing_go_to_left"].astype(bool)
        self.value = nodes["value"].astype(np.float64)
        self.roots = first
        self.depth = int(nodes["depth"].max())
        self.per_iteration = int(trees.n_trees_per_iteration_)
        self.baseline = np.asarray(trees._baseline_prediction, dtype=np.float64).reshape(1, -1)
        self.n_features = int(trees.n_features_in_)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Raw scores, shape (n_rows, trees per iteration)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape {X.shape}")
        n = len(X)
        at = np.broadcast_to(self.roots, (n, len(self.roots)))
        row = np.arange(n)[:, None]
        for _ in range(self.depth):
            x = X[row, self.feature[at]]
            go_left = np.where(np.isnan(x), self.missing_go_left[at], x <= self.threshold[at])
            at = np.where(go_left, self.left[at], self.right[at])
        leaves = self.value[at].reshape(n, -1, self.per_iteration)
        return self.baseline + leaves.sum(axis=1)


class CompiledTrees:
    """A HistGradientBoostingClassifier, bare or calibrated, predicting like scikit-learn.

    Accepts the tree models :mod:`model.classifier` builds: a pipeline whose only step
    is the trees, or whose only step is a ``CalibratedClassifierCV`` of the trees with
    ``ensemble=False`` (one forest and one calibrator per class, isotonic or sigmoid).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        (_, model), *rest = pipeline.steps
        if rest:
            raise ValueError("only a pipeline with a single model step can be compiled")
        self.classes_ = np.asarray(model.classes_)
        self._calibrators: list[Any] | None = None
        if isinstance(model, CalibratedClassifierCV):
            one_forest = len(model.calibrated_classifiers_) == 1
            if not one_forest or model.method not in ("isotonic", "sigmoid"):
                raise ValueError("only one isotonic or sigmoid calibration can be compiled")
            (calibrated,) = model.calibrated_classifiers_
            trees = calibrated.estimator
            if not np.array_equal(trees.classes_, self.classes_):
                raise ValueError("the calibrated classes differ from the forest's")
            self._calibrators = list(calibrated.calibrators)
        elif isinstance(model, HistGradientBoostingClassifier):
            trees = model
        else:
            raise ValueError(f"cannot compile a {type(model).__name__}")
        self._raw = _TreeSum(trees)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raw = self._raw(X)
        binary = len(self.classes_) == 2
        if self._calibrators is None:
            # scikit-learn's log loss: the sigmoid of the one score, or the softmax.
            if binary:
                positive = expit(raw[:, 0])
                return np.column_stack([1.0 - positive, positive])
            return softmax(raw, axis=1)
        # As CalibratedClassifierCV: each class's score through its calibrator, then
        # normalised (a row the calibrators all give 0 becomes uniform).
        if binary:
            positive = self._calibrators[0].predict(raw[:, 0])
            return np.column_stack([1.0 - positive, positive])
        proba = np.column_stack(
            [calibrator.predict(raw[:, k]) for k, calibrator in enumerate(self._calibrators)]
        )
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / len(self.classes_))
        return np.divide(proba, total, out=uniform, where=total != 0)


def for_serving(pipeline: Pipeline) -> Classifier:
    """The fastest equivalent of a fitted pipeline for predicting a few rows at a time.

    Tree models are compiled; anything else (the linear pronation family) is returned
    as it is, since its scikit-learn prediction is already a couple of matrix products.
    """
    model = pipeline.steps[-1][1]
    if len(pipeline.steps) == 1 and isinstance(
        model, (HistGradientBoostingClassifier, CalibratedClassifierCV)
    ):
        return CompiledTrees(pipeline)
    return pipeline
