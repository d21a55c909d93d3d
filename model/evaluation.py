"""Evaluate a model end to end on a labeled manifest: the whole ``analyze`` path per photo.

Used by the accuracy benchmark, the notebooks and the promotion gate, so every figure
about the product's accuracy comes from the same code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from sklearn.metrics import f1_score
from tqdm import tqdm

from model.footshape import LABELS, VIEWS
from model.imprint import mask_in_frame
from model.parallel import worker_pool
from model.training import MATCH_DISTANCE, LabeledFoot, LabeledPhoto, read_manifests

if TYPE_CHECKING:
    from model.analyze import AnalysisResult, FootResult
    from model.synth.render import RenderedPhoto


@dataclass(frozen=True)
class FootOutcome:
    """One labeled foot and what the analysis said about it."""

    photo: str
    view: str
    label: str
    side: str
    predicted_label: str | None  # None: the foot was not found
    predicted_side: str | None
    confidence: float | None
    probabilities: dict[str, float] | None
    lighting: str | None = None  # as the manifest says, where it does


@dataclass(frozen=True)
class PhotoOutcome:
    """One photo: labeled feet count, found feet count, rejection."""

    photo: str
    view: str
    n_feet: int
    n_found: int
    rejected: bool
    reject_code: str | None
    detected_view: str | None


def _missed(photo: LabeledPhoto, foot: LabeledFoot) -> FootOutcome:
    """A labeled foot the analysis did not find (or a foot of a rejected photo)."""
    return FootOutcome(
        str(photo.path), photo.view, foot.label, foot.side, None, None, None, None, photo.lighting
    )


def _analyze_photo(
    args: tuple[LabeledPhoto, Path | None, str | None],
) -> tuple[PhotoOutcome, list[FootOutcome]]:
    photo, model_path, view = args
    from model.errors import NoSoleFound, SolescanError

    analyzer = _cached_analyzer(model_path)
    data = photo.path.read_bytes()
    feet_out: list[FootOutcome] = []
    try:
        given = view if view else "auto"
        result = analyzer.analyze(data, view=given)
    except SolescanError as exc:
        reason = exc.reason if isinstance(exc, NoSoleFound) else exc.code
        for foot in photo.feet:
            feet_out.append(_missed(photo, foot))
        return (
            PhotoOutcome(str(photo.path), photo.view, len(photo.feet), 0, True, reason, None),
            feet_out,
        )
    found = list(result.feet)
    used: set[int] = set()
    for foot in photo.feet:
        best, best_d = None, float("inf")
        for i, f in enumerate(found):
            if i in used:
                continue
            d = float(np.hypot(f.center[0] - foot.center[0], f.center[1] - foot.center[1]))
            if d < MATCH_DISTANCE * (foot.length_px or 1e9) and d < best_d:
                best, best_d = i, d
        if best is None:
            feet_out.append(_missed(photo, foot))
            continue
        used.add(best)
        f = found[best]
        feet_out.append(
            FootOutcome(
                str(photo.path),
                photo.view,
                foot.label,
                foot.side,
                f.label,
                f.side,
                f.confidence,
                f.probabilities,
                photo.lighting,
            )
        )
    return (
        PhotoOutcome(
            str(photo.path), photo.view, len(photo.feet), len(found), False, None, result.view
        ),
        feet_out,
    )


@dataclass(frozen=True)
class FoundInsole:
    """A rendered insole the analysis found, with its true imprint."""

    row: dict[str, Any]  # the renderer's manifest row
    foot: FootResult
    truth: np.ndarray  # the renderer's imprint in the foot's canonical frame (bool)


def found_insoles(rendered: RenderedPhoto, result: AnalysisResult) -> list[FoundInsole]:
    """The insoles of a photo rendered with masks that its analysis found: exactly one
    foot within MATCH_DISTANCE of a foot's length of the labeled centre (as the
    evaluation matches feet), each with the renderer's imprint mapped into that foot's
    frame."""
    if rendered.imprints is None:
        raise ValueError("found_insoles needs a photo rendered with with_masks=True")
    found = []
    for row, pressed in zip(rendered.rows, rendered.imprints, strict=True):
        near = [
            foot
            for foot in result.feet
            if np.hypot(foot.center[0] - row["center_x"], foot.center[1] - row["center_y"])
            < MATCH_DISTANCE * row["length_px"]
        ]
        if len(near) == 1:
            truth = mask_in_frame(pressed, result.photo.image.shape, near[0].located.frame)
            found.append(FoundInsole(row=row, foot=near[0], truth=truth))
    return found


def outline_turned_back(
    contour: np.ndarray, turn: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """An outline found in a turned copy of a picture (``contour``, the copy's pixels),
    carried back onto the picture by undoing ``turn`` (the 2 x 3 affine map that made the
    copy) and filled: a bool mask of ``shape``, to compare with the picture's own."""
    back = cv2.invertAffineTransform(turn)
    points = np.asarray(contour, np.float64) @ back[:, :2].T + back[:, 2]
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


_ANALYZERS: dict[str, Any] = {}


def _cached_analyzer(model_path: Path | None) -> Any:
    from model.analyze import load_analyzer

    key = str(model_path)
    if key not in _ANALYZERS:
        _ANALYZERS[key] = load_analyzer(model_path)
    return _ANALYZERS[key]


def _init_worker() -> None:
    from model.analyze import use_one_thread

    use_one_thread()


def run(
    manifests: Sequence[Path],
    *,
    model_path: Path | None = None,
    view: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[list[PhotoOutcome], list[FootOutcome]]:
    """Analyse every photo of the manifests; ``view=None`` lets the model decide (auto)."""
    photos = read_manifests(manifests)
    jobs = [(p, model_path, view) for p in photos]
    workers = workers or os.cpu_count() or 1
    photo_out: list[PhotoOutcome] = []
    feet_out: list[FootOutcome] = []
    bar = tqdm(total=len(jobs), desc="analyse", unit="photo", disable=not progress)
    if workers == 1:
        results = map(_analyze_photo, jobs)
        for p, f in results:
            photo_out.append(p)
            feet_out.extend(f)
            bar.update()
    else:
        with worker_pool(workers, _init_worker) as pool:
            for p, f in pool.map(_analyze_photo, jobs, chunksize=4):
                photo_out.append(p)
                feet_out.extend(f)
                bar.update()
    bar.close()
    return photo_out, feet_out


def summarize(photos: Sequence[PhotoOutcome], feet: Sequence[FootOutcome]) -> dict[str, Any]:
    """The figures the product is judged by, overall and per view.

    ``macro_f1`` counts every labeled foot: a foot that was missed or called undetermined
    counts as wrong. ``macro_f1_determined`` counts only the feet given a class, and
    ``coverage`` says what share those are.
    """
    report: dict[str, Any] = {"per_view": {}}
    for view in VIEWS:
        vf = [f for f in feet if f.view == view]
        if not vf:
            continue
        y = np.array([f.label for f in vf])
        pred = np.array([f.predicted_label or "missed" for f in vf])
        determined = np.isin(pred, LABELS)
        report["per_view"][view] = {
            "feet": len(vf),
            "macro_f1": float(
                f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0)
            ),
            "macro_f1_determined": float(
                f1_score(
                    y[determined],
                    pred[determined],
                    labels=list(LABELS),
                    average="macro",
                    zero_division=0,
                )
            )
            if determined.any()
            else 0.0,
            "coverage": float(determined.mean()),
            "found": float(np.mean([f.predicted_label is not None for f in vf])),
        }
    sided = [f for f in feet if f.predicted_side is not None]
    report["side_accuracy"] = (
        float(np.mean([f.predicted_side == f.side for f in sided])) if sided else 0.0
    )
    positives = [p for p in photos if p.view != "negative"]
    negatives = [p for p in photos if p.view == "negative"]
    report["feet_count_accuracy"] = (
        float(np.mean([p.n_found == p.n_feet for p in positives])) if positives else 0.0
    )
    report["negatives_rejected"] = (
        float(np.mean([p.rejected for p in negatives])) if negatives else None
    )
    report["positives_rejected"] = (
        float(np.mean([p.rejected for p in positives])) if positives else 0.0
    )
    viewed = [p for p in positives if p.detected_view is not None]
    report["view_accuracy"] = (
        float(np.mean([p.detected_view == p.view for p in viewed])) if viewed else 0.0
    )
    report["by_lighting"] = label_correct_by_lighting(feet)
    report["photos"] = len(photos)
    report["feet"] = len(feet)
    return report


def label_correct_by_lighting(feet: Sequence[FootOutcome]) -> dict[str, dict[str, Any]]:
    """Per lighting the manifests name, and per view under it: how many labeled feet,
    and the share given their true class (missed and undetermined count as wrong, as in
    ``macro_f1``). Feet whose lighting is not known are left out.

    Wear is read from tread contrast and insole shade, which uneven light changes too;
    this says which light costs the most.
    """
    out: dict[str, dict[str, Any]] = {}
    for lighting in sorted({f.lighting for f in feet if f.lighting is not None}):
        under = [f for f in feet if f.lighting == lighting]
        out[lighting] = {"feet": len(under), "label_correct": _share_correct(under)}
        for view in VIEWS:
            seen = [f for f in under if f.view == view]
            if seen:
                out[lighting][view] = {"feet": len(seen), "label_correct": _share_correct(seen)}
    return out


def _share_correct(feet: Sequence[FootOutcome]) -> float:
    return float(np.mean([f.predicted_label == f.label for f in feet]))


def foreign_sample_images() -> list[tuple[str, bytes]]:
    """Photos nobody here made: every sample image scikit-learn and scikit-image ship.

    Returned as encoded bytes (JPEG for scikit-learn's photos, PNG for scikit-image's),
    named ``library:name``. scikit-image's datasets that need a download are skipped.
    """
    import cv2
    import skimage.data
    from sklearn.datasets import load_sample_images

    out: list[tuple[str, bytes]] = []
    sk = load_sample_images()
    for name, image in zip(sk.filenames, sk.images, strict=True):
        _, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        out.append((f"sklearn:{Path(name).name}", bytes(buf)))
    not_images = {"download_all", "data_dir", "file_hash", "lbp_frontal_face_cascade_filename"}
    for name in skimage.data.__all__:
        if name in not_images:
            continue
        try:
            image = getattr(skimage.data, name)()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            # The dataset needs a download, which is not possible here; under pytest
            # scikit-image signals that with a skip (a BaseException), not an error.
            continue
        if not isinstance(image, np.ndarray):
            continue
        if image.ndim == 3 and image.shape[2] not in (3, 4):
            continue  # a stack of images (lfw_subset), not a photo
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.dtype != np.uint8:
            span = max(float(np.ptp(image)), 1e-9)
            image = (255 * (image.astype(np.float64) - image.min()) / span).astype(np.uint8)
        if image.ndim == 3:
            image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2BGR)
        _, buf = cv2.imencode(".png", image)
        out.append((f"skimage:{name}", bytes(buf)))
    return out


def clinician_answer(
    found: list[dict[str, Any]], truth: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], int] | None:
    """What a clinician who knows the truth answers for an analysis's found feet.

    Per found foot (in the API result's ``feet``) its true label, and its true side when
    the detected one is wrong; the count of such side corrections. None when a found
    object is not exactly one labeled foot (the clinician would not label that photo).
    """
    answer, corrected = [], 0
    for index, foot in enumerate(found):
        cx, cy = foot["center"]
        near = [
            t
            for t in truth
            if t["label"] not in ("", "none")
            and np.hypot(cx - float(t["center_x"]), cy - float(t["center_y"]))
            < MATCH_DISTANCE * float(t["length_px"])
        ]
        if len(near) != 1:
            return None
        item: dict[str, Any] = {"index": index, "label": near[0]["label"]}
        if foot["side"] != near[0]["side"]:
            item["side"] = near[0]["side"]
            corrected += 1
        answer.append(item)
    return answer, corrected
