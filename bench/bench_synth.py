"""Speed of the synthetic renderer: seconds per 12 MP photo on one core.

The target is at most 1 s per 12 MP photo per core. Prints the mean, median and 95th
percentile per photo (overall and per view), and the ratio to a baseline measured in the
same run on the same machine: ``cv2.imencode`` of each rendered 12 MP photo as JPEG
(quality 90), the unavoidable last step of every render.

    .venv/bin/python bench/bench_synth.py [--n 32] [--seed 7] [--megapixels 12]
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np

from model.synth.render import render_photo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32, help="photos to render")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args()

    cv2.setNumThreads(1)  # per core, as each corpus worker runs
    render_photo(0, megapixels=1.0)  # warm up imports and caches

    times: dict[str, list[float]] = {}
    cpu: list[float] = []
    base: list[float] = []
    last = None
    for i in range(args.n):
        start, start_cpu = time.perf_counter(), time.process_time()
        photo = render_photo(args.seed * 1000 + i, megapixels=args.megapixels, fmt="jpeg")
        elapsed = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)
        times.setdefault(photo.rows[0]["view"], []).append(elapsed)
        # Baseline: JPEG-encode the same 12 MP image again, outside the timed render.
        start = time.perf_counter()
        cv2.imencode(".jpg", photo.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
        base.append(time.perf_counter() - start)
        last = photo
    assert last is not None
    baseline = statistics.fmean(base)

    every = [t for ts in times.values() for t in ts]
    rows, cols = last.image.shape[:2]
    print(f"photos: {len(every)} at {args.megapixels:g} MP (e.g. {cols}x{rows}), 1 thread")
    print(f"baseline: cv2.imencode JPEG q90 of the same photos, mean {baseline * 1000:.0f} ms")
    print(f"{'view':10s} {'n':>3s} {'mean s':>8s} {'median s':>9s} {'p95 s':>7s} {'x base':>7s}")
    for view, ts in [*sorted(times.items()), ("all", every)]:
        mean = statistics.fmean(ts)
        p95 = float(np.percentile(ts, 95))
        print(
            f"{view:10s} {len(ts):3d} {mean:8.3f} {statistics.median(ts):9.3f} "
            f"{p95:7.3f} {mean / baseline:7.1f}"
        )
    # CPU time is what one core spends; wall time also counts waiting for a busy core.
    mean_cpu = statistics.fmean(cpu)
    print(f"CPU time per photo: mean {mean_cpu:.3f} s, p95 {np.percentile(cpu, 95):.3f} s")
    verdict = "meets" if mean_cpu <= 1.0 else "misses"
    print(
        f"target <= 1 s per photo per core: {verdict} "
        f"(CPU {mean_cpu:.3f} s, wall {statistics.fmean(every):.3f} s)"
    )


if __name__ == "__main__":
    main()
