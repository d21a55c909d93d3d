"""Train the models from labeled manifests (synthetic corpora and clinic exports alike).

One code path for ``solescan train`` and the retraining notebook: read manifests, extract
features photo by photo (in parallel, with a progress bar and an on-disk cache keyed by
the photo's content and the feature code version), match located objects to labeled
feet, cross-validate with groups (both feet of a photo, and all photos of a subject, stay
on one side of a split), fit, and write the artifact with its model card.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import os
import platform
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from model.classifier import (
    CALIBRATION_FOLDS,
    FAMILIAR_QUANTILE,
    PRONATION_FAMILIES,
    ModelBundle,
    build_imprint_model,
    build_orientation_model,
    build_pronation_model,
    build_shoe_top_model,
    build_sole_model,
    build_view_model,
    fill_empty_columns,
    fit_familiarity,
    save_bundle,
    within_familiarity,
)
from model.errors import SolescanError
from model.features import (
    FEATURE_VERSION,
    OBJECT_FEATURES,
    PRONATION_FEATURES,
    VIEW_FEATURES,
    object_vector,
    pronation_vector,
    surround_features,
    view_vector,
    wear_metrics,
)
from model.footshape import LABELS, VIEWS
from model.imprint import IMPRINT_FEATURES, imprint_features, mask_in_frame
from model.locate import (
    ORIENTATION_FEATURES,
    FootFrame,
    PixelModel,
    Turn,
    orientation_vector,
    turn_probabilities,
    turned_orientation_vector,
)
from model.parallel import worker_pool

if TYPE_CHECKING:
    from model.analyze import LocatedObject
    from model.imaging import DecodedPhoto

# A located object is the labeled foot when its centre lies this close to the labeled
# centre, in foot lengths.
MATCH_DISTANCE = 0.25
# Rendered photos the segmenter learns from when one is trained (the shipped model's
# recipe: most of a 27-minute training run on this 2-core machine). On the tuning corpora
# 1,200 gave far better outlines than 200 (600 about half that gain), and 2,000 better
# insole outlines again: insole macro-F1 0.836 and 0.842 against 0.805 and 0.790.
SEGMENTER_PHOTOS = 2000
# Rendered insole photos the imprint model learns from (after the segmenter, which finds
# their insoles). 1,200 against 400, with the same segmenter (bench/bench_imprint.py, 162
# insoles): arch index in its class's range for 97.5% of insoles against 94.4%, p90 error
# 0.026 against 0.031, imprint IoU 0.950 against 0.943; about three times the training
# time (710 s here, with other jobs running). 2,400 gained nothing more: 97.5%, p90
# 0.025, IoU 0.955.
IMPRINT_PHOTOS = 1200
# Pixels of each rendered insole the imprint model learns from (about a thirtieth of it).
IMPRINT_PIXELS_PER_INSOLE = 1500
# A phone exposes for the whole scene: an insole on white paper comes out dim, one on a
# dark floor bright. Among the imprint model's inputs is the foam's shade (its cue for dark
# foam, where the foot leaves a lighter sheen, not a darker mark); learned from the
# renderer's exposures alone (within 15%), it read light foam at half exposure as dark
# foam, the imprint as larger, and underpronating insoles as overpronating (29% of the
# insoles given a class at half exposure wrong, against 1% unspoiled). Half the insoles it
# learns from are shown to it exposed by a factor drawn log-uniformly from this range.
IMPRINT_EXPOSURE_RANGE = (0.4, 1.8)
# An unmatched object closer than this (in foot lengths) to a labeled foot, with an area
# in this range (in squared foot lengths; a whole sole is 0.2 to 0.5, a merged pair more,
# a fragment less), is a second outline of that foot (see _second_outline_of_a_foot).
SECOND_OUTLINE_DISTANCE = 0.6
SECOND_OUTLINE_AREA = (0.12, 0.45)

# The orientation model holds a tenth of its rows out to know when to stop (early
# stopping, classifier.build_orientation_model); with four rows a foot, one for each
# turn, that tenth holds every turn only from this many feet up (4 of 32 rows).
ORIENTATION_MIN_FEET = 8
# The negative_kind of a manifest's photos of the top of a shoe (model.synth renders them).
TOP_OF_SHOE = "top_of_shoe"
# Objects of a top-of-shoe photo, and feet, the shoe-top model needs at least of each to
# learn from (its cross-validation holds a fifth of each out).
SHOE_TOP_MIN_ROWS = 5
# Every result gives each class a probability, so the pronation model must learn all
# three; its calibrator splits each class's feet into CALIBRATION_FOLDS folds, so it needs
# at least that many feet of each.
PRONATION_MIN_FEET = CALIBRATION_FOLDS


@dataclass(frozen=True)
class LabeledFoot:
    """One labeled foot of a manifest row."""

    side: str
    label: str
    center: tuple[float, float]
    length_px: float
    # Back of the heel and tip of the toe in the photo's pixels, where the manifest has
    # them (synthetic corpora do; a clinic export does not).
    heel: tuple[float, float] | None = None
    toe: tuple[float, float] | None = None


@dataclass(frozen=True)
class LabeledPhoto:
    """A photo of a manifest with its labeled feet (none for a negative photo)."""

    path: Path
    view: str
    feet: tuple[LabeledFoot, ...]
    group: str
    # The light the photo was taken in, where the manifest says (synthetic corpora do):
    # the evaluation breaks accuracy down by it.
    lighting: str | None = None
    # What a negative photo shows, where the manifest says (synthetic corpora do:
    # top_of_shoe, floor, clutter): photos of the top of a shoe teach the shoe-top model.
    negative_kind: str | None = None

    @property
    def negative(self) -> bool:
        return self.view == "negative"


def read_manifests(paths: Iterable[Path]) -> list[LabeledPhoto]:
    """Photos of one or more manifests (CSV, one row per foot; see data/README.md)."""
    photos: dict[Path, dict[str, Any]] = {}
    for manifest in paths:
        manifest = Path(manifest)
        with manifest.open(newline="") as fh:
            for row in csv.DictReader(fh):
                path = (manifest.parent / row["file"]).resolve()
                entry = photos.setdefault(
                    path,
                    {
                        "view": row["view"],
                        "feet": [],
                        # A subject's photos must stay on one side of a split; synthetic
                        # photos are their own subject.
                        "group": row.get("subject") or str(path),
                        "lighting": row.get("lighting") or None,
                        "negative_kind": row.get("negative_kind") or None,
                    },
                )
                if row["view"] != "negative" and row.get("label") not in ("", "none", None):
                    entry["feet"].append(
                        LabeledFoot(
                            side=row["side"],
                            label=row["label"],
                            center=(float(row["center_x"]), float(row["center_y"])),
                            length_px=float(row.get("length_px") or 0.0),
                            heel=_point(row, "heel"),
                            toe=_point(row, "toe"),
                        )
                    )
    return [
        LabeledPhoto(
            path=p,
            view=e["view"],
            feet=tuple(e["feet"]),
            group=e["group"],
            lighting=e["lighting"],
            negative_kind=e["negative_kind"],
        )
        for p, e in photos.items()
    ]


def _point(row: dict[str, str], name: str) -> tuple[float, float] | None:
    x, y = row.get(f"{name}_x"), row.get(f"{name}_y")
    return (float(x), float(y)) if x and y else None


@dataclass
class PhotoFeatures:
    """What extraction measured on one photo (cached on disk)."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def extract_photo(
    photo: LabeledPhoto, pixel_model: PixelModel, imprint_model: PixelModel
) -> PhotoFeatures:
    """Locate objects in a labeled photo and measure them (the serving feature path)."""
    from model.analyze import locate_objects
    from model.imaging import decode

    try:
        decoded = decode(photo.path.read_bytes())
    except SolescanError as exc:
        return PhotoFeatures(error=exc.code)
    out = PhotoFeatures()
    for obj in locate_objects(decoded, pixel_model):
        cx, cy = obj.centroid
        record: dict[str, Any] = {
            "center": [cx / decoded.scale, cy / decoded.scale],
            "area_px": obj.candidate.mask_area / decoded.scale**2,
            "object": obj.features,
            "surround": surround_features(decoded.image, obj.candidate, obj.frame.length_px),
            "side_detected": (
                None if photo.negative else obj.frame.side(photo.view)  # type: ignore[arg-type]
            ),
            # The outline as found: the orientation model learns it turned each way.
            "orientation": orientation_vector(obj.frame.mask, obj.canonical).tolist(),
            "orientation_truth": None,
        }
        if not photo.negative:
            foot = _nearest_foot(photo, record["center"])
            if foot is not None:
                # Measure each labeled foot the way round the manifest says: a frame the
                # outline got wrong would otherwise teach the model misplaced wear.
                truth = _true_turn(obj.frame, foot, photo.view, decoded.scale)
                if truth is not None and photo.view == "print":
                    record.update(_ink_orientation(obj, foot, decoded))
                if truth is None:
                    obj = obj.facing(foot.side, photo.view)  # type: ignore[arg-type]
                else:
                    obj = obj.turned(truth, side_confidence=1.0)
                    record["orientation_truth"] = int(truth)
            obj = obj.outlined_as(photo.view, decoded.image)  # type: ignore[arg-type]
            measurement = wear_metrics(
                obj.canonical,
                obj.frame,
                view=photo.view,  # type: ignore[arg-type]
                length_original_px=obj.frame.length_px / decoded.scale,
                imprint_model=imprint_model,
            )
            record["metrics"] = measurement.metrics
            record["layout"] = measurement.layout
        out.objects.append(record)
    return out


