"""Model versions in service: compare a newly trained model with the one in service on the
same held-out photos, and promote it only when it is better.

A model store is a directory of version sub-directories (each an artifact: ``model.skops``
plus ``model_card.json``) and a ``CURRENT`` file naming the version in service; the
service loads the version its settings name (``SOLESCAN_MODEL_VERSION``), by default the
one ``CURRENT`` names. ``model/artifacts/`` is the store shipped with solescan.

The gate is the strict held-out figure of :mod:`model.evaluation`: macro-F1 over every
labeled foot of the held-out manifests, analysed end to end, where a foot that was missed
or called ``undetermined`` counts as wrong. A candidate is promoted only when it beats the
model in service by at least :data:`PROMOTION_MARGIN`: one foot more or less right moves
the figure of a small held-out set by about 1/feet, and a new model should not replace a
proven one on noise.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from model.classifier import (
    ARTIFACT_FILE,
    CARD_FILE,
    CURRENT_FILE,
    SHIPPED_DIR,
    ModelBundle,
    load_bundle,
    save_bundle,
)
from model.errors import ModelArtifactError
from model.evaluation import FootOutcome, PhotoOutcome, run, summarize
from model.footshape import LABELS

PROMOTION_MARGIN = 0.01
"""A candidate must beat the model in service by at least this much strict macro-F1."""

HOLDOUT_FRACTION = 0.2
"""Share of the photo groups held out when no held-out manifest is given."""


def strict_macro_f1(feet: Sequence[FootOutcome]) -> float:
    """Macro-F1 over every labeled foot; a missed or undetermined foot counts as wrong.

    Parameters
    ----------
    feet : sequence of FootOutcome
        From :func:`model.evaluation.run`.
    """
    if not feet:
        return 0.0
    y = [f.label for f in feet]
    pred = [f.predicted_label or "missed" for f in feet]
    return float(f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0))


@dataclass(frozen=True)
class ModelScore:
    """How one model did on the held-out photos."""

    version: str
    path: Path
    strict_macro_f1: float
    summary: dict[str, Any]
    photos: list[PhotoOutcome]
    feet: list[FootOutcome]

    def to_dict(self) -> dict[str, Any]:
        """The figures for a model card (no per-photo outcomes)."""
        return {
            "version": self.version,
            "strict_macro_f1": round(self.strict_macro_f1, 4),
            "feet": len(self.feet),
            "per_view": self.summary["per_view"],
        }


def score_model(
    model_dir: Path,
    holdout: Sequence[Path],
    *,
    workers: int | None = None,
    progress: bool = True,
) -> ModelScore:
    """Analyse every held-out photo with the artifact in ``model_dir`` and score it."""
    model_dir = Path(model_dir).resolve()
    card = json.loads((model_dir / CARD_FILE).read_text())
    photos, feet = run(list(holdout), model_path=model_dir, workers=workers, progress=progress)
    return ModelScore(
        version=str(card["version"]),
        path=model_dir,
        strict_macro_f1=strict_macro_f1(feet),
        summary=summarize(photos, feet),
        photos=photos,
        feet=feet,
    )


def _macro_f1_counts(y: np.ndarray, pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Macro-F1 over :data:`LABELS` for each row of ``weights`` (resampling counts).

    ``y`` and ``pred`` have shape (feet,); ``weights`` (rounds, feet) says how often each
    foot was drawn. Equals scikit-learn's macro ``f1_score`` with ``zero_division=0``.
    """
    scores = []
    for label in LABELS:
        truth, said = y == label, pred == label
        tp = weights @ (truth & said)
        fp = weights @ (~truth & said)
        fn = weights @ (truth & ~said)
        denominator = 2 * tp + fp + fn
        scores.append(np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0))
    return np.mean(scores, axis=0)


