"""Do the synthetic photos give the class away through anything but the wear?

Renders a corpus of small labeled photos (outsoles, insoles, prints), then trains a
classifier on nuisance-only features of each foot: colour statistics of the object and
of the background, tread family, rubber/foam colour, background kind, lighting, image
size, format, rotation, pair or single. Its cross-validated accuracy must sit at chance
(the share of the most frequent class, about 0.33).

As a control, the same classifier on a crude wear measurement in the canonical frame
(texture energy or imprint darkness per zone and side, located from the manifest's heel
and toe points) shows that the class IS in the wear.

    .venv/bin/python bench/nuisance_check.py [--n 360] [--seed 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import cv2
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold

from model.footshape import LABELS, medial_on_image_left
from model.synth.corpus import photo_seed
from model.synth.objects import FOAMS, RUBBERS
from model.synth.render import FORMATS, render_photo
from model.synth.scene import BACKGROUNDS, LIGHTINGS
from model.synth.tread import TREAD_FAMILIES

_MATERIALS = (*RUBBERS, *FOAMS, "ink", "scanner")
_VIEWS = ("outsole", "insole", "print")
_CANON = (160, 64)  # (rows along u, cols across v) of the control's canonical raster


def _one_hot(value: str, options: tuple[str, ...]) -> list[float]:
    return [1.0 if value == o else 0.0 for o in options]


def _canonical(image: np.ndarray, row: dict[str, Any], view: str) -> np.ndarray:
    """The foot resampled into a toe-up, medial-left raster of shape _CANON (grey)."""
    heel = np.array([row["heel_x"], row["heel_y"]], np.float64)
    toe = np.array([row["toe_x"], row["toe_y"]], np.float64)
    axis = toe - heel
    length = float(np.linalg.norm(axis))
    along = axis / length
    right = np.array([-along[1], along[0]])  # the image's right when the toe points up
    # ``medial`` points to the medial edge; it becomes the raster's left (column 0).
    medial = -right if medial_on_image_left(view, row["side"]) else right
    rows, cols = _CANON
    half_w = 0.26 * length
    src = np.float32([toe, heel, heel + medial * half_w])
    dst = np.float32([[cols / 2, 0], [cols / 2, rows], [0, rows]])
    m = cv2.getAffineTransform(src, dst)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.warpAffine(grey, m, (cols, rows), flags=cv2.INTER_AREA)


def _wear_features(canon: np.ndarray, mask: np.ndarray, view: str) -> list[float]:
    """A coarse grid (8 along x 4 across) of texture loss (soles, prints) or of imprint
    contrast against the bare foam near the insole's edge (insoles)."""
    g = canon.astype(np.float32)
    inside = mask > 0
    if not inside.any():
        return [0.0] * 33
    if view == "insole":
        # The bare foam: the brightest part of a light insole (the imprint darkens it),
        # the darkest part of a dark one (the imprint shows as a lighter sheen).
        median = float(np.median(g[inside]))
        ref = float(np.percentile(g[inside], 10 if median < 70 else 92))
        value = np.abs(g - ref) / (ref + 20.0)
    else:
        lap = np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=3))
        energy = cv2.GaussianBlur(lap, (0, 0), 2.0)
        value = 1.0 - energy / (float(np.percentile(energy[inside], 90)) + 1e-6)
    rows, cols = g.shape
    feats = []
    for k in range(8):
        r0, r1 = int(rows * k / 8), int(rows * (k + 1) / 8)
        for c in range(4):
            c0, c1 = int(cols * c / 4), int(cols * (c + 1) / 4)
            sel = inside[r0:r1, c0:c1]
            feats.append(float(value[r0:r1, c0:c1][sel].mean()) if sel.any() else 0.0)
    # Medial-lateral index of the whole map.
    half = cols // 2
    med = float(value[:, :half][inside[:, :half]].sum())
    lat = float(value[:, half:][inside[:, half:]].sum())
    feats.append((med - lat) / (abs(med) + abs(lat) + 1e-6))
    return feats