def _ink_orientation(obj: LocatedObject, foot: LabeledFoot, photo: DecodedPhoto) -> dict[str, Any]:
    """A print's outline by its own ink, as the orientation model reads it, with the turn
    that puts it right; nothing where the ink gives no outline of its own.

    Analysis orients a print in this outline and the segmenter's together
    (``Analyzer._orient``), so the orientation model learns both outlines of it.
    """
    inked = obj.outlined_as("print", photo.image)
    truth = _true_turn(inked.frame, foot, "print", photo.scale)
    if inked is obj or truth is None:
        return {}
    return {
        "orientation_ink": orientation_vector(inked.frame.mask, inked.canonical).tolist(),
        "orientation_ink_truth": int(truth),
    }


def _true_turn(frame: FootFrame, foot: LabeledFoot, view: str, scale: float) -> Turn | None:
    """The turn that puts ``frame`` the way the labeled foot lies (None: unknown)."""
    if foot.heel is None or foot.toe is None:
        return None
    toe_end = frame.toe_and_heel()[0] / scale
    swaps_ends = bool(np.hypot(*(toe_end - foot.heel)) < np.hypot(*(toe_end - foot.toe)))
    changes_side = frame.side(view) != foot.side  # type: ignore[arg-type]
    # A flip of the ends changes the side by itself; a mirror is needed when it is not
    # the change wanted.
    swaps_sides = changes_side != swaps_ends
    return Turn(int(swaps_sides) + 2 * int(swaps_ends))


def _nearest_foot(photo: LabeledPhoto, center: Sequence[float]) -> LabeledFoot | None:
    index = _match(photo, center, set())
    return None if index is None else photo.feet[index]


# What extract_photo records of an object, beyond the features of FEATURE_VERSION:
# 2 added a print's ink outline for the orientation model. Part of the cache key.
RECORD_VERSION = 2


def _cache_key(photo: LabeledPhoto, models_key: str) -> str:
    digest = hashlib.sha256(photo.path.read_bytes()).hexdigest()
    # Features depend on the photo, the feature code, the segmenter that found the
    # objects and the imprint model that outlined insole imprints; the key names all.
    return f"{digest}-v{FEATURE_VERSION}-r{RECORD_VERSION}-{models_key[:12]}-{photo.view}"


