"""Model versions: the promotion gate, the store layout and `solescan train --promote`."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from model.classifier import ARTIFACT_FILE, CARD_FILE, CURRENT_FILE, SHIPPED_DIR, load_bundle
from model.evaluation import FootOutcome
from model.promotion import (
    PROMOTION_MARGIN,
    ModelScore,
    current_version,
    decide,
    paired_difference_interval,
    promote,
    split_holdout,
    strict_macro_f1,
    write_current,
)


def foot(label: str, predicted: str | None, photo: str = "p") -> FootOutcome:
    return FootOutcome(photo, "outsole", label, "left", predicted, None, None, None)


def score(version: str, value: float, n: int = 50) -> ModelScore:
    feet = [foot("neutral", "neutral", str(i)) for i in range(n)]
    return ModelScore(version, Path(version), value, {"per_view": {}}, [], feet)


def fake_artifact(directory: Path, version: str, payload: bytes = b"model") -> Path:
    directory.mkdir(parents=True)
    (directory / ARTIFACT_FILE).write_bytes(payload)
    (directory / CARD_FILE).write_text(json.dumps({"version": version}))
    return directory


def test_strict_macro_f1_counts_missed_and_undetermined_feet_as_wrong() -> None:
    right = [foot(label, label) for label in ("neutral", "overpronation", "underpronation")]
    assert strict_macro_f1(right) == pytest.approx(1.0)
    hedged = [*right, foot("neutral", "undetermined"), foot("overpronation", None)]
    assert strict_macro_f1(hedged) < 0.9
    # Leaving the hedged feet out would hide them; the strict figure must not.
    assert strict_macro_f1(hedged) < strict_macro_f1(right)


def test_the_gate_needs_the_margin_and_says_why() -> None:
    current = score("2026.01.01-1", 0.80)
    promoted, reason = decide(score("new", 0.80 + PROMOTION_MARGIN), current)
    assert promoted
    assert "promoted new" in reason
    promoted, reason = decide(score("new", 0.80 + PROMOTION_MARGIN / 2), current)
    assert not promoted
    assert reason.startswith("not promoted")
    assert "0.805" in reason
    assert "0.800" in reason
    assert "2026.01.01-1" in reason
    promoted, reason = decide(score("new", 0.50), None)
    assert promoted
    assert "no model in service" in reason


def test_paired_interval_is_zero_for_identical_predictions_and_positive_for_a_fix() -> None:
    feet = [foot(lab, lab, str(i)) for i, lab in enumerate(["neutral", "overpronation"] * 10)]
    assert paired_difference_interval(feet, feet) == (0.0, 0.0)
    worse = [foot(f.label, "neutral", f.photo) for f in feet]
    low, high = paired_difference_interval(feet, worse)
    assert 0 < low <= high


def test_promotion_copies_the_version_and_points_current_at_it(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert current_version(store) is None
    first = promote(fake_artifact(tmp_path / "a", "v1"), store)
    assert first == store / "v1"
    assert (store / "v1" / ARTIFACT_FILE).read_bytes() == b"model"
    assert current_version(store) == "v1"
    promote(fake_artifact(tmp_path / "b", "v2", b"better"), store)
    assert current_version(store) == "v2"
    assert (store / "v1" / ARTIFACT_FILE).exists()  # older versions stay for roll-back
    # Nothing half-written is left behind.
    assert sorted(p.name for p in store.iterdir()) == [CURRENT_FILE, "v1", "v2"]
    # Promoting the same artifact again is harmless; other content under a used version
    # is refused: versions are immutable.
    promote(tmp_path / "b", store)
    with pytest.raises(ValueError, match="immutable"):
        promote(fake_artifact(tmp_path / "c", "v2", b"other"), store)
    assert (store / "v2" / ARTIFACT_FILE).read_bytes() == b"better"


def test_rolling_back_is_rewriting_current(tmp_path: Path) -> None:
    store = tmp_path / "store"
    promote(fake_artifact(tmp_path / "a", "v1"), store)
    promote(fake_artifact(tmp_path / "b", "v2"), store)
    write_current(store, "v1")
    assert (store / CURRENT_FILE).read_text() == "v1\n"
    with pytest.raises(Exception, match="nothing to serve"):
        write_current(store, "v9")
    assert current_version(store) == "v1"


def test_a_single_artifact_is_not_a_store(tmp_path: Path) -> None:
    single = fake_artifact(tmp_path / "single", "v0")
    with pytest.raises(ValueError, match="not a model store"):
        promote(fake_artifact(tmp_path / "a", "v1"), single)


def test_the_held_out_split_keeps_subjects_and_photos_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    manifest = data / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "view", "label", "subject"])
        writer.writeheader()
        for photo in range(60):
            # Photos 0..39 belong to 20 subjects (two each); every other photo shows a pair.
            for _ in range(1 + photo % 2):
                writer.writerow(
                    {
                        "file": f"{photo}.jpg",
                        "view": "outsole",
                        "label": ["neutral", "overpronation", "underpronation"][photo % 3],
                        "subject": f"s{photo % 20}" if photo < 40 else "",
                    }
                )
    train, held = split_holdout([manifest], tmp_path / "split", seed=3)

    def rows(path: Path) -> list[dict[str, str]]:
        with path.open(newline="") as fh:
            return list(csv.DictReader(fh))

    train_rows, held_rows = rows(train), rows(held)
    assert len(train_rows) + len(held_rows) == 90
    assert 0.1 < len(held_rows) / 90 < 0.35
    assert all(Path(r["file"]).is_absolute() for r in train_rows + held_rows)
    for key in ("subject", "file"):
        held_keys = {r[key] for r in held_rows if r[key]}
        assert held_keys.isdisjoint(r[key] for r in train_rows if r[key])
    assert {r["label"] for r in held_rows} == {"neutral", "overpronation", "underpronation"}


# Training runs here: on one thread, as the service's analyses do (see conftest.py).
pytestmark = pytest.mark.usefixtures("one_thread")


# -- `solescan train --promote` end to end -----------------------------------------------


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small mixed corpus to train on and a separate one to hold out."""
    from model.synth.corpus import CorpusConfig, render_corpus

    root = tmp_path_factory.mktemp("promotion-corpus")
    config = CorpusConfig(
        view_weights={"outsole": 0.5, "insole": 0.25, "print": 0.25}, max_megapixels=0.8
    )
    train = render_corpus(36, seed=71, out_dir=root / "train", config=config, progress=False)
    held = render_corpus(12, seed=72, out_dir=root / "held", config=config, progress=False)
    return train.manifest, held.manifest


