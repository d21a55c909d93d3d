"""Render a labeled synthetic corpus: photos plus ``manifest.csv``, in parallel.

Each photo's seed is derived from (corpus seed, photo index) with numpy's SeedSequence,
so a corpus is identical whatever the number of workers, and any photo can be rendered
again alone from the seed in its manifest row.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from model.parallel import worker_pool
from model.synth.objects import FOAMS, RUBBERS, luminance
from model.synth.render import DEFAULT_VIEW_WEIGHTS, MANIFEST_COLUMNS, PHOTO_VIEWS, render_photo
from model.synth.scene import LIGHTINGS
from model.synth.tread import TREAD_FAMILIES

_EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}


@dataclass(frozen=True)
class CorpusConfig:
    """What a corpus contains.

    Attributes
    ----------
    view_weights : dict
        Relative frequency of ``outsole``, ``insole``, ``print`` and ``negative`` photos.
    max_megapixels : float
        Largest photo size; sizes are drawn log-uniformly from 1 MP up to it.
    treads : tuple of str
        Allowed tread families (hold one out by leaving it out).
    lightings : tuple of str
        Allowed lightings.
    """

    view_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_VIEW_WEIGHTS))
    max_megapixels: float = 12.0
    treads: tuple[str, ...] = TREAD_FAMILIES
    lightings: tuple[str, ...] = LIGHTINGS

    def __post_init__(self) -> None:
        unknown = set(self.view_weights) - set(PHOTO_VIEWS)
        if unknown:
            raise ValueError(f"unknown views {sorted(unknown)}; choose from {PHOTO_VIEWS}")
        if not any(w > 0 for w in self.view_weights.values()):
            raise ValueError("at least one view needs a positive weight")
        if self.max_megapixels < 0.05:
            raise ValueError("max_megapixels is too small")
        if not self.treads or set(self.treads) - set(TREAD_FAMILIES):
            raise ValueError(f"treads must be a non-empty subset of {TREAD_FAMILIES}")
        if not self.lightings or set(self.lightings) - set(LIGHTINGS):
            raise ValueError(f"lightings must be a non-empty subset of {LIGHTINGS}")

    @classmethod
    def from_cli(cls, *, views: str, max_megapixels: float) -> CorpusConfig:
        """Build from the command line: ``views`` like ``"outsole,insole"`` (default
        weights of the named views) or ``"outsole:2,negative:1"`` (explicit weights)."""
        weights: dict[str, float] = {}
        for item in views.split(","):
            item = item.strip()
            if not item:
                continue
            name, _, w = item.partition(":")
            name = name.strip()
            if name not in PHOTO_VIEWS:
                raise ValueError(f"unknown view {name!r}; choose from {', '.join(PHOTO_VIEWS)}")
            weights[name] = float(w) if w else DEFAULT_VIEW_WEIGHTS[name]
        if not weights:
            raise ValueError("no views given")
        return cls(view_weights=weights, max_megapixels=float(max_megapixels))


@dataclass(frozen=True)
class CorpusSummary:
    """What :func:`render_corpus` wrote."""

    out_dir: Path
    manifest: Path
    n_photos: int
    n_rows: int
    views: dict[str, int]
    labels: dict[str, int]
    formats: dict[str, int]
    seconds: float

    def __str__(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(d.items()))

        return (
            f"wrote {self.n_photos} photos ({self.n_rows} manifest rows) to {self.out_dir}\n"
            f"  manifest: {self.manifest}\n"
            f"  views:    {fmt(self.views)}\n"
            f"  labels:   {fmt(self.labels)}\n"
            f"  formats:  {fmt(self.formats)}\n"
            f"  time:     {self.seconds:.1f} s"
        )


def photo_seed(seed: int, index: int) -> int:
    """The seed of photo ``index`` of the corpus with ``seed``."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(index)]).generate_state(2)
    return int(state[0]) | (int(state[1] & 0x7FFF) << 32)


