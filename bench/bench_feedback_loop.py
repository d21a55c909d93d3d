"""The retraining loop, before and after, on a shift the base model never saw.

A base model learns from rendered photos without one tread family (or one lighting).
Photos of the held-out shift are analysed through the real HTTP app, a simulated
clinician posts the true label of every found foot, ``solescan export`` writes the
labelled photos as a manifest, and a candidate is retrained on the base corpus plus the
export with the base model's segmenter. Both models are then scored end to end on fresh
held-out photos of the shift, and on fresh photos like the base corpus (the retrained
model must not pay for the shift elsewhere). Prints strict macro-F1 (missed and
undetermined feet count as wrong) per view and overall, the paired bootstrap interval of
the difference, and the promotion gate's verdict.

    .venv/bin/python bench/bench_feedback_loop.py [--tread circles | --lighting spot]
        [--base 400] [--clinic 200] [--held-out 200] [--workers N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import mimetypes
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from model.classifier import SHIPPED_DIR, load_bundle, save_bundle
from model.promotion import compare, promote, score_model
from model.synth.corpus import CorpusConfig, render_corpus
from model.synth.scene import LIGHTINGS
from model.synth.tread import TREAD_FAMILIES
from model.training import MATCH_DISTANCE, train
from service.app import create_app
from service.export import export_command
from service.settings import Settings
from service.store import Store

VIEWS = {"outsole": 0.5, "insole": 0.2, "print": 0.2, "negative": 0.1}


def configs(args: argparse.Namespace) -> tuple[CorpusConfig, CorpusConfig, str]:
    """(base corpus, shifted photos, description of the shift)."""
    mp = args.max_megapixels
    if args.lighting:
        others = tuple(x for x in LIGHTINGS if x != args.lighting)
        base = CorpusConfig(view_weights=VIEWS, max_megapixels=mp, lightings=others)
        shifted = CorpusConfig(
            view_weights={"outsole": 0.5, "insole": 0.25, "print": 0.25},
            max_megapixels=mp,
            lightings=(args.lighting,),
        )
        return base, shifted, f"lighting {args.lighting!r}"
    others = tuple(x for x in TREAD_FAMILIES if x != args.tread)
    base = CorpusConfig(view_weights=VIEWS, max_megapixels=mp, treads=others)
    # Treads show on outsoles and their prints only.
    shifted = CorpusConfig(
        view_weights={"outsole": 0.75, "print": 0.25}, max_megapixels=mp, treads=(args.tread,)
    )
    return base, shifted, f"tread family {args.tread!r}"


def clinician_answer(
    found: list[dict[str, Any]], truth: list[dict[str, str]]
) -> list[dict[str, Any]] | None:
    """The true label (and side, when detected wrong) of every found foot, or None."""
    answer = []
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
        answer.append(item)
    return answer


def clinic_round(settings: Settings, key: str, corpus_dir: Path, manifest: Path) -> dict[str, int]:
    """Upload every photo through the API and post the clinician's labels."""
    truth: dict[str, list[dict[str, str]]] = defaultdict(list)
    with manifest.open(newline="") as fh:
        for row in csv.DictReader(fh):
            truth[row["file"]].append(row)
    headers = {"Authorization": f"Bearer {key}"}
    counts = {"photos": len(truth), "analysed": 0, "labelled": 0}
    with TestClient(create_app(settings)) as client:
        for number, (name, rows) in enumerate(sorted(truth.items())):
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            response = client.post(
                "/v1/analyses",
                files={"image": (name, (corpus_dir / name).read_bytes(), media)},
                data={"subject_ref": f"patient-{number // 2:05d}"},
                headers=headers,
            )
            if response.status_code != 201:
                continue
            counts["analysed"] += 1
            analysis = response.json()
            answer = clinician_answer(analysis["feet"], rows)
            if answer is None:
                continue
            client.post(analysis["links"]["feedback"], json={"feet": answer}, headers=headers)
            counts["labelled"] += 1
    return counts


