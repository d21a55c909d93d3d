"""The evaluation's breakdown of accuracy by the light a photo was taken in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from model.evaluation import FootOutcome, PhotoOutcome, run, summarize
from model.training import read_manifests


def foot(view: str, label: str, predicted: str | None, lighting: str | None) -> FootOutcome:
    return FootOutcome("p", view, label, "left", predicted, None, None, None, lighting)


def test_label_correct_by_lighting_counts_missed_and_undetermined_feet_as_wrong() -> None:
    feet = [
        foot("outsole", "neutral", "neutral", "even"),
        foot("outsole", "overpronation", "overpronation", "even"),
        foot("insole", "neutral", "neutral", "even"),
        foot("outsole", "neutral", "overpronation", "lamp"),
        foot("outsole", "neutral", "undetermined", "lamp"),
        foot("outsole", "underpronation", None, "lamp"),  # missed
        foot("print", "neutral", "neutral", "lamp"),
        foot("outsole", "neutral", "overpronation", None),  # lighting not known
    ]
    photo = PhotoOutcome("p", "outsole", 1, 1, False, None, "outsole")
    by_lighting = summarize([photo], feet)["by_lighting"]
    assert set(by_lighting) == {"even", "lamp"}
    assert by_lighting["even"]["feet"] == 3
    assert by_lighting["even"]["label_correct"] == pytest.approx(1.0)
    assert by_lighting["even"]["outsole"] == {"feet": 2, "label_correct": pytest.approx(1.0)}
    assert by_lighting["lamp"]["feet"] == 4
    assert by_lighting["lamp"]["label_correct"] == pytest.approx(0.25)
    assert by_lighting["lamp"]["outsole"] == {"feet": 3, "label_correct": pytest.approx(0.0)}
    assert by_lighting["lamp"]["print"] == {"feet": 1, "label_correct": pytest.approx(1.0)}
    assert "insole" not in by_lighting["lamp"]


def write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_manifest_without_a_lighting_column_leaves_the_lighting_unknown(tmp_path: Path) -> None:
    row = {
        "file": "a.jpg",
        "view": "outsole",
        "side": "left",
        "label": "neutral",
        "center_x": "10",
        "center_y": "20",
        "length_px": "100",
    }
    plain = write_manifest(tmp_path / "plain.csv", [row])
    lit = write_manifest(tmp_path / "lit.csv", [{**row, "file": "b.jpg", "lighting": "window"}])
    lightings = {p.path.name: p.lighting for p in read_manifests([plain, lit])}
    assert lightings == {"a.jpg": None, "b.jpg": "window"}


def test_the_evaluation_carries_each_photos_lighting_to_its_feet(tmp_path: Path) -> None:
    from model.synth.corpus import CorpusConfig, read_manifest, render_corpus

    config = CorpusConfig(view_weights={"outsole": 1.0}, max_megapixels=0.6)
    corpus = render_corpus(4, seed=811, out_dir=tmp_path, workers=1, config=config, progress=False)
    truth = {row["file"]: row["lighting"] for row in read_manifest(corpus.manifest)}
    _, feet = run([corpus.manifest], workers=1, progress=False)
    assert feet
    assert {(Path(f.photo).name, f.lighting) for f in feet} <= set(truth.items())
    assert {Path(f.photo).name for f in feet} == set(truth)