def test_train_promote_keeps_the_better_model_in_service(
    small_corpus: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main

    shipped = load_bundle()
    store = tmp_path / "store"
    shutil.copytree(SHIPPED_DIR / shipped.version, store / shipped.version)
    (store / CURRENT_FILE).write_text(shipped.version + "\n")
    train_manifest, held_manifest = small_corpus
    out = tmp_path / "candidate"
    code = main(
        [
            "train",
            str(train_manifest),
            "--out",
            str(out),
            "--promote",
            str(store),
            "--holdout",
            str(held_manifest),
            "--cache",
            str(tmp_path / "cache"),
            "--workers",
            "2",
            "--family",
            "logistic",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    card = json.loads((out / CARD_FILE).read_text())
    assert card["pronation_family"] == "logistic"
    decision = card["promotion"]
    # A model trained on 36 photos does not beat the shipped one: the store keeps it,
    # and the command says why with both figures.
    assert decision["promoted"] is False
    assert current_version(store) == shipped.version
    assert not (store / card["version"]).exists()
    assert "not promoted" in printed
    # The card keeps 4 decimals and the command prints 3 of the unrounded figure.
    said = [float(x) for x in re.findall(r"scores (\d\.\d{3})", printed)]
    assert said == pytest.approx(
        [decision["candidate"]["strict_macro_f1"], decision["in_service"]["strict_macro_f1"]],
        abs=6e-4,
    )
    assert decision["in_service"]["version"] == shipped.version
    # The candidate reused the segmenter of the model in service.
    segmenter = card["training_data"]["segmenter"]
    assert segmenter["reused_from"] == shipped.version
    assert segmenter["trained_as"]["rendered_photos"] > 0