def figures(score: Any) -> str:
    views = ", ".join(
        f"{view} {f['macro_f1']:.3f}/{f['feet']}" for view, f in score.summary["per_view"].items()
    )
    return f"{score.strict_macro_f1:.3f}  ({views})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    shift = parser.add_mutually_exclusive_group()
    shift.add_argument("--tread", choices=TREAD_FAMILIES, default="circles")
    shift.add_argument("--lighting", choices=LIGHTINGS, default=None)
    parser.add_argument("--base", type=int, default=400, help="base corpus photos")
    parser.add_argument("--clinic", type=int, default=200, help="shifted photos sent by clinics")
    parser.add_argument("--held-out", type=int, default=200, help="held-out photos per set")
    parser.add_argument("--max-megapixels", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=4100)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep it all")
    args = parser.parse_args()
    base_config, shift_config, shift_name = configs(args)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-loop-"))
    cache, workers, started = root / "feature-cache", args.workers, time.perf_counter()

    def stage(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", flush=True)

    stage(f"shift: {shift_name}; work dir {root}")
    base_corpus = render_corpus(
        args.base, seed=args.seed, out_dir=root / "base", config=base_config, workers=workers
    )
    base = train(
        [base_corpus.manifest],
        seed=0,
        cache_dir=cache,
        workers=workers,
        version="bench-base",
        segmenter_photos=0,
        base=load_bundle(SHIPPED_DIR),
    )
    store = root / "store"
    promote(save_bundle(base, root / "base-model"), store)
    stage("base model trained")

    settings = Settings(
        data_dir=root / "data",
        database_url=f"sqlite:///{root / 'solescan.sqlite3'}",
        model_path=store,
        host="127.0.0.1",
    )
    opened = Store.open(settings.resolved_database_url)
    key, _ = opened.create_key("bench-clinic")
    opened.close()
    clinic = render_corpus(
        args.clinic, seed=args.seed + 1, out_dir=root / "clinic", config=shift_config
    )
    counts = clinic_round(settings, key, clinic.out_dir, clinic.manifest)
    stage(f"clinic round through the API: {counts}")
    export_command(out=root / "export", settings=settings)

    candidate = train(
        [base_corpus.manifest, root / "export" / "manifest.csv"],
        seed=0,
        cache_dir=cache,
        workers=workers,
        version="bench-retrained",
        segmenter_photos=0,
        base=base,
    )
    candidate_dir = save_bundle(candidate, root / "candidate")
    stage("retrained on base corpus + export")

    shifted = render_corpus(
        args.held_out, seed=args.seed + 2, out_dir=root / "held-shift", config=shift_config
    ).manifest
    usual = render_corpus(
        args.held_out, seed=args.seed + 3, out_dir=root / "held-usual", config=base_config
    ).manifest
    decision = compare(candidate_dir, store, [shifted], workers=workers)
    usual_before = score_model(store / "bench-base", [usual], workers=workers)
    usual_after = score_model(candidate_dir, [usual], workers=workers)
    stage("scored")

    assert decision.current is not None
    assert decision.difference_interval is not None
    before, after = decision.current, decision.candidate
    low, high = decision.difference_interval
    print()
    print("strict macro-F1 (missed/undetermined = wrong), per view macro-F1/feet")
    print(f"held-out {shift_name} ({len(after.feet)} feet):")
    print(f"  before (base)       {figures(before)}")
    print(f"  after (retrained)   {figures(after)}")
    print(
        f"  difference {after.strict_macro_f1 - before.strict_macro_f1:+.3f} "
        f"(95% bootstrap {low:+.3f} .. {high:+.3f}); ratio after/before "
        f"{after.strict_macro_f1 / max(before.strict_macro_f1, 1e-9):.2f}"
    )
    print(f"held-out photos like the base corpus ({len(usual_after.feet)} feet):")
    print(f"  before (base)       {figures(usual_before)}")
    print(f"  after (retrained)   {figures(usual_after)}")
    print(f"gate: {decision.reason}")


if __name__ == "__main__":
    main()
