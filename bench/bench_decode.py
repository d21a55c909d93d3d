"""Decode speed: ``model.imaging.decode`` against OpenCV's reduced decode of the same bytes.

The analysis of a 12 MP JPEG may take at most twice ``cv2.imdecode(data,
IMREAD_REDUCED_COLOR_4)``, so the decode step itself must cost about 1x that baseline.
Prints medians in milliseconds and the ratio to the baseline measured in the same run.

    .venv/bin/python bench/bench_decode.py [--repeat 21] [--png] [--heic]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from model.imaging import decode

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"


def phone_like_photo(rows: int = 3024, cols: int = 4032) -> NDArray[np.uint8]:
    """A 12 MP colour photo with real sole texture when the scans are there, else noise."""
    rng = np.random.default_rng(0)
    scans = sorted(REAL.glob("*.jpg"))[:2]
    if scans:
        tiles = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in scans]
        width = min(t.shape[1] for t in tiles)
        base = np.hstack([t[:, :width] for t in tiles])
    else:
        base = cv2.GaussianBlur(rng.integers(0, 256, (750, 1000, 3), dtype=np.uint8), (0, 0), 2)
    image = cv2.resize(base, (cols, rows), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    image *= np.array([0.8, 0.95, 1.1], np.float32)  # a colour cast, as phone photos have
    image += rng.normal(0.0, 6.0, image.shape).astype(np.float32)  # sensor noise
    return np.clip(image, 0, 255).astype(np.uint8)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm up caches and lazy imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def paired_ms(
    baseline: Callable[[], object], candidate: Callable[[], object], repeat: int
) -> tuple[float, float, float]:
    """Medians of both and the median of per-pair ratios, alternating the two calls.

    Alternating keeps a busy machine (other processes on the same cores) from loading
    one side of the comparison more than the other.
    """
    baseline()
    candidate()
    base_times, cand_times = [], []
    for _ in range(repeat):
        for fn, times in ((baseline, base_times), (candidate, cand_times)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    ratios = [c / b for b, c in zip(base_times, cand_times, strict=True)]
    return (
        1000.0 * statistics.median(base_times),
        1000.0 * statistics.median(cand_times),
        statistics.median(ratios),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--png", action="store_true", help="also time a 12 MP PNG")
    parser.add_argument("--heic", action="store_true", help="also time a 12 MP HEIC (slow)")
    args = parser.parse_args()

    photo = phone_like_photo()
    jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()
    buf = np.frombuffer(jpeg, np.uint8)
    print(f"12 MP JPEG: {photo.shape[1]} x {photo.shape[0]}, {len(jpeg) / 1e6:.1f} MB")

    baseline, ours, ratio = paired_ms(
        lambda: cv2.imdecode(buf, cv2.IMREAD_REDUCED_COLOR_4), lambda: decode(jpeg), args.repeat
    )
    print(f"decode / baseline, median of {args.repeat} alternating pairs: {ratio:.3f}x")
    rows = [
        ("cv2.imdecode REDUCED_COLOR_4 (baseline)", baseline),
        ("model.imaging.decode", ours),
        ("cv2.imdecode IMREAD_COLOR (full size)", median_ms(lambda: cv2.imdecode(buf, 1), 5)),
    ]
    if args.png:
        png = cv2.imencode(".png", photo)[1].tobytes()
        rows.append(("model.imaging.decode, 12 MP PNG", median_ms(lambda: decode(png), 5)))
    if args.heic:
        import pillow_heif

        out = io.BytesIO()
        rgb = np.ascontiguousarray(photo[:, :, ::-1]).tobytes()
        size = (photo.shape[1], photo.shape[0])
        pillow_heif.from_bytes("RGB", size, rgb).save(out, quality=85)
        heic = out.getvalue()
        rows.append(("model.imaging.decode, 12 MP HEIC", median_ms(lambda: decode(heic), 3)))
    for name, ms in rows:
        print(f"{name:45s} {ms:8.1f} ms  {ms / baseline:5.2f}x")


if __name__ == "__main__":
    main()
