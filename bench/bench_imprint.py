"""How well the insole imprint, and the arch index read from it, are measured.

Renders --n insole photos from a seed never used in training, analyses each as an insole
with the shipped model, and maps the renderer's own imprint mask into the frame the
analysis fitted to each insole. It then prints, per insole found:

- the overlap (intersection over union) of the imprint model's outline with the true
  imprint;
- the error of the arch index read from three outlines, against the arch index the
  renderer drew: the renderer's own imprint (the error of the index method itself: the
  frame, the thirds, the cut before the toes), the imprint model's outline (what the
  product reports), and, as the baseline, the previous models' reading (a pixel is
  imprint when the darkness map puts it past a fifth of the insole's range, and the
  toe-less print ends at the toe-most row of the narrowest stretch between u 0.74 and
  0.92). The baseline reads today's darkness map, whose choice between a darker mark and
  a lighter sheen now follows the imprint model: that can only help it;
- for each, the share of insoles whose arch index falls in their class's clinical range
  (the nearer range when it falls in a gap between two).

    .venv/bin/python bench/bench_imprint.py [--n 120] [--seed 8080]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from model.analyze import load_analyzer, use_one_thread
from model.errors import SolescanError
from model.evaluation import found_insoles
from model.features import indices_of_print, insole_indices, print_rows
from model.synth.corpus import photo_seed
from model.synth.render import render_photo
from model.synth.wear import arch_class
from model.wear import inner_mask


def baseline_arch_index(wear: np.ndarray, frame) -> float:  # type: ignore[no-untyped-def]
    """The previous models' reading: a fixed threshold on the darkness map, cut at the
    toe-most row of the narrowest stretch between u 0.74 and 0.92."""
    width, u_row = print_rows(np.nan_to_num(wear, nan=0.0) > 0.2, frame)
    has = np.isfinite(u_row)
    fore = has & (u_row >= 0.60) & (u_row < 0.74)
    gap_rows = np.flatnonzero(has & (u_row >= 0.74) & (u_row <= 0.92))
    cut_u = 0.85
    if gap_rows.size and fore.any():
        narrowest = gap_rows[np.argmin(width[gap_rows])]
        if width[narrowest] < 0.35 * width[fore].max():
            cut_u = float(u_row[narrowest])
    return indices_of_print(width, u_row, cut_u)["arch_index"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="rendered insole photos")
    parser.add_argument("--seed", type=int, default=8080, help="never used in training")
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    args = parser.parse_args()
    use_one_thread()
    analyzer = load_analyzer(args.model)
    overlaps: list[float] = []
    errors: dict[str, list[float]] = {"true imprint": [], "imprint model": [], "baseline": []}
    in_class: dict[str, list[bool]] = {name: [] for name in errors}
    for index in range(args.n):
        photo = render_photo(
            photo_seed(args.seed, index), view="insole", max_megapixels=3.0, with_masks=True
        )
        try:
            result = analyzer.analyze(photo.data, view="insole")
        except SolescanError:
            continue
        for insole in found_insoles(photo, result):
            row, truth = insole.row, insole.truth
            frame = insole.foot.located.frame
            found = insole.foot.imprint  # the imprint model's outline, as analysis found it
            inner = inner_mask(frame.mask)
            overlaps.append(float((found & truth).sum() / max((found | (truth & inner)).sum(), 1)))
            readings = {
                "true imprint": insole_indices(truth, frame)["arch_index"],
                "imprint model": insole_indices(found, frame)["arch_index"],
                "baseline": baseline_arch_index(insole.foot.wear, frame),
            }
            rendered = float(row["arch_index"])
            for name, ai in readings.items():
                errors[name].append(abs(ai - rendered) if np.isfinite(ai) else 1.0)
                in_class[name].append(bool(np.isfinite(ai)) and arch_class(ai) == row["label"])
    print(f"{len(overlaps)} insoles found in {args.n} rendered insole photos (seed {args.seed})")
    print(
        f"imprint outline vs the true imprint: IoU median {np.median(overlaps):.3f}, "
        f"p25 {np.percentile(overlaps, 25):.3f}, p5 {np.percentile(overlaps, 5):.3f}"
    )
    for name in errors:
        e = np.array(errors[name])
        print(
            f"arch index from the {name:13s}: error median {np.median(e):.4f}, "
            f"p90 {np.percentile(e, 90):.4f}; in its class's range {np.mean(in_class[name]):.1%}"
        )
    model, base = np.median(errors["imprint model"]), np.median(errors["baseline"])
    print(f"median error, imprint model / baseline: {model / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