def paired_difference_interval(
    candidate: Sequence[FootOutcome],
    current: Sequence[FootOutcome],
    *,
    rounds: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% bootstrap interval of candidate minus current strict macro-F1.

    Photos are resampled (both feet of a photo stay together), the same photos for both
    models, so the interval reflects how much the difference depends on which photos
    happened to be held out. Informative only: the gate is the margin.
    """
    if len(candidate) != len(current) or not candidate:
        raise ValueError("both models must be scored on the same, non-empty held-out feet")
    photo_ids = sorted({f.photo for f in candidate})
    index = {p: i for i, p in enumerate(photo_ids)}
    foot_photo = np.array([index[f.photo] for f in candidate])
    y = np.array([f.label for f in candidate])
    a = np.array([f.predicted_label or "missed" for f in candidate])
    b = np.array([f.predicted_label or "missed" for f in current])
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(photo_ids), (rounds, len(photo_ids)))
    photo_counts = np.zeros((rounds, len(photo_ids)))
    np.add.at(photo_counts, (np.arange(rounds)[:, None], drawn), 1.0)
    weights = photo_counts[:, foot_photo]  # each foot counts as often as its photo
    diffs = _macro_f1_counts(y, a, weights) - _macro_f1_counts(y, b, weights)
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(low), float(high)


@dataclass(frozen=True)
class PromotionDecision:
    """Whether a candidate should replace the model in service, and why."""

    promote: bool
    reason: str
    candidate: ModelScore
    current: ModelScore | None
    margin: float
    holdout: list[str]
    difference_interval: tuple[float, float] | None = None

    @property
    def difference(self) -> float | None:
        """Candidate minus current strict macro-F1 (None without a model in service)."""
        if self.current is None:
            return None
        return self.candidate.strict_macro_f1 - self.current.strict_macro_f1

    def to_dict(self) -> dict[str, Any]:
        """The decision as recorded in the candidate's model card."""
        out: dict[str, Any] = {
            "gate": "strict macro-F1 on the held-out photos (missed and undetermined "
            f"feet count as wrong), promoted when ahead by at least {self.margin}",
            "holdout_manifests": self.holdout,
            "candidate": self.candidate.to_dict(),
            "in_service": self.current.to_dict() if self.current is not None else None,
            "promoted": self.promote,
            "reason": self.reason,
        }
        if self.difference is not None:
            out["difference"] = round(self.difference, 4)
        if self.difference_interval is not None:
            out["difference_95ci"] = [round(x, 4) for x in self.difference_interval]
        return out


def decide(
    candidate: ModelScore, current: ModelScore | None, *, margin: float = PROMOTION_MARGIN
) -> tuple[bool, str]:
    """The gate: (promote?, the reason in one sentence)."""
    if current is None:
        return True, (
            f"promoted {candidate.version}: there is no model in service yet "
            f"(held-out strict macro-F1 {candidate.strict_macro_f1:.3f})."
        )
    feet = len(candidate.feet)
    figures = (
        f"{candidate.version} scores {candidate.strict_macro_f1:.3f} and {current.version} "
        f"(in service) scores {current.strict_macro_f1:.3f} strict macro-F1 on the same "
        f"{feet} held-out feet"
    )
    if candidate.strict_macro_f1 >= current.strict_macro_f1 + margin:
        return True, f"promoted {candidate.version}: {figures}."
    return False, (f"not promoted: {figures}; a new model must be ahead by at least {margin:.3f}.")


def current_version(store: Path) -> str | None:
    """The version ``CURRENT`` names in a model store, or None for an empty store."""
    current = Path(store) / CURRENT_FILE
    if not current.exists():
        return None
    return current.read_text().strip() or None


def compare(
    candidate_dir: Path,
    store: Path,
    holdout: Sequence[Path],
    *,
    margin: float = PROMOTION_MARGIN,
    workers: int | None = None,
    progress: bool = True,
    holdout_names: Sequence[str] | None = None,
) -> PromotionDecision:
    """Score the candidate and the model in service on the same held-out manifests.

    ``holdout_names`` describes the held-out data in the model card when the manifests
    themselves are temporary.

    Raises
    ------
    ModelArtifactError
        The store names a version that cannot be loaded.
    """
    if not holdout:
        raise ValueError("promotion needs held-out manifests to compare the models on")
    candidate = score_model(candidate_dir, holdout, workers=workers, progress=progress)
    version = current_version(store)
    current = None
    if version is not None:
        # A concrete version directory, never the store itself: the evaluation caches
        # analysers by path, and CURRENT may change within one process.
        current = score_model(Path(store) / version, holdout, workers=workers, progress=progress)
    promote_it, reason = decide(candidate, current, margin=margin)
    interval = None
    if current is not None and candidate.feet:
        interval = paired_difference_interval(candidate.feet, current.feet)
    return PromotionDecision(
        promote=promote_it,
        reason=reason,
        candidate=candidate,
        current=current,
        margin=margin,
        holdout=list(holdout_names or [str(Path(h)) for h in holdout]),
        difference_interval=interval,
    )


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be synced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_current(store: Path, version: str) -> None:
    """Point ``CURRENT`` at ``version`` atomically: a reader sees the old name or the new."""
    store = Path(store)
    if not (store / version / ARTIFACT_FILE).exists():
        raise ModelArtifactError(f"{store / version} holds no {ARTIFACT_FILE}: nothing to serve.")
    fd, tmp = tempfile.mkstemp(prefix=f".{CURRENT_FILE}.", dir=store)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(version + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, store / CURRENT_FILE)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(store)


def promote(candidate_dir: Path, store: Path) -> Path:
    """Copy the candidate artifact into the store as its version and make it current.

    The version directory is written under a temporary name and renamed into place, then
    ``CURRENT`` is replaced atomically, so a service starting meanwhile loads either the
    old model or the complete new one. Versions are immutable: an existing version
    directory with other content is an error.

    Returns
    -------
    Path
        The version directory in the store.
    """
    candidate_dir, store = Path(candidate_dir), Path(store)
    if (store / ARTIFACT_FILE).exists():
        raise ValueError(
            f"{store} is a single artifact, not a model store: promote into a directory of "
            f"versions with a {CURRENT_FILE} file (an empty directory starts one)."
        )
    card = json.loads((candidate_dir / CARD_FILE).read_text())
    version = str(card["version"])
    store.mkdir(parents=True, exist_ok=True)
    target = store / version
    if target.exists():
        same = all(
            (target / name).exists() and _digest(target / name) == _digest(candidate_dir / name)
            for name in (ARTIFACT_FILE, CARD_FILE)
        )
        if not same:
            raise ValueError(
                f"version {version} already exists in {store} with other content; "
                "versions are immutable, train again for a new version."
            )
    else:
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=store))
        try:
            for name in (ARTIFACT_FILE, CARD_FILE):
                shutil.copy2(candidate_dir / name, staging / name)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_dir(store)
    write_current(store, version)
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record_decision(candidate_dir: Path, decision: PromotionDecision) -> dict[str, Any]:
    """Add the held-out comparison to the candidate's model card; returns the card."""
    path = Path(candidate_dir) / CARD_FILE
    card = json.loads(path.read_text())
    card["promotion"] = decision.to_dict()
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return dict(card)


