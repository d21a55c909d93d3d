"""Speed and memory of ``analyze`` on 12 MP JPEG photos.

Speed: each photo is analysed and, alternately in the same loop, decoded with
``cv2.imdecode(..., cv2.IMREAD_REDUCED_COLOR_4)``; the figure is the median of the
per-photo ratios, so machine noise hits both sides alike. Memory: a fresh process
analyses 200 photos in a row and reports its peak resident memory.

    .venv/bin/python bench/bench_analyze.py [--photos 8] [--repeats 5] [--model DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np


def render_photos(n: int, out: Path) -> list[Path]:
    from model.synth.render import render_photo

    paths = []
    views = ["outsole", "insole", "print", "outsole"]
    for i in range(n):
        photo = render_photo(7000 + i, view=views[i % len(views)], megapixels=12.0, fmt="jpeg")
        path = out / f"photo{i}.jpg"
        path.write_bytes(photo.data)
        paths.append(path)
    return paths


def speed(paths: list[Path], repeats: int, model: Path | None) -> None:
    from model.analyze import load_analyzer, use_one_thread
    from model.errors import SolescanError

    use_one_thread()  # as in a service worker: one process per core
    analyzer = load_analyzer(model)
    blobs = [p.read_bytes() for p in paths]
    for data in blobs:  # warm caches and lazy imports
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
        with contextlib.suppress(SolescanError):
            analyzer.analyze(data)
    ratios, analyze_ms, decode_ms = [], [], []
    for _ in range(repeats):
        for data in blobs:
            t0 = time.perf_counter()
            cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
            t1 = time.perf_counter()
            with contextlib.suppress(SolescanError):
                analyzer.analyze(data)
            t2 = time.perf_counter()
            decode_ms.append((t1 - t0) * 1000)
            analyze_ms.append((t2 - t1) * 1000)
            ratios.append((t2 - t1) / (t1 - t0))
    print(f"12 MP JPEG, {len(blobs)} photos x {repeats}, one thread:")
    print(f"  cv2.imdecode REDUCED_COLOR_4  median {statistics.median(decode_ms):7.1f} ms")
    print(f"  analyze                       median {statistics.median(analyze_ms):7.1f} ms")
    print(
        f"  ratio analyze / reduced decode: median {statistics.median(ratios):.2f}, "
        f"p90 {np.percentile(ratios, 90):.2f}"
    )


def high_water_mb() -> float:
    """This process's peak resident memory, from /proc.

    Not ``getrusage().ru_maxrss``: Linux carries that figure across fork and exec, so a
    child started by this (already large) benchmark would report the parent's peak.
    ``VmHWM`` belongs to the address space and starts afresh at exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (this benchmark needs Linux)")


def memory_child(paths: list[str], count: int, model: str | None) -> None:
    from model.analyze import load_analyzer, use_one_thread
    from model.errors import SolescanError

    use_one_thread()
    analyzer = load_analyzer(Path(model) if model else None)
    base = high_water_mb()
    for i in range(count):
        data = Path(paths[i % len(paths)]).read_bytes()
        with contextlib.suppress(SolescanError):
            analyzer.analyze(data).overlay_png()
    peak = high_water_mb()
    print(json.dumps({"after_load_mb": base, "peak_mb": peak, "photos": count}))


def memory(paths: list[Path], model: Path | None) -> None:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        json.dumps([str(p) for p in paths]),
        "--model",
        str(model or ""),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    print(
        f"memory: a process analysing {figures['photos']} 12 MP photos in a row (with "
        f"overlays) peaks at {figures['peak_mb']:.0f} MB "
        f"({figures['after_load_mb']:.0f} MB after loading the model)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", type=str, default="")
    parser.add_argument("--child", type=str, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = Path(args.model) if args.model else None
    if args.child is not None:
        memory_child(json.loads(args.child), 200, args.model or None)
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = render_photos(args.photos, Path(tmp))
        speed(paths, args.repeats, model)
        memory(paths, model)


if __name__ == "__main__":
    main()
