"""The retraining loop end to end, on a shift the base model never saw.

A base model is trained on rendered photos of dark soles and insoles only. Photos of light
ones (white, grey, beige, tan...) are then analysed through the real HTTP app, a clinician
confirms or corrects each foot, ``solescan export`` writes them as a manifest, a candidate
is retrained on the base corpus plus the export (reusing the base model's segmenter, as
for clinic photos), and both models are scored on fresh held-out photos of light soles.
The retrained model must be measurably better there, win the promotion gate, and then be
the one the service loads. ``bench/bench_feedback_loop.py`` runs the same loop larger and
prints the figures.

Why the colour of the material: wear reads differently on it (worn rubber turns lighter
on dark soles, greyer on light ones; an imprint darkens a light insole more). A held-out
tread family or lighting was tried first and costs the base model nothing measurable: the
wear features normalise them away (the benchmark shows it with ``--shift tread:circles``),
so there would be nothing for the loop to win back.
"""

from __future__ import annotations

import csv
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from model.classifier import load_bundle, save_bundle
from model.evaluation import clinician_answer
from model.promotion import PROMOTION_MARGIN, PromotionDecision, compare, promote
from model.synth.corpus import (
    CorpusConfig,
    is_light_material,
    read_manifest,
    render_corpus,
    write_subset,
)
from model.synth.render import MANIFEST_COLUMNS
from model.training import train
from service.app import create_app
from service.export import EXPORT_COLUMNS, export_command
from service.settings import Settings
from service.store import Store

# One rendered pool, split by the colour of the sole or insole.
POOL = 260
POOL_CONFIG = CorpusConfig(view_weights={"outsole": 0.6, "insole": 0.4}, max_megapixels=0.8)
WORKERS = 2
CLINIC = "north"


@dataclass
class Loop:
    root: Path
    store: Path
    settings: Settings
    key: str
    clinic_truth: dict[str, list[dict[str, str]]]
    analysed_files: dict[str, str]  # analysis id -> the photo's name in the pool
    uploaded: int
    labelled_photos: int
    corrected_sides: int
    export_dir: Path
    candidate_dir: Path
    held_out: Path
    decision: PromotionDecision


# Training runs here: on one thread, as the service's analyses do (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Loop:
    return run_loop(tmp_path_factory.mktemp("feedback-loop"))


def run_loop(root: Path) -> Loop:
    cache = root / "feature-cache"
    pool = render_corpus(
        POOL, seed=301, out_dir=root / "pool", config=POOL_CONFIG, workers=WORKERS, progress=False
    )
    rows = read_manifest(pool.manifest)
    light = sorted({r["file"] for r in rows if is_light_material(r)})
    dark = {r["file"] for r in rows} - set(light)
    base_manifest = write_subset(rows, dark, pool.out_dir, root / "base.csv")
    clinic_files, held_files = set(light[::2]), set(light[1::2])
    held_out = write_subset(rows, held_files, pool.out_dir, root / "held-out.csv")

    base = train(
        [base_manifest],
        seed=0,
        cache_dir=cache,
        workers=WORKERS,
        progress=False,
        version="loop-base",
        # The shipped segmenter finds soles of any colour; the shift is in how wear reads,
        # which the models on top of it learn.
        segmenter_photos=0,
        base=load_bundle(),
    )
    store = root / "store"
    promote(save_bundle(base, root / "base-model"), store)

    database_url = f"sqlite:///{root / 'solescan.sqlite3'}"
    settings = Settings(
        data_dir=root / "data", database_url=database_url, model_path=store, host="127.0.0.1"
    )
    opened = Store.open(database_url)
    key, _ = opened.create_key(CLINIC)
    opened.close()
    headers = {"Authorization": f"Bearer {key}"}

    truth = {f: [r for r in rows if r["file"] == f] for f in sorted(clinic_files)}
    uploaded = labelled = corrected = 0
    analysed_files: dict[str, str] = {}
    with TestClient(create_app(settings)) as client:
        for number, (name, photo_rows) in enumerate(truth.items()):
            path = pool.out_dir / name
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
            response = client.post(
                "/v1/analyses",
                files={"image": (name, path.read_bytes(), media)},
                # Two photos per patient: the export must keep them together.
                data={"subject_ref": f"patient-{number // 2:04d}"},
                headers=headers,
            )
            if response.status_code != 201:
                continue  # not even a sole was found: nothing for a clinician to label
            uploaded += 1
            analysis = response.json()
            analysed_files[analysis["id"]] = name
            answer = clinician_answer(analysis["feet"], photo_rows)
            if answer is None:
                continue
            feedback = client.post(
                analysis["links"]["feedback"],
                json={"feet": answer[0], "clinician": "dr-test"},
                headers=headers,
            )
            assert feedback.status_code == 200, feedback.text
            labelled += 1
            corrected += answer[1]

    export_dir = root / "export"
    assert export_command(out=export_dir, clinic=CLINIC, settings=settings) == 0
    candidate = train(
        [base_manifest, export_dir / "manifest.csv"],
        seed=0,
        cache_dir=cache,
        workers=WORKERS,
        progress=False,
        version="loop-retrained",
        segmenter_photos=0,
        base=base,
    )
    candidate_dir = save_bundle(candidate, root / "candidate")
    decision = compare(candidate_dir, store, [held_out], workers=WORKERS, progress=False)
    return Loop(
        root=root,
        store=store,
        settings=settings,
        key=key,
        clinic_truth=truth,
        analysed_files=analysed_files,
        uploaded=uploaded,
        labelled_photos=labelled,
        corrected_sides=corrected,
        export_dir=export_dir,
        candidate_dir=candidate_dir,
        held_out=held_out,
        decision=decision,
    )