def model_digest(model: Any) -> str:
    """A content digest of a fitted model, the same in every process and on every run.

    From its skops serialisation, but not of the archive's bytes: skops names each array
    file and object after its memory address (``__id__``), and a zip archive stamps each
    file with the time it was written. Arrays count by their contents, objects by their
    order in the schema, so the same model keys the feature cache the same way each time.
    """
    import skops.io as sio

    with zipfile.ZipFile(io.BytesIO(sio.dumps(model))) as archive:
        schema = json.loads(archive.read("schema.json"))
        arrays = {
            name: hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if name != "schema.json"
        }
    addresses: dict[int, int] = {}

    def canonical(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key in sorted(node):
                if key == "__id__":
                    out[key] = addresses.setdefault(node[key], len(addresses))
                elif key == "file" and node[key] in arrays:
                    out[key] = arrays[node[key]]
                else:
                    out[key] = canonical(node[key])
            return out
        if isinstance(node, list):
            return [canonical(item) for item in node]
        return node

    text = json.dumps(canonical(schema), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# The pixel-level models of a worker process, set once by _init_worker.
_WORKER_MODELS: dict[str, Any] = {}


def _extract_cached(args: tuple[LabeledPhoto, Path | None, str]) -> PhotoFeatures:
    photo, cache_dir, models_key = args
    models = (_WORKER_MODELS["pixels"], _WORKER_MODELS["imprint"])
    if cache_dir is None:
        return extract_photo(photo, *models)
    path = cache_dir / f"{_cache_key(photo, models_key)}.json"
    if path.exists():
        data = json.loads(path.read_text())
        return PhotoFeatures(objects=data["objects"], error=data["error"])
    result = extract_photo(photo, *models)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"objects": result.objects, "error": result.error}))
    tmp.replace(path)
    return result


def _init_worker(pixel_model: Any = None, imprint_model: Any = None) -> None:
    # One process per core already uses every core; threads inside would oversubscribe.
    from model.analyze import use_one_thread

    use_one_thread()
    _WORKER_MODELS["pixels"] = pixel_model
    _WORKER_MODELS["imprint"] = imprint_model