def split_holdout(
    manifests: Sequence[Path],
    out_dir: Path,
    *,
    fraction: float = HOLDOUT_FRACTION,
    seed: int = 0,
) -> tuple[Path, Path]:
    """Split manifests into a training and a held-out manifest by photo group.

    Groups are the ``subject`` column where present, else the photo, so both feet of a
    photo and all photos of a subject land on the same side; the split is stratified by
    each group's first label. ``file`` paths are written absolute, so the two manifests
    may live anywhere.

    Returns
    -------
    (train manifest, held-out manifest)
    """
    if not 0 < fraction < 1:
        raise ValueError("fraction must be between 0 and 1")
    rows: list[dict[str, str]] = []
    columns: list[str] = []
    for manifest in manifests:
        manifest = Path(manifest)
        with manifest.open(newline="") as fh:
            reader = csv.DictReader(fh)
            columns += [c for c in reader.fieldnames or [] if c not in columns]
            for row in reader:
                row["file"] = str((manifest.parent / row["file"]).resolve())
                rows.append(row)
    groups = [row.get("subject") or row["file"] for row in rows]
    first_label: dict[str, str] = {}
    for group, row in zip(groups, rows, strict=True):
        first_label.setdefault(group, row["label"] or row["view"])
    keys = sorted(first_label)
    n_splits = max(2, round(1 / fraction))
    if len(keys) < n_splits:
        raise ValueError(f"{len(keys)} photo groups are too few to hold out {fraction:.0%}")
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with _quiet_sklearn():
        _, held = next(splitter.split(keys, [first_label[k] for k in keys], groups=keys))
    held_groups = {keys[i] for i in held}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = out_dir / "train.csv", out_dir / "holdout.csv"
    for path, keep in zip(paths, (False, True), strict=True):
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for group, row in zip(groups, rows, strict=True):
                if (group in held_groups) == keep:
                    writer.writerow(row)
    return paths


@contextlib.contextmanager
def _quiet_sklearn() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        # A class with fewer groups than folds is expected in small sets.
        warnings.simplefilter("ignore", UserWarning)
        yield


def base_model(store: Path) -> ModelBundle | None:
    """The model whose pixel models (segmenter, imprint) a retrained candidate reuses.

    The model in service of ``store``, else the shipped one; None when neither loads
    (then both are trained afresh on rendered photos).
    """
    for path in (Path(store), SHIPPED_DIR):
        if current_version(path) is None and not (path / ARTIFACT_FILE).exists():
            continue
        try:
            return load_bundle(path)
        except ModelArtifactError:
            continue
    return None