def _photo_features(seed: int) -> list[dict[str, Any]]:
    view = _VIEWS[seed % 3]
    photo = render_photo(seed, view=view, max_megapixels=0.6, with_masks=True)
    assert photo.masks is not None
    img = photo.image
    objects = np.zeros(img.shape[:2], bool)
    for m in photo.masks:
        objects |= m
    around = cv2.dilate(objects.astype(np.uint8), np.ones((15, 15), np.uint8)) == 0
    bg_px = img[around] if around.any() else img.reshape(-1, 3)
    out = []
    for row, mask in zip(photo.rows, photo.masks, strict=True):
        obj_px = img[mask]
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)[mask]
        ang = math.radians(float(row["angle_deg"]))
        nuisance = [
            *obj_px.mean(axis=0).tolist(),
            *obj_px.std(axis=0).tolist(),
            float(grey.std()),
            *bg_px.mean(axis=0).tolist(),
            *bg_px.std(axis=0).tolist(),
            *_one_hot(row["tread"], TREAD_FAMILIES),
            *_one_hot(row["material"], _MATERIALS),
            *_one_hot(row["background"], BACKGROUNDS),
            *_one_hot(row["lighting"], LIGHTINGS),
            *_one_hot(row["format"], FORMATS),
            float(row["width"]),
            float(row["height"]),
            float(row["width"] * row["height"]) / 1e6,
            math.cos(ang),
            math.sin(ang),
            float(row["n_feet"]),
            1.0 if row["side"] == "left" else 0.0,
            float(mask.sum()) / mask.size,
        ]
        canon = _canonical(img, row, view)
        canon_mask = _canonical(mask.astype(np.uint8) * 255, row, view) > 127
        out.append(
            {
                "seed": seed,
                "view": view,
                "label": row["label"],
                "nuisance": nuisance,
                "wear": _wear_features(canon, canon_mask, view),
            }
        )
    return out


def _cv_scores(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int) -> tuple[float, float]:
    pred = np.empty_like(y)
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        clf = RandomForestClassifier(n_estimators=300, min_samples_leaf=2, random_state=seed)
        clf.fit(x[train], y[train])
        pred[test] = clf.predict(x[test])
    return accuracy_score(y, pred), f1_score(y, pred, average="macro")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=360, help="photos to render")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    seeds = [photo_seed(args.seed, i) for i in range(args.n)]
    # Spread the views evenly: the view is chosen from the seed's index, not the seed.
    seeds = [s - (s % 3) + (i % 3) for i, s in enumerate(seeds)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        feet = [f for fs in pool.map(_photo_features, seeds, chunksize=4) for f in fs]

    y = np.array([f["label"] for f in feet])
    groups = np.array([f["seed"] for f in feet])
    counts = {lb: int((y == lb).sum()) for lb in LABELS}
    chance = max(counts.values()) / len(y)
    print(f"feet: {len(y)} from {args.n} photos; classes {counts}; chance {chance:.3f}")
    x_nuis = np.array([f["nuisance"] for f in feet], np.float64)
    acc, f1 = _cv_scores(x_nuis, y, groups, args.seed)
    print(f"nuisance-only features ({x_nuis.shape[1]}): accuracy {acc:.3f}, macro-F1 {f1:.3f}")
    print(f"  -> {acc - chance:+.3f} vs chance")
    for view in _VIEWS:
        sel = np.array([f["view"] == view for f in feet])
        x_wear = np.array([f["wear"] for f in feet], np.float64)[sel]
        acc_w, f1_w = _cv_scores(x_wear, y[sel], groups[sel], args.seed)
        acc_n, _ = _cv_scores(x_nuis[sel], y[sel], groups[sel], args.seed)
        print(
            f"{view:8s} feet {sel.sum():4d}: nuisance-only accuracy {acc_n:.3f}; "
            f"control (crude wear map) accuracy {acc_w:.3f}, macro-F1 {f1_w:.3f}"
        )


if __name__ == "__main__":
    main()