def extract_all(
    photos: Sequence[LabeledPhoto],
    pixel_model: Any,
    imprint_model: Any,
    *,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> list[PhotoFeatures]:
    """Features of every photo, in order, in parallel over cores."""
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    models_key = hashlib.sha256(
        (model_digest(pixel_model) + model_digest(imprint_model)).encode()
    ).hexdigest()
    jobs = [(p, cache_dir, models_key) for p in photos]
    bar = tqdm(total=len(jobs), desc="features", unit="photo", disable=not progress)
    results: list[PhotoFeatures] = []
    if workers == 1:
        _WORKER_MODELS.update(pixels=pixel_model, imprint=imprint_model)
        for job in jobs:
            results.append(_extract_cached(job))
            bar.update()
    else:
        with worker_pool(workers, _init_worker, (pixel_model, imprint_model)) as pool:
            for res in pool.map(_extract_cached, jobs, chunksize=4):
                results.append(res)
                bar.update()
    bar.close()
    return results


def _pixel_photo(photo_seed: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Pixel features and sole mask of one freshly rendered photo, at segmentation scale."""
    import cv2

    from model.imaging import decode
    from model.locate import pixel_features, segment_small
    from model.synth.render import render_photo

    rng = np.random.default_rng(photo_seed)
    rendered = render_photo(photo_seed, megapixels=float(rng.uniform(0.6, 2.5)), with_masks=True)
    small, _ = segment_small(decode(rendered.data).image)
    sole = np.zeros(rendered.image.shape[:2], dtype=np.uint8)
    for mask in rendered.masks or []:
        sole |= mask.astype(np.uint8)
    target = (
        cv2.resize(
            sole.astype(np.float32), (small.shape[1], small.shape[0]), interpolation=cv2.INTER_AREA
        ).ravel()
        > 0.5
    )
    return pixel_features(small), target, small.shape[:2]


def _balanced(rng: np.random.Generator, target: np.ndarray, per_class: int) -> np.ndarray:
    fg, bg = np.flatnonzero(target), np.flatnonzero(~target)
    take = [
        rng.choice(idx, size=min(per_class, idx.size), replace=False)
        for idx in (fg, bg)
        if idx.size
    ]
    return np.concatenate(take)


def fit_pixel_model(
    *,
    seed: int,
    photos: int,
    per_photo: int = 1500,
    workers: int | None = None,
    progress: bool = True,
) -> Any:
    """Train the segmenter on pixels of ``photos`` freshly rendered synthetic photos.

    Masks come from the renderer, so the segmenter always learns from synthetic photos,
    also when the rest of the model is retrained on clinic photos.
    """
    from model.classifier import build_pixel_model

    seeds = np.random.SeedSequence([seed, 0x51E]).generate_state(photos).tolist()
    workers = workers or os.cpu_count() or 1
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    with worker_pool(workers, _init_worker) as pool:
        for features, target, _ in tqdm(
            pool.map(_pixel_photo, [int(s) for s in seeds], chunksize=2),
            total=len(seeds),
            desc="segmenter",
            unit="photo",
            disable=not progress,
        ):
            idx = _balanced(rng, target, per_photo)
            xs.append(features[idx])
            ys.append(target[idx])
    return build_pixel_model(seed=seed).fit(np.concatenate(xs), np.concatenate(ys))


def _imprint_photo(photo_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Imprint features and targets of the insoles of one freshly rendered insole photo.

    The insoles are found as analysis finds them (the worker's segmenter, in the frame the
    locator fits), so the model learns from the outlines it will be given; the renderer's
    imprint masks, mapped into each frame, say which pixels the foot pressed.
    """
    from model.analyze import locate_objects
    from model.imaging import decode
    from model.synth.render import render_photo

    rng = np.random.default_rng(photo_seed)
    rendered = render_photo(
        photo_seed, view="insole", megapixels=float(rng.uniform(0.6, 2.5)), with_masks=True
    )
    decoded = decode(rendered.data)
    xs: list[np.ndarray] = [np.zeros((0, len(IMPRINT_FEATURES)), np.float32)]
    ys: list[np.ndarray] = [np.zeros(0, bool)]
    for obj in locate_objects(decoded, _WORKER_MODELS["pixels"]):
        cx, cy = (c / decoded.scale for c in obj.centroid)
        # The labeled insole this outline belongs to: the one under its centre.
        under = [
            i
            for i, sole in enumerate(rendered.masks or [])
            if sole[min(int(cy), sole.shape[0] - 1), min(int(cx), sole.shape[1] - 1)]
        ]
        if len(under) != 1:
            continue
        target = mask_in_frame((rendered.imprints or [])[under[0]], decoded.image.shape, obj.frame)
        canonical = obj.canonical
        if rng.random() < 0.5:
            low, high = np.log(IMPRINT_EXPOSURE_RANGE)
            exposure = float(np.exp(rng.uniform(low, high)))
            canonical = np.clip(canonical * exposure + 0.5, 0, 255).astype(np.uint8)
        features, inner = imprint_features(canonical, obj.frame.mask)
        take = rng.choice(
            len(features), size=min(IMPRINT_PIXELS_PER_INSOLE, len(features)), replace=False
        )
        xs.append(features[take])
        ys.append(target[inner][take])
    return np.concatenate(xs), np.concatenate(ys)


def fit_imprint_model(
    pixel_model: Any,
    *,
    seed: int,
    photos: int,
    workers: int | None = None,
    progress: bool = True,
) -> Any:
    """Train the imprint model on the insoles of ``photos`` freshly rendered insole photos.

    Like the segmenter it always learns from synthetic photos: no clinic photo comes with
    the outline of its imprint.
    """
    seeds = np.random.SeedSequence([seed, 0x1A9]).generate_state(photos).tolist()
    workers = workers or os.cpu_count() or 1
    xs, ys = [], []
    with worker_pool(workers, _init_worker, (pixel_model,)) as pool:
        for features, target in tqdm(
            pool.map(_imprint_photo, [int(s) for s in seeds], chunksize=2),
            total=len(seeds),
            desc="imprint",
            unit="photo",
            disable=not progress,
        ):
            xs.append(features)
            ys.append(target)
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(set(y.tolist())) < 2:
        raise ValueError("The rendered insoles gave no imprint pixels to learn from.")
    return build_imprint_model(seed=seed).fit(x, y)


@dataclass
class TrainingTable:
    """Feature matrices for the three models, with labels and split groups."""

    object_x: np.ndarray
    # The view model's rows of the same objects: object and surround features.
    view_x: np.ndarray
    is_sole: np.ndarray
    object_view: np.ndarray
    object_groups: np.ndarray
    # Whether each object row comes from a photo of the top of a shoe (shoe_top_rows).
    object_top_of_shoe: np.ndarray
    pronation_x: np.ndarray
    pronation_y: np.ndarray
    pronation_view: np.ndarray
    pronation_groups: np.ndarray
    # The orientation model's rows: each labeled foot's outline turned all four ways,
    # labeled with the turn that puts it right (a print's ink outline too);
    # ``orientation_as_found`` marks the rows of the outline as the locator left it, the
    # one the cross-validated figures are of.
    orientation_x: np.ndarray
    orientation_y: np.ndarray
    orientation_groups: np.ndarray
    orientation_as_found: np.ndarray
    # Area of each row's outline in squared foot lengths (a whole sole is 0.25 to 0.35).
    orientation_outline_area: np.ndarray
    summary: dict[str, Any]


def build_table(photos: Sequence[LabeledPhoto], features: Sequence[PhotoFeatures]) -> TrainingTable:
    """Match located objects to labeled feet and assemble the training rows."""
    obj_rows, view_rows, is_sole, obj_view, obj_groups, obj_top = [], [], [], [], [], []
    pro_rows, pro_y, pro_view, pro_groups = [], [], [], []
    ori_rows, ori_y, ori_groups, ori_found, ori_area = [], [], [], [], []
    matched = missed = 0
    left_out = 0
    for photo, feats in zip(photos, features, strict=True):
        used: set[int] = set()
        for record in feats.objects:
            foot_index = _match(photo, record["center"], used)
            if foot_index is None and _second_outline_of_a_foot(photo, record):
                left_out += 1
                continue
            obj_rows.append(object_vector(record["object"]))
            view_rows.append(view_vector(record["object"], record["surround"]))
            is_sole.append(foot_index is not None)
            obj_view.append(photo.view)
            obj_groups.append(photo.group)
            obj_top.append(photo.negative_kind == TOP_OF_SHOE)
            if foot_index is None:
                continue
            used.add(foot_index)
            foot = photo.feet[foot_index]
            pro_rows.append(
                pronation_vector(record["metrics"], record["layout"], photo.view)  # type: ignore[arg-type]
            )
            pro_y.append(foot.label)
            pro_view.append(photo.view)
            pro_groups.append(photo.group)
            area = record["area_px"] / max(foot.length_px, 1.0) ** 2
            outlines = (("orientation", True), ("orientation_ink", False))
            for key, as_found in outlines:
                truth = record.get(f"{key}_truth")
                if truth is None:
                    continue
                for turn in Turn:
                    ori_rows.append(turned_orientation_vector(record[key], turn))
                    ori_y.append(int(Turn(truth).then(turn)))
                    ori_groups.append(photo.group)
                    ori_found.append(as_found and turn == Turn.KEEP)
                    ori_area.append(area)
        matched += len(used)
        missed += len(photo.feet) - len(used)
    views = Counter(p.view for p in photos)
    return TrainingTable(
        object_x=np.array(obj_rows).reshape(-1, len(OBJECT_FEATURES)),
        view_x=np.array(view_rows).reshape(-1, len(VIEW_FEATURES)),
        is_sole=np.array(is_sole, dtype=bool),
        object_view=np.array(obj_view),
        object_groups=np.array(obj_groups),
        object_top_of_shoe=np.array(obj_top, dtype=bool),
        pronation_x=np.array(pro_rows).reshape(-1, len(PRONATION_FEATURES)),
        pronation_y=np.array(pro_y),
        pronation_view=np.array(pro_view),
        pronation_groups=np.array(pro_groups),
        orientation_x=np.array(ori_rows, dtype=np.float64).reshape(-1, ORIENTATION_FEATURES),
        orientation_y=np.array(ori_y, dtype=np.int64),
        orientation_groups=np.array(ori_groups),
        orientation_as_found=np.array(ori_found, dtype=bool),
        orientation_outline_area=np.array(ori_area, dtype=np.float64),
        summary={
            "photos": len(photos),
            "photos_by_view": dict(sorted(views.items())),
            "labeled_feet": matched + missed,
            "feet_located": matched,
            "feet_missed_by_locator": missed,
            "feet_by_label": dict(sorted(Counter(pro_y).items())),
            "top_of_shoe_photos": sum(p.negative_kind == TOP_OF_SHOE for p in photos),
            "objects_left_out_as_second_outlines": left_out,
        },
    )


def _second_outline_of_a_foot(photo: LabeledPhoto, record: dict[str, Any]) -> bool:
    """Whether an object that matched no labeled foot is a sole-sized copy of one.

    The two opinions of the locator can outline one sole twice (overlapping too little to
    be merged), or find a large piece of it. Such an object is neither a sole of its own
    nor "not a sole": taught as "not a sole", it taught the sole model to turn real
    insoles down (21 of 145 on a held-out corpus). It is left out of the sole model's
    rows; at serving time an object overlapping a chosen sole is dropped instead.
    """
    for foot in photo.feet:
        if foot.length_px <= 0:
            continue
        distance = np.hypot(
            record["center"][0] - foot.center[0], record["center"][1] - foot.center[1]
        )
        area = record["area_px"] / foot.length_px**2
        if distance < SECOND_OUTLINE_DISTANCE * foot.length_px and (
            SECOND_OUTLINE_AREA[0] <= area <= SECOND_OUTLINE_AREA[1]
        ):
            return True
    return False


def _match(photo: LabeledPhoto, center: Sequence[float], used: set[int]) -> int | None:
    best, best_d = None, float("inf")
    for i, foot in enumerate(photo.feet):
        if i in used:
            continue
        d = float(np.hypot(center[0] - foot.center[0], center[1] - foot.center[1]))
        limit = MATCH_DISTANCE * (foot.length_px or 1e9)
        if d < limit and d < best_d:
            best, best_d = i, d
    return best


def cross_validate(
    table: TrainingTable, *, seed: int = 0, folds: int = 5, family: str = "hgb"
) -> dict[str, Any]:
    """Grouped, stratified cross-validated metrics of the pronation and view models."""
    y, groups = table.pronation_y, table.pronation_groups
    n_splits = min(folds, max(2, min(Counter(y).values()) if len(y) else 2))
    scheme = f"{n_splits}-fold stratified group cross-validation (groups: photo/subject)"
    others = {
        "orientation": _cross_validate_orientation(table, seed=seed, folds=folds),
        "view": _cross_validate_view(table, seed=seed, folds=folds),
        "shoe_top": _cross_validate_shoe_top(table, seed=seed, folds=folds),
    }
    splits = _pronation_splits(y, groups, n_splits=n_splits, seed=seed)
    if splits is None:
        # A small table: some fold would train on too few feet of a class to calibrate.
        return {"scheme": scheme, **others, "pronation": {"n": len(y)}}
    pred = np.empty(len(y), dtype=object)
    proba = np.zeros((len(y), len(LABELS)))
    for train, test in splits:
        model = build_pronation_model(seed=seed, n_samples=len(train), family=family)
        model.fit(fill_empty_columns(table.pronation_x[train]), y[train])
        classes = list(model.classes_)
        p = model.predict_proba(table.pronation_x[test])
        for j, label in enumerate(LABELS):
            if label in classes:
                proba[test, j] = p[:, classes.index(label)]
        pred[test] = np.array(LABELS)[proba[test].argmax(axis=1)]
    per_view = {}
    for view in VIEWS:
        sel = table.pronation_view == view
        if sel.any():
            per_view[view] = {
                "n": int(sel.sum()),
                "macro_f1": float(
                    f1_score(
                        y[sel], pred[sel], labels=list(LABELS), average="macro", zero_division=0
                    )
                ),
                "accuracy": float(accuracy_score(y[sel], pred[sel])),
            }
    return {
        "scheme": scheme,
        **others,
        "pronation": {
            "n": len(y),
            "macro_f1": float(
                f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0)
            ),
            "accuracy": float(accuracy_score(y, pred)),
            "log_loss": float(log_loss(y, _floored(proba), labels=list(LABELS))),
            "confusion_matrix": {
                "labels": list(LABELS),
                "rows_true_cols_predicted": confusion_matrix(y, pred, labels=list(LABELS)).tolist(),
            },
            "per_view": per_view,
        },
    }


def _floored(proba: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Probabilities with none under ``floor``, rows summing to one again: a class a fold
    never saw would otherwise cost an infinite log loss, and scikit-learn warns of rows
    that do not sum to one (the warning that showed in ``solescan train``'s output)."""
    floored = np.clip(proba, floor, 1.0)
    return floored / floored.sum(axis=1, keepdims=True)


def _pronation_splits(
    y: np.ndarray, groups: np.ndarray, *, n_splits: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The cross-validation's folds of the pronation rows; None where the table is too
    small for them: fewer photos than folds, or a fold that would train on fewer than
    PRONATION_MIN_FEET feet of some class (its calibrator could not be fitted)."""
    if len(set(groups)) < n_splits or max(Counter(y).values(), default=0) < n_splits:
        return None
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros((len(y), 1)), y, groups))
    for train, _ in splits:
        counts = Counter(y[train])
        if any(counts[label] < PRONATION_MIN_FEET for label in LABELS):
            return None
    return splits


def cross_validated_summary(metrics: dict[str, Any]) -> str:
    """How the pronation model cross-validated, in a line: its macro-F1 and on how many
    feet, or that it had too few to cross-validate."""
    pronation = metrics["pronation"]
    if "macro_f1" not in pronation:
        return f"too few feet to cross-validate ({pronation['n']})"
    return f"cross-validated macro-F1 {pronation['macro_f1']:.3f} on {pronation['n']} feet"


def check_corpus(
    classes: Counter[str],
    positioned: int,
    tops: int,
    *,
    found: bool,
    reuse_orientation: bool,
    reuse_shoe_top: bool,
) -> None:
    """Refuse, saying what to do, a corpus that cannot teach the models.

    Parameters
    ----------
    classes : Counter
        Feet per pronation class.
    positioned : int
        Feet whose heel and toe positions are known, which teach the orientation model.
    tops : int
        Photos of the top of a shoe (or, found, their objects the shoe-top model learns
        from, ``shoe_top_rows``), which teach the shoe-top model.
    found : bool
        Whether the counts are of the feet found in the photos (the locator may miss
        some) rather than of those labeled in the manifests.
    reuse_orientation : bool
        Whether an orientation model is at hand to take over (promotion's base model).
    reuse_shoe_top : bool
        Whether a shoe-top model is at hand to take over (promotion's base model).

    Raises
    ------
    ValueError
        With what is missing and what to do.
    """
    where = "found in the photos" if found else "labeled in the manifests"
    short = {label: classes[label] for label in LABELS if classes[label] < PRONATION_MIN_FEET}
    if short:
        have = ", ".join(f"{n} {label}" for label, n in short.items())
        raise ValueError(
            f"Too few feet of a class were {where}: {have}. The pronation model needs at "
            f"least {PRONATION_MIN_FEET} of each of {', '.join(LABELS)} (every result gives "
            f"each class a probability, and the model is calibrated on {CALIBRATION_FOLDS} "
            "folds of each). Add labeled photos of those classes, or render a larger "
            "synthetic corpus (solescan synth --n)."
        )
    if positioned == 0 and not reuse_orientation:
        raise ValueError(
            "No labeled foot has heel and toe positions to learn the orientation model from "
            "(a clinic export has none): add a synthetic corpus's manifest, or train with "
            "--promote to take it from the model in service."
        )
    if 0 < positioned < ORIENTATION_MIN_FEET:
        raise ValueError(
            f"Only {positioned} feet with heel and toe positions were {where}: the "
            f"orientation model needs at least {ORIENTATION_MIN_FEET} to learn from (it "
            "holds a tenth of them out to know when to stop). Add photos to the synthetic "
            "corpus (solescan synth --n)."
        )
    if tops < SHOE_TOP_MIN_ROWS and not reuse_shoe_top:
        what = "objects of photos" if found else "photos"
        raise ValueError(
            f"Only {tops} {what} of the top of a shoe (negative_kind {TOP_OF_SHOE}) to "
            f"learn the shoe-top check from: it needs at least {SHOE_TOP_MIN_ROWS}. Add a "
            "synthetic corpus's manifest (solescan synth renders them among its "
            "negatives), or train with --promote to take it from the model in service."
        )


def _cross_validate_view(table: TrainingTable, *, seed: int = 0, folds: int = 5) -> dict[str, Any]:
    """Grouped cross-validated accuracy of the view model on the located soles."""
    soles = table.is_sole
    x, y, groups = table.view_x[soles], table.object_view[soles], table.object_groups[soles]
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2 or len(set(y)) < 2:
        return {"n": int(soles.sum())}
    pred = np.empty(len(y), dtype=object)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y, groups):
        pred[test] = build_view_model(seed=seed).fit(x[train], y[train]).predict(x[test])
    views = [v for v in VIEWS if v in set(y)]
    return {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "confusion_matrix": {
            "labels": views,
            "rows_true_cols_predicted": confusion_matrix(y, pred, labels=views).tolist(),
        },
    }


def _cross_validate_orientation(
    table: TrainingTable, *, seed: int = 0, folds: int = 5
) -> dict[str, Any]:
    """Grouped cross-validated side and toe accuracy of the orientation model on the
    outlines as the locator found them, beside the outline rules' own accuracy."""
    found = table.orientation_as_found
    if not found.any():
        return {"n": 0}
    groups = table.orientation_groups
    n_splits = min(folds, len(set(groups[found])))
    if n_splits < 2:
        return {"n": int(found.sum())}
    splits = list(GroupKFold(n_splits=n_splits).split(table.orientation_x, groups=groups))
    if min(len(train) for train, _ in splits) < ORIENTATION_MIN_FEET * len(Turn):
        return {"n": int(found.sum())}  # too few feet in a fold to learn from
    proba = np.zeros((len(found), len(Turn)))
    for train, test in splits:
        model = build_orientation_model(seed=seed)
        model.fit(table.orientation_x[train], table.orientation_y[train])
        proba[test] = model.predict_proba(table.orientation_x[test])
    # Each outline's four rows follow one another, as found first (build_table), and a
    # foot's rows share its group, so they are predicted together, as analysis does. The
    # figures are of the outlines as found (a print's ink outline is learned from only).
    per_outline = turn_probabilities(proba.reshape(-1, len(Turn), len(Turn)))
    per_foot = per_outline[found[:: len(Turn)]]
    truth = [Turn(t) for t in table.orientation_y[found]]
    chosen = [Turn(int(t)) for t in per_foot.argmax(axis=1)]
    pairs = list(zip(chosen, truth, strict=True))
    return {
        "n": int(found.sum()),
        "side_accuracy": float(np.mean([c.changes_side == t.changes_side for c, t in pairs])),
        "toe_accuracy": float(np.mean([c.swaps_ends == t.swaps_ends for c, t in pairs])),
        # What fit_frame's outline rules alone got right: the turn needed was none.
        "rules_side_accuracy": float(np.mean([not t.changes_side for t in truth])),
        "rules_toe_accuracy": float(np.mean([not t.swaps_ends for t in truth])),
        # Where the side goes wrong: mostly where the locator's outline is not one whole
        # sole (a fragment, or a sole with its shoe's upper or the other shoe).
        "side_accuracy_by_outline_area": _accuracy_by_band(
            table.orientation_outline_area[found],
            np.array([c.changes_side == t.changes_side for c, t in pairs]),
            edges=(0.0, 0.2, 0.25, 0.35, 0.4, np.inf),
        ),
    }


def _accuracy_by_band(
    values: np.ndarray, right: np.ndarray, *, edges: Sequence[float]
) -> list[dict[str, Any]]:
    """Share of ``right`` in each band of ``values`` between consecutive ``edges``."""
    bands = []
    for low, high in itertools.pairwise(edges):
        inside = (values >= low) & (values < high)
        if inside.any():
            bands.append(
                {
                    "from": low,
                    "to": None if np.isinf(high) else high,
                    "n": int(inside.sum()),
                    "accuracy": float(right[inside].mean()),
                }
            )
    return bands


def shoe_top_rows(
    table: TrainingTable, familiarity: tuple[Pipeline, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shoe-top model's rows: each located foot (0) and each object of a photo of
    the top of a shoe that the familiarity check takes for a possible sole (1); their
    object features, labels and split groups.

    From above, a shoe's outline is a foot's, and its upper's colour and fabric are an
    insole's: the sole model, which learned from every object of every photo, took 26 of
    the 233 tops of shoes among 500 rendered negative photos (seed 555) for insoles. Its
    refits with more tops turned most away, but moved the outline feet of real soles are
    read in (docs/measurement-history.md). This model learns only what tells a top from a
    foot, on the tops that get as far as the sole model's judgement: the floor and
    clutter around a shoe, and the objects unlike any sole, are other checks' work.

    ``familiarity``: the familiarity model fitted on the table's soles and its limit
    (classifier.fit_familiarity), where the caller has fitted it already.
    """
    soles, tops = table.is_sole, table.object_top_of_shoe.copy()
    if tops.any() and soles.sum() >= 2:
        model, limit = familiarity or fit_familiarity(table.object_x[soles])
        tops[tops] = within_familiarity(model, limit, table.object_x[tops])
    else:
        tops[:] = False
    rows = soles | tops
    return table.object_x[rows], tops[rows], table.object_groups[rows]


def _cross_validate_shoe_top(
    table: TrainingTable, *, seed: int = 0, folds: int = 5
) -> dict[str, Any]:
    """Grouped cross-validated share of the tops of shoes the shoe-top model flags, and of
    the feet it flags wrongly, each row on its own at SHOE_TOP_THRESHOLD (analysis
    averages a photo's pair of soles)."""
    from model.analyze import SHOE_TOP_THRESHOLD

    x, y, groups = shoe_top_rows(table)
    counts = {"tops": int(y.sum()), "feet": int((~y).sum())}
    n_splits = min(folds, len(set(groups)))
    if min(counts.values()) < SHOE_TOP_MIN_ROWS or n_splits < 2:
        return counts
    flagged = np.zeros(len(y), dtype=bool)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for train, test in splitter.split(x, y, groups):
        model = build_shoe_top_model(seed=seed).fit(x[train], y[train])
        flagged[test] = model.predict_proba(x[test])[:, 1] >= SHOE_TOP_THRESHOLD
    return {
        **counts,
        "tops_flagged": float(flagged[y].mean()),
        "feet_flagged": float(flagged[~y].mean()),
    }


def fit_bundle(
    table: TrainingTable,
    pixel_model: Any,
    imprint_model: Any,
    *,
    seed: int = 0,
    pixel_training: dict[str, Any] | None = None,
    imprint_training: dict[str, Any] | None = None,
    version: str | None = None,
    corpus: dict[str, Any] | None = None,
    cv_metrics: dict[str, Any] | None = None,
    family: str = "hgb",
    orientation: Any = None,
    shoe_top: Any = None,
) -> ModelBundle:
    """Fit the models on the whole table; write the model card.

    The orientation model learns from feet whose manifest says where heel and toe lie,
    the shoe-top model from photos of the top of a shoe; a table without any (clinic
    photos only) must bring one, ``orientation`` and ``shoe_top``.
    """
    feet = int(table.orientation_as_found.sum()) if len(table.orientation_y) else 0
    familiarity, familiar_limit = fit_familiarity(table.object_x[table.is_sole])
    top_x, top_y, _ = shoe_top_rows(table, (familiarity, familiar_limit))
    check_corpus(
        Counter(table.pronation_y),
        feet,
        int(top_y.sum()),
        found=True,
        reuse_orientation=orientation is not None,
        reuse_shoe_top=shoe_top is not None,
    )
    if top_y.sum() >= SHOE_TOP_MIN_ROWS:
        shoe_top = build_shoe_top_model(seed=seed).fit(top_x, top_y)
        shoe_top_training: dict[str, Any] = {
            "tops": int(top_y.sum()),
            "feet": int((~top_y).sum()),
        }
    else:
        shoe_top_training = {"reused": True}
    if feet:
        orientation = build_orientation_model(seed=seed).fit(
            table.orientation_x, table.orientation_y
        )
        orientation_training: dict[str, Any] = {
            "feet": feet,
            "print_ink_outlines": len(table.orientation_y) // len(Turn) - feet,
        }
    else:
        orientation_training = {"reused": True}
    sole = build_sole_model(seed=seed).fit(table.object_x, table.is_sole)
    soles = table.is_sole
    view = build_view_model(seed=seed).fit(table.view_x[soles], table.object_view[soles])
    pronation = build_pronation_model(seed=seed, n_samples=len(table.pronation_y), family=family)
    pronation.fit(fill_empty_columns(table.pronation_x), table.pronation_y)
    version = version or dt.datetime.now(dt.UTC).strftime("%Y.%m.%d-%H%M%S")
    import skops

    card = {
        "name": "solescan pronation screening",
        "version": version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "classes": list(LABELS),
        "views": list(VIEWS),
        "feature_version": FEATURE_VERSION,
        "feature_names": {
            "pronation": list(PRONATION_FEATURES),
            "object": list(OBJECT_FEATURES),
            "view": list(VIEW_FEATURES),
        },
        "models": {
            "pixels": "MLPClassifier (48, 24) on per-pixel colour, texture and context",
            "imprint": "MLPClassifier (32, 16) on an insole's pixels: did the foot press "
            "here? (colour and shade against the insole's own, distance from its rim)",
            "sole": "HistGradientBoostingClassifier (is this object a sole or insole?)",
            "view": "HistGradientBoostingClassifier (outsole / insole / print)",
            "pronation": PRONATION_FAMILIES[family],
            "orientation": "HistGradientBoostingClassifier (which of four turns puts the "
            "outline toe up, medial left)",
            "familiar": "Mahalanobis distance from the training soles (standardised object "
            "features, Ledoit-Wolf covariance)",
            "shoe_top": "HistGradientBoostingClassifier (is this the top of a shoe rather "
            "than a sole or insole?)",
        },
        "pronation_family": family,
        "familiarity": {
            "quantile": FAMILIAR_QUANTILE,
            "max_distance": familiar_limit,
        },
        "versions": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "skops": skops.__version__,
            "python": platform.python_version(),
        },
        "training_data": {
            **table.summary,
            **(corpus or {}),
            "segmenter": pixel_training or {},
            "imprint": imprint_training or {},
            "orientation": orientation_training,
            "shoe_top": shoe_top_training,
        },
        "metrics": cv_metrics or {},
        "intended_use": "Screening aid for podiatry clinics: reads wear on shoe soles and "
        "insoles. Not a diagnosis. Trained on synthetic photos; shoe wear is "
        "a weaker signal than an insole arch index.",
    }
    return ModelBundle(
        pixels=pixel_model,
        imprint=imprint_model,
        sole=sole,
        view=view,
        pronation=pronation,
        orientation=orientation,
        familiar=familiarity,
        shoe_top=shoe_top,
        card=card,
    )


def corpus_info(manifests: Sequence[Path]) -> dict[str, Any]:
    """Seeds and sizes of the corpora, read from each manifest's corpus.json when present."""
    info = []
    for m in manifests:
        meta = Path(m).parent / "corpus.json"
        entry: dict[str, Any] = {"manifest": Path(m).name}
        if meta.exists():
            entry.update(json.loads(meta.read_text()))
        info.append(entry)
    return {"corpora": info}


def _reused_training(base: ModelBundle, name: str) -> dict[str, Any]:
    """The model card's training entry for a pixel model (``segmenter`` or ``imprint``)
    taken from ``base``: how it was trained, not only where it came from (the base may
    have reused it in turn)."""
    previous = base.card.get("training_data", {}).get(name) or {}
    return {"reused_from": base.version, "trained_as": previous.get("trained_as", previous)}


def train(
    manifests: Sequence[Path],
    *,
    seed: int = 0,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    version: str | None = None,
    segmenter_photos: int = SEGMENTER_PHOTOS,
    imprint_photos: int = IMPRINT_PHOTOS,
    base: ModelBundle | None = None,
    family: str = "hgb",
) -> ModelBundle:
    """The whole training run: pixel models, features, cross-validation, fit.

    The two pixel models learn from the renderer's masks: the segmenter from
    ``segmenter_photos`` freshly rendered photos, then the imprint model from
    ``imprint_photos`` rendered insole photos. With ``segmenter_photos`` 0 both are taken
    from ``base`` (a loaded model), as retraining on clinic photos does: they carry no
    masks to learn from.

    Raises
    ------
    ValueError
        The manifests cannot teach the models (:func:`check_corpus`): said from their
        labels before the pixel models take their minutes, and again from the feet found.
    """
    photos = read_manifests(manifests)
    labeled = [foot for photo in photos for foot in photo.feet]
    check_corpus(
        Counter(foot.label for foot in labeled),
        sum(foot.heel is not None and foot.toe is not None for foot in labeled),
        sum(photo.negative_kind == TOP_OF_SHOE for photo in photos),
        found=False,
        reuse_orientation=base is not None,
        reuse_shoe_top=base is not None,
    )
    if segmenter_photos > 0:
        pixel_model = fit_pixel_model(
            seed=seed, photos=segmenter_photos, workers=workers, progress=progress
        )
        imprint_model = fit_imprint_model(
            pixel_model, seed=seed, photos=imprint_photos, workers=workers, progress=progress
        )
        pixel_training: dict[str, Any] = {"rendered_photos": segmenter_photos, "seed": seed}
        imprint_training: dict[str, Any] = {"rendered_photos": imprint_photos, "seed": seed}
    elif base is not None:
        pixel_model, imprint_model = base.pixels, base.imprint
        pixel_training = _reused_training(base, "segmenter")
        imprint_training = _reused_training(base, "imprint")
    else:
        raise ValueError("Either render photos for the segmenter or give a base model.")
    features = extract_all(
        photos,
        pixel_model,
        imprint_model,
        cache_dir=cache_dir,
        workers=workers,
        progress=progress,
    )
    table = build_table(photos, features)
    metrics = cross_validate(table, seed=seed, family=family)
    return fit_bundle(
        table,
        pixel_model,
        imprint_model,
        seed=seed,
        version=version,
        corpus=corpus_info(manifests),
        cv_metrics=metrics,
        pixel_training=pixel_training,
        imprint_training=imprint_training,
        family=family,
        orientation=base.orientation if base is not None else None,
        shoe_top=base.shoe_top if base is not None else None,
    )


def train_command(
    *,
    manifests: Sequence[Path],
    out: Path,
    seed: int,
    cache_dir: Path | None,
    workers: int | None,
    promote: Path | None,
    holdout: Sequence[Path] = (),
    family: str = "hgb",
) -> int:
    """``solescan train``: train, write the artifact, optionally promote it."""
    if promote is not None:
        from model.promotion import promote_command

        return promote_command(
            manifests=manifests,
            out=out,
            store=promote,
            holdout=holdout,
            seed=seed,
            cache_dir=cache_dir,
            workers=workers,
            family=family,
        )
    try:
        bundle = train(manifests, seed=seed, cache_dir=cache_dir, workers=workers, family=family)
    except ValueError as error:  # what the manifests cannot teach, said plainly
        print(f"error: {error}", file=sys.stderr)
        return 1
    save_bundle(bundle, out)
    summary = cross_validated_summary(bundle.card["metrics"])
    print(f"trained {bundle.version}: {summary}; written to {out}")
    return 0
