"""Accuracy of the shipped model, end to end through ``analyze``.

Prints, on synthetic photos from seeds never used in training: macro-F1 per view, side
accuracy, feet-count accuracy and the share of negative photos rejected; on real photos
nobody here made (the sample images scikit-learn and scikit-image ship): the share
rejected; on the real outsole scans: sole found, toe end, side, the class at both visits
of each shoe, and whether each scan keeps its class and its outline when turned by a
few degrees or scaled down (the invariance the synthetic behavioural tests check, on real
rubber).

    .venv/bin/python bench/bench_accuracy.py [--n 600] [--seed 90210] [--views print] [--model DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from model import evaluation
from model.analyze import load_analyzer
from model.errors import SolescanError
from model.footshape import VIEWS
from model.locate import mask_iou
from model.synth.corpus import CorpusConfig, render_corpus

REPO = Path(__file__).resolve().parents[1]
REAL_SCANS = REPO.parent / "shared" / "real"


def scan_rows() -> list[dict[str, str]]:
    """The real scans' labels.csv: file, pair and side of each scan."""
    with (REAL_SCANS / "labels.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def real_scans(analyzer) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows = []
    for row in scan_rows():
        data = (REAL_SCANS / row["file"]).read_bytes()
        try:
            result = analyzer.analyze(data, view="print")
        except SolescanError as exc:
            rows.append({"file": row["file"], "found": False, "error": exc.code})
            continue
        foot = result.feet[0]
        frame = foot.located.frame
        toe, heel = frame.toe_and_heel()
        rows.append(
            {
                "file": row["file"],
                "pair": row["pair"],
                "side_true": row["side"],
                "found": len(result.feet) == 1,
                "side": foot.side,
                "toe_up": bool(toe[1] < heel[1]),
                "label": foot.label,
                "probabilities": foot.probabilities,
            }
        )
    return rows


# Small changes a clinic's own scan would show: turned by up to 4 degrees, or 0.8 of the size.
SCAN_TURNS_DEG = (-4.0, -2.0, 0.0, 2.0, 4.0)
SCAN_SCALES = (0.8, 1.0)


def real_scans_perturbed(analyzer) -> list[tuple[str, str, list[str], list[float]]]:  # type: ignore[no-untyped-def]
    """Per real scan: the label of its unturned copy, the labels of all its turned and
    scaled copies (each re-encoded as JPEG at quality 92, the background filled white
    like the scanner's), and how well the outline of each other copy, carried back onto
    the scan, agrees with the unturned copy's (intersection over union; 1 is the same
    outline)."""
    out = []
    for row in scan_rows():
        image = cv2.imread(str(REAL_SCANS / row["file"]))
        rows, cols = image.shape[:2]
        labels: dict[tuple[float, float], str] = {}
        outlines: dict[tuple[float, float], np.ndarray | None] = {}
        for angle in SCAN_TURNS_DEG:
            for scale in SCAN_SCALES:
                turn = cv2.getRotationMatrix2D((cols / 2, rows / 2), angle, scale)
                copy = cv2.warpAffine(image, turn, (cols, rows), borderValue=(255, 255, 255))
                _, data = cv2.imencode(".jpg", copy, [cv2.IMWRITE_JPEG_QUALITY, 92])
                try:
                    result = analyzer.analyze(data.tobytes(), view="print")
                except SolescanError as exc:
                    labels[(angle, scale)] = f"rejected ({exc.code})"
                    outlines[(angle, scale)] = None
                    continue
                foot = result.feet[0]
                labels[(angle, scale)] = foot.label
                outlines[(angle, scale)] = evaluation.outline_turned_back(
                    foot.located.candidate.contour / result.photo.scale, turn, (rows, cols)
                )
        unturned = outlines.pop((0.0, 1.0))
        agreement = [
            mask_iou(unturned, mask) if unturned is not None and mask is not None else 0.0
            for mask in outlines.values()
        ]
        out.append((row["file"], labels[(0.0, 1.0)], list(labels.values()), agreement))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=600, help="held-out synthetic photos")
    parser.add_argument("--seed", type=int, default=90210, help="never used in training")
    parser.add_argument(
        "--views",
        default="outsole,insole,print,negative",
        help="the corpus's mix, as solescan synth --views takes it (print: prints alone)",
    )
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        render_corpus(
            args.n,
            seed=args.seed,
            out_dir=out,
            workers=args.workers,
            config=CorpusConfig.from_cli(views=args.views, max_megapixels=3.0),
        )
        photos, feet = evaluation.run(
            [out / "manifest.csv"], model_path=args.model, workers=args.workers
        )
    report = evaluation.summarize(photos, feet)
    print(f"held-out synthetic corpus: {args.n} photos, seed {args.seed}, views {args.views}")
    for view, figures in report["per_view"].items():
        print(
            f"  {view:8s} macro-F1 {figures['macro_f1']:.3f} (all feet; undetermined and "
            f"missed count as wrong), {figures['macro_f1_determined']:.3f} on the "
            f"{figures['coverage']:.1%} determined, feet found {figures['found']:.1%}"
        )
    print(f"  side correct          {report['side_accuracy']:.1%}")
    print(f"  feet count correct    {report['feet_count_accuracy']:.1%}")
    print(f"  view (auto) correct   {report['view_accuracy']:.1%}")
    if report["negatives_rejected"] is not None:  # a corpus without negatives has none
        print(f"  negatives rejected    {report['negatives_rejected']:.1%}")
    print(f"  positives rejected    {report['positives_rejected']:.1%}")
    print("  feet given their true class, by the light of the photo (all views; per view):")
    for lighting, figures in report["by_lighting"].items():
        views = ", ".join(
            f"{view} {figures[view]['label_correct']:.1%} of {figures[view]['feet']}"
            for view in VIEWS
            if view in figures
        )
        print(f"    {lighting:9s} {figures['label_correct']:.1%} of {figures['feet']} ({views})")

    analyzer = load_analyzer(args.model)
    samples = evaluation.foreign_sample_images()
    rejected = []
    for name, data in samples:
        try:
            result = analyzer.analyze(data)
            rejected.append(False)
            print(f"  NOT rejected: {name} -> {[f.label for f in result.feet]}")
        except SolescanError:
            rejected.append(True)
    print(
        f"sample images of scikit-learn and scikit-image: {np.mean(rejected):.1%} of "
        f"{len(samples)} rejected"
    )

    scans = real_scans(analyzer)
    for row in scans:
        print("  real scan", json.dumps(row))
    found = [r for r in scans if r["found"]]
    by_pair: dict[tuple[object, object], set[object]] = {}
    for r in found:
        by_pair.setdefault((r["pair"], r["side_true"]), set()).add(r["label"])
    # "undetermined" at both visits is the same answer, but not a class: counted apart.
    undetermined = sum(labels == {"undetermined"} for labels in by_pair.values())
    same_class = sum(len(labels) == 1 and labels != {"undetermined"} for labels in by_pair.values())
    opposite = sum({"overpronation", "underpronation"} <= labels for labels in by_pair.values())
    # The class the model leans to before the undetermined rule (the highest probability):
    # whether the reading drifts between visits or only its confidence does.
    leaning: dict[tuple[object, object], set[str]] = {}
    for r in found:
        probabilities = r["probabilities"]
        leaning.setdefault((r["pair"], r["side_true"]), set()).add(
            max(probabilities, key=probabilities.get)
        )
    same_leaning = sum(len(classes) == 1 for classes in leaning.values())
    print(
        f"real scans: found {len(found)}/{len(scans)}, toe up "
        f"{sum(bool(r['toe_up']) for r in found)}/{len(found)}, side right "
        f"{sum(r['side'] == r['side_true'] for r in found)}/{len(found)}, same class at both "
        f"visits {same_class}/{len(by_pair)} shoes, undetermined at both {undetermined}, "
        f"opposite classes {opposite}; likeliest class (before the undetermined rule) the "
        f"same at both visits {same_leaning}/{len(leaning)} shoes"
    )
    for name, as_is, labels, agreement in real_scans_perturbed(analyzer):
        print(
            f"  {name}: turned by {list(SCAN_TURNS_DEG)} degrees and scaled by "
            f"{list(SCAN_SCALES)}, the label is {as_is!r} (the unturned copy) in "
            f"{labels.count(as_is)}/{len(labels)}; {dict(Counter(labels))}; the outline "
            f"of the other copies agrees with the unturned copy's at IoU {min(agreement):.2f} "
            f"to {max(agreement):.2f} (median {float(np.median(agreement)):.2f})"
        )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
