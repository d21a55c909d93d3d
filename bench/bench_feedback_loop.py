"""The retraining loop, before and after, on a shift the base model never saw.

One rendered pool of outsole and insole photos is split by a manifest column into the
photos the base model learns from and the shifted ones clinics send: by default light
soles and insoles (white, grey, beige...) against dark ones; ``--shift tread:circles`` or
``--shift lighting:spot`` hold out a tread family or a lighting instead. Shifted photos are
analysed through the real HTTP app, a simulated clinician posts the true label of every
found foot, ``solescan export`` writes the labelled photos as a manifest, and a candidate
is retrained on the base corpus plus the export with the base model's segmenter.

Printed, as strict macro-F1 (missed and undetermined feet count as wrong) overall and per
view, on fresh held-out photos of the shift: the base model (before), the retrained one
(after), and a control retrained on as many more photos of the base kind (is it the
clinic photos that help, or just more data?); on fresh held-out photos of the base kind:
before and after (the retrained model must not pay for the shift elsewhere). Then the
paired bootstrap interval of the difference and the promotion gate's verdict.

    .venv/bin/python bench/bench_feedback_loop.py [--shift material | tread:NAME |
        lighting:NAME] [--pool 1200] [--workers N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import mimetypes
import random
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from model.analyze import use_one_thread
from model.classifier import SHIPPED_DIR, load_bundle, save_bundle
from model.evaluation import clinician_answer
from model.promotion import ModelScore, compare, promote, score_model
from model.synth.corpus import (
    CorpusConfig,
    is_light_material,
    read_manifest,
    render_corpus,
    write_subset,
)
from model.training import train
from service.app import create_app
from service.export import export_command
from service.settings import Settings
from service.store import Store


def shifted(row: dict[str, str], shift: str) -> bool:
    """Whether a pool photo belongs to the shift clinics send."""
    if shift == "material":
        return is_light_material(row)
    column, _, value = shift.partition(":")
    return row[column] == value


def clinic_round(
    settings: Settings, key: str, pool: Path, truth: dict[str, list[dict[str, str]]]
) -> dict[str, int]:
    """Upload every clinic photo through the API and post the clinician's labels."""
    headers = {"Authorization": f"Bearer {key}"}
    counts = {"photos": len(truth), "analysed": 0, "labelled": 0}
    with TestClient(create_app(settings)) as client:
        for number, (name, rows) in enumerate(sorted(truth.items())):
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            response = client.post(
                "/v1/analyses",
                files={"image": (name, (pool / name).read_bytes(), media)},
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
            client.post(analysis["links"]["feedback"], json={"feet": answer[0]}, headers=headers)
            counts["labelled"] += 1
    return counts


def figures(score: ModelScore) -> str:
    views = ", ".join(
        f"{view} {f['macro_f1']:.3f} ({f['feet']} feet, coverage {f['coverage']:.2f})"
        for view, f in score.summary["per_view"].items()
    )
    return f"{score.strict_macro_f1:.3f}   {views}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shift", default="material", help="material, tread:NAME, lighting:NAME")
    parser.add_argument("--pool", type=int, default=1200, help="photos rendered in all")
    parser.add_argument("--max-megapixels", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=4100)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep it all")
    args = parser.parse_args()
    # Parallelism comes from process pools. OpenCV's thread pool, once the in-process API
    # has used it, would also hang the training pool's forked workers.
    use_one_thread()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-loop-"))
    cache, workers, started = root / "feature-cache", args.workers, time.perf_counter()

    def stage(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", flush=True)

    stage(f"shift: {args.shift}; work dir {root}")
    config = CorpusConfig(
        view_weights={"outsole": 0.6, "insole": 0.4}, max_megapixels=args.max_megapixels
    )
    pool = render_corpus(args.pool, seed=args.seed, out_dir=root / "pool", config=config)
    rows = read_manifest(pool.manifest)
    new = sorted({r["file"] for r in rows if shifted(r, args.shift)})
    old = sorted({r["file"] for r in rows} - set(new))
    random.Random(args.seed).shuffle(old)
    # The base kind: 60% to train on, 20% as the control's extra data, 20% held out.
    n_base, n_extra = int(0.6 * len(old)), int(0.2 * len(old))
    base_files, extra_files, old_held = (
        old[:n_base],
        old[n_base : n_base + n_extra],
        old[n_base + n_extra :],
    )
    clinic_files, new_held = new[::2], new[1::2]
    base_manifest = write_subset(rows, set(base_files), pool.out_dir, root / "base.csv")
    stage(
        f"pool {len(old)} photos of the base kind, {len(new)} shifted; base {len(base_files)}, "
        f"clinic {len(clinic_files)}, held out {len(new_held)} shifted + {len(old_held)} base"
    )

    base = train(
        [base_manifest],
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
    truth = {f: [r for r in rows if r["file"] == f] for f in clinic_files}
    counts = clinic_round(settings, key, pool.out_dir, truth)
    stage(f"clinic round through the API: {counts}")
    export_command(out=root / "export", settings=settings)

    candidate = train(
        [base_manifest, root / "export" / "manifest.csv"],
        seed=0,
        cache_dir=cache,
        workers=workers,
        version="bench-retrained",
        segmenter_photos=0,
        base=base,
    )
    candidate_dir = save_bundle(candidate, root / "candidate")
    extra = set(extra_files[: counts["labelled"]])
    control = train(
        [base_manifest, write_subset(rows, extra, pool.out_dir, root / "extra.csv")],
        seed=0,
        cache_dir=cache,
        workers=workers,
        version="bench-control",
        segmenter_photos=0,
        base=base,
    )
    control_dir = save_bundle(control, root / "control")
    stage("retrained on base + export, and the control on base + as many base-kind photos")

    held_new = write_subset(rows, set(new_held), pool.out_dir, root / "held-shift.csv")
    held_old = write_subset(rows, set(old_held), pool.out_dir, root / "held-base.csv")
    decision = compare(candidate_dir, store, [held_new], workers=workers)
    control_score = score_model(control_dir, [held_new], workers=workers)
    old_before = score_model(store / "bench-base", [held_old], workers=workers)
    old_after = score_model(candidate_dir, [held_old], workers=workers)
    stage("scored")

    before, after = decision.current, decision.candidate
    assert before is not None
    assert decision.difference_interval is not None
    low, high = decision.difference_interval
    print()
    print("strict macro-F1 (missed and undetermined feet count as wrong); per view macro-F1")
    print(f"held-out shifted photos ({args.shift}):")
    print(f"  before   base                      {figures(before)}")
    print(f"  after    base + clinic export      {figures(after)}")
    print(f"  control  base + as many base-kind  {figures(control_score)}")
    print(
        f"  after - before {after.strict_macro_f1 - before.strict_macro_f1:+.3f} "
        f"(95% paired bootstrap {low:+.3f} .. {high:+.3f}); after / before "
        f"{after.strict_macro_f1 / max(before.strict_macro_f1, 1e-9):.2f}"
    )
    print("held-out photos of the base kind:")
    print(f"  before   {figures(old_before)}")
    print(f"  after    {figures(old_after)}")
    print(f"gate: {decision.reason}")


if __name__ == "__main__":
    main()