def test_clinician_feedback_exports_as_a_training_manifest(loop: Loop) -> None:
    assert loop.labelled_photos >= len(loop.clinic_truth) // 2
    with (loop.export_dir / "manifest.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
        assert EXPORT_COLUMNS[: len(MANIFEST_COLUMNS)] == MANIFEST_COLUMNS
        rows = list(reader)
    assert len({r["file"] for r in rows}) == loop.labelled_photos
    for row in rows:
        # Every exported foot carries the label and side the clinician gave for it: those
        # of the nearest labeled foot of the same photo.
        source = loop.analysed_files[Path(row["file"]).stem]
        x, y = float(row["center_x"]), float(row["center_y"])
        nearest = min(
            loop.clinic_truth[source],
            key=lambda t: np.hypot(x - float(t["center_x"]), y - float(t["center_y"])),
        )
        assert (row["label"], row["side"]) == (nearest["label"], nearest["side"])
        assert row["clinic"] == CLINIC
        assert row["view"] in ("outsole", "insole")
        # The subject is a stable stand-in, never the clinic's reference.
        assert len(row["subject"]) == 20
        assert "patient" not in row["subject"]
        photo = (loop.export_dir / row["file"]).read_bytes()
        assert photo[:2] == b"\xff\xd8"
        assert b"Exif" not in photo[:4096]
    subjects = {r["subject"] for r in rows}
    assert len(subjects) < len({r["file"] for r in rows})  # two photos per patient


def test_the_retrained_model_is_better_on_the_shift(loop: Loop) -> None:
    decision = loop.decision
    assert decision.current is not None
    before, after = decision.current.strict_macro_f1, decision.candidate.strict_macro_f1
    low, high = decision.difference_interval or (float("nan"), float("nan"))
    print(
        f"held-out light soles: strict macro-F1 {before:.3f} -> {after:.3f} "
        f"(difference 95% bootstrap {low:+.3f} .. {high:+.3f})"
    )
    assert decision.current.version == "loop-base"
    # The imprint model, learned from rendered insoles of every colour and reused by both
    # models, already outlines a light insole's imprint: the shift costs the base model
    # less than it did (0.589 before the imprint model, 0.787 with it), and the loop wins
    # back a smaller gap (+0.137 then, +0.049 now).
    assert after >= before + 0.03
    assert decision.promote
    assert decision.difference_interval is not None
    assert decision.difference_interval[1] > PROMOTION_MARGIN


def test_the_promoted_model_is_served_and_named_in_every_result(loop: Loop) -> None:
    promote(loop.candidate_dir, loop.store)
    headers = {"Authorization": f"Bearer {loop.key}"}
    with loop.held_out.open(newline="") as fh:
        photo = Path(next(csv.DictReader(fh))["file"])
    upload = {"image": (photo.name, photo.read_bytes(), "application/octet-stream")}
    for pinned, expected in ((None, "loop-retrained"), ("loop-base", "loop-base")):
        settings = loop.settings.model_copy(update={"model_version": pinned})
        with TestClient(create_app(settings)) as client:
            response = client.post("/v1/analyses", files=upload, headers=headers)
            assert response.status_code == 201, response.text
            assert response.json()["model_version"] == expected