def train_and_promote(
    manifests: Sequence[Path],
    *,
    store: Path,
    out: Path,
    holdout: Sequence[Path] = (),
    seed: int = 0,
    cache_dir: Path | None = None,
    workers: int | None = None,
    margin: float = PROMOTION_MARGIN,
    family: str = "hgb",
    progress: bool = True,
) -> PromotionDecision:
    """Train a candidate, compare it with the model in service, promote it if better.

    Without ``holdout`` manifests, :data:`HOLDOUT_FRACTION` of the photo groups of
    ``manifests`` is held out (and not trained on). The candidate reuses the segmenter and
    the imprint model of the model in service (see :func:`base_model`): clinic photos
    carry no masks to learn them from, and the comparison is then about what was retrained. The
    candidate is written to ``out`` with the decision in its model card either way.
    """
    from threadpoolctl import threadpool_limits

    from model.training import SEGMENTER_PHOTOS, train

    base = base_model(store)
    # The trees are fitted one after the other on a few thousand rows: OpenMP threads
    # gain little there, and on a busy machine their spin-waits make fits many times
    # slower. The process pools of extraction and evaluation already use every core.
    with (
        threadpool_limits(1, user_api="openmp"),
        tempfile.TemporaryDirectory(prefix="solescan-split-") as tmp,
    ):
        if holdout:
            train_on, held = list(manifests), list(holdout)
        else:
            train_manifest, held_manifest = split_holdout(manifests, Path(tmp), seed=seed)
            train_on, held = [train_manifest], [held_manifest]
        bundle = train(
            train_on,
            seed=seed,
            cache_dir=cache_dir,
            workers=workers,
            progress=progress,
            segmenter_photos=0 if base is not None else SEGMENTER_PHOTOS,
            base=base,
            family=family,
        )
        if not holdout:
            bundle.card["training_data"]["holdout"] = {
                "split_from": [str(m) for m in manifests],
                "fraction": HOLDOUT_FRACTION,
                "seed": seed,
                "held_out_rows": _count_rows(held[0]),
            }
        save_bundle(bundle, out)
        decision = compare(
            out,
            store,
            held,
            margin=margin,
            workers=workers,
            progress=progress,
            # The temporary split manifests vanish; the card says what they came from.
            holdout_names=None if holdout else ["held-out split of the training manifests"],
        )
    record_decision(out, decision)
    if decision.promote:
        promote(out, store)
    return decision


def _count_rows(manifest: Path) -> dict[str, int]:
    with Path(manifest).open(newline="") as fh:
        labels = Counter(row["label"] or "none" for row in csv.DictReader(fh))
    return dict(sorted(labels.items()))


def report(decision: PromotionDecision, *, out: TextIO | None = None) -> None:
    """Print the comparison: per-view figures of both models and the decision."""
    out = out or sys.stdout
    rows = [("candidate", decision.candidate)]
    if decision.current is not None:
        rows.append(("in service", decision.current))
    print(f"{'model':<12} {'version':<22} {'strict macro-F1':>16}  per view", file=out)
    for name, score in rows:
        views = ", ".join(
            f"{view} {figures['macro_f1']:.3f} ({figures['feet']} feet)"
            for view, figures in score.summary["per_view"].items()
        )
        print(f"{name:<12} {score.version:<22} {score.strict_macro_f1:>16.3f}  {views}", file=out)
    print(decision.reason, file=out)


def promote_command(
    *,
    manifests: Sequence[Path],
    out: Path,
    store: Path,
    holdout: Sequence[Path] = (),
    seed: int = 0,
    cache_dir: Path | None = None,
    workers: int | None = None,
    family: str = "hgb",
) -> int:
    """``solescan train --promote STORE``: train, compare, promote if better, say why."""
    from model.training import cross_validated_summary

    try:
        decision = train_and_promote(
            manifests,
            store=store,
            out=out,
            holdout=holdout,
            seed=seed,
            cache_dir=cache_dir,
            workers=workers,
            family=family,
        )
    except (ModelArtifactError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    summary = cross_validated_summary(json.loads((out / CARD_FILE).read_text())["metrics"])
    print(f"trained {decision.candidate.version}: {summary}; written to {out}")
    report(decision)
    if decision.promote:
        print(f"{store / CURRENT_FILE} now names {decision.candidate.version}.")
    return 0