def _render_one(args: tuple[int, int, CorpusConfig, str]) -> list[dict[str, Any]]:
    index, seed, config, out_dir = args
    photo = render_photo(
        seed,
        treads=config.treads,
        lightings=config.lightings,
        max_megapixels=config.max_megapixels,
        view_weights=config.view_weights,
    )
    name = f"{index:06d}.{_EXTENSIONS[photo.fmt]}"
    Path(out_dir, name).write_bytes(photo.data)
    return [{"file": name, **row} for row in photo.rows]


def _init_worker() -> None:
    # One OpenCV thread per process: the pool already uses every core.
    import cv2

    cv2.setNumThreads(1)


def render_corpus(
    n: int,
    *,
    seed: int,
    out_dir: str | os.PathLike[str],
    workers: int | None = None,
    config: CorpusConfig | None = None,
    progress: bool = True,
) -> CorpusSummary:
    """Render ``n`` photos into ``out_dir`` and write ``out_dir/manifest.csv``.

    Parameters
    ----------
    n : int
    seed : int
        Corpus seed; photo ``i`` uses :func:`photo_seed` ``(seed, i)``.
    out_dir : path
    workers : int, optional
        Processes (default: one per core). The output does not depend on it.
    config : CorpusConfig, optional
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    CorpusSummary
    """
    import time

    config = config or CorpusConfig()
    if n < 0:
        raise ValueError("n must be >= 0")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, workers or os.cpu_count() or 1)
    jobs = [(i, photo_seed(seed, i), config, str(out)) for i in range(n)]
    start = time.perf_counter()
    results: list[list[dict[str, Any]]] = []
    bar = tqdm(total=n, desc="synth", unit="photo", disable=not progress)
    try:
        if workers == 1 or n <= 1:
            _init_worker()
            it: Iterator[list[dict[str, Any]]] = map(_render_one, jobs)
            for rows in it:
                results.append(rows)
                bar.update(1)
        else:
            with worker_pool(workers, _init_worker) as pool:
                # map keeps the input order, so the manifest is the same for any workers.
                for rows in pool.map(_render_one, jobs, chunksize=1):
                    results.append(rows)
                    bar.update(1)
    finally:
        bar.close()
    all_rows = [row for rows in results for row in rows]
    manifest = out / "manifest.csv"
    write_manifest(manifest, all_rows)
    # What made this corpus, for the model card of whatever is trained on it.
    description = {
        "generator": "solescan synth",
        "seed": seed,
        "photos": n,
        "max_megapixels": config.max_megapixels,
        "view_weights": config.view_weights,
        "treads": list(config.treads),
        "lightings": list(config.lightings),
    }
    (out / "corpus.json").write_text(json.dumps(description, indent=2) + "\n")
    return CorpusSummary(
        out_dir=out,
        manifest=manifest,
        n_photos=n,
        n_rows=len(all_rows),
        views=dict(Counter(rows[0]["view"] for rows in results)),
        labels=dict(Counter(str(r["label"]) for r in all_rows)),
        formats=dict(Counter(rows[0]["format"] for rows in results)),
        seconds=time.perf_counter() - start,
    )


def write_manifest(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write manifest rows with the contract's columns, in order."""
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(MANIFEST_COLUMNS), extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def read_manifest(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read a manifest back as a list of string dicts."""
    with Path(path).open(newline="") as fh:
        return list(csv.DictReader(fh))


# Luminance above which a sole's rubber or an insole's foam counts as light.
LIGHT_MATERIAL = 0.5


def is_light_material(row: dict[str, str]) -> bool:
    """Whether a manifest row's sole (rubber) or insole (foam) is light-coloured."""
    colours = RUBBERS if row["view"] == "outsole" else FOAMS
    return luminance(colours[row["material"]]) > LIGHT_MATERIAL


def write_subset(rows: Sequence[dict[str, Any]], files: set[str], pool: Path, out: Path) -> Path:
    """A manifest at ``out`` of the ``pool`` corpus's photos named in ``files``.

    File paths are made absolute, since the manifest lives elsewhere than the photos.
    """
    write_manifest(out, [{**r, "file": str(pool / r["file"])} for r in rows if r["file"] in files])
    return out
