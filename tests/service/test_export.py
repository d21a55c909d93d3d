"""`solescan export`: clinician-labelled kept photos as a training manifest."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from model.synth.render import MANIFEST_COLUMNS
from service.export import EXPORT_COLUMNS, export_feedback, side_in_view, subject_hash
from service.settings import get_settings
from service.store import NewAnalysis, Store

DAY = [datetime(2026, 3, d, 12, 0, tzinfo=UTC) for d in range(1, 6)]


class Clock:
    def __init__(self) -> None:
        self.now = DAY[0]

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'store.sqlite3'}", clock=clock)
    yield opened
    opened.close()


def jpeg(seed: int) -> bytes:
    image = np.random.default_rng(seed).integers(0, 255, (60, 80, 3), dtype=np.uint8)
    return bytes(cv2.imencode(".jpg", image)[1])


def result(n_feet: int, view: str = "outsole") -> dict[str, Any]:
    feet = [
        {
            "side": side,
            "label": "neutral",
            "center": [20.0 + 40 * i, 30.0],
            "metrics": {"quality_object_px": 50.0, "mlwi_total": 0.1},
        }
        for i, side in enumerate(["left", "right"][:n_feet])
    ]
    return {"status": "ok", "view": view, "image": {"width": 80, "height": 60}, "feet": feet}


def add(
    store: Store,
    *,
    clinic: str = "north",
    subject: str | None = "patient-7",
    feet: int = 1,
    labels: list[dict[str, Any]] | None = None,
    view: str | None = None,
    keep_photo: bool = True,
    seed: int = 0,
) -> str:
    record = store.create_analysis(
        NewAnalysis(
            clinic=clinic,
            subject_ref=subject,
            model_version="test",
            requested_view="auto",
            requested_side="auto",
            result=result(feet),
            overlay_jpeg=b"jpeg",
            photo=jpeg(seed) if keep_photo else None,
        )
    )
    if labels is not None:
        store.put_feedback(
            clinic,
            record.id,
            feet=labels,
            view=view,
            note=None,
            clinician="dr-a",
            key_prefix=None,
        )
    return record.id


def read(out: Path) -> list[dict[str, str]]:
    with (out / "manifest.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
        return list(reader)


def test_labelled_kept_photos_become_manifest_rows(store: Store, tmp_path: Path) -> None:
    pair = add(
        store,
        feet=2,
        labels=[
            {"index": 0, "label": "overpronation"},
            {"index": 1, "label": "neutral", "side": "left"},  # side corrected
        ],
        seed=1,
    )
    add(store, labels=None)  # no feedback yet
    add(store, labels=[{"index": 0, "label": "neutral"}], keep_photo=False)  # photo not kept
    add(store, labels=[{"index": 0, "label": "undetermined"}])
    add(store, feet=2, labels=[{"index": 0, "label": "neutral"}])  # one foot unlabelled
    summary = export_feedback(store, tmp_path / "out", subject_key="pepper")
    rows = read(tmp_path / "out")
    assert [r["label"] for r in rows] == ["overpronation", "neutral"]
    assert [r["side"] for r in rows] == ["left", "left"]
    first = rows[0]
    assert first["file"] == f"photos/{pair}.jpg"
    assert (tmp_path / "out" / first["file"]).read_bytes() == store.get_image(
        "north", pair, "photo"
    )[0]  # type: ignore[index]
    assert (first["view"], first["n_feet"], first["format"]) == ("outsole", "2", "jpeg")
    assert (first["center_x"], first["center_y"], first["length_px"]) == ("20.0", "30.0", "50.0")
    assert (first["width"], first["height"], first["clinic"]) == ("80", "60", "north")
    assert first["subject"] == subject_hash("north", "patient-7", key="pepper")
    assert "patient-7" not in (tmp_path / "out" / "manifest.csv").read_text()
    assert summary.photos == 1
    assert summary.feet == 2
    assert summary.skipped == {"undetermined_label": 1, "foot_without_label": 1}
    info = json.loads((tmp_path / "out" / "corpus.json").read_text())
    assert info["labels"] == {"neutral": 1, "overpronation": 1}


def test_a_corrected_view_turns_the_sides_it_mirrors(store: Store, tmp_path: Path) -> None:
    """Analysed as an outsole (seen from below), the photo was an insole (seen from
    above): the outline read as a left foot is a right one, unless the side is given."""
    add(
        store,
        feet=2,
        labels=[
            {"index": 0, "label": "neutral"},
            {"index": 1, "label": "neutral", "side": "right"},  # given: kept as given
        ],
        view="insole",
        seed=1,
    )
    add(store, labels=[{"index": 0, "label": "neutral"}], view="outsole", seed=2)  # same view
    export_feedback(store, tmp_path / "out", subject_key="pepper")
    rows = read(tmp_path / "out")
    assert sorted((r["view"], r["side"]) for r in rows) == [
        ("insole", "right"),
        ("insole", "right"),
        ("outsole", "left"),
    ]


@pytest.mark.parametrize("analysed", ["outsole", "insole", "print"])
@pytest.mark.parametrize("corrected", ["outsole", "insole", "print"])
def test_side_in_view_flips_only_between_below_and_above(analysed: str, corrected: str) -> None:
    flips = (analysed == "outsole") != (corrected == "outsole")
    for side, other in (("left", "right"), ("right", "left")):
        expected = other if flips else side
        assert side_in_view(side, analysed, corrected) == expected  # type: ignore[arg-type]


def test_the_manifest_trains_like_a_synthetic_one(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    from model.training import read_manifests

    for day, subject, label in zip(
        DAY, ["s1", "s1", None], ["underpronation", "neutral", "neutral"], strict=False
    ):
        clock.now = day  # the export lists analyses oldest first
        add(store, subject=subject, labels=[{"index": 0, "label": label}], seed=day.day)
    export_feedback(store, tmp_path / "out")
    assert EXPORT_COLUMNS[: len(MANIFEST_COLUMNS)] == MANIFEST_COLUMNS
    photos = read_manifests([tmp_path / "out" / "manifest.csv"])
    assert [p.feet[0].label for p in photos] == ["underpronation", "neutral", "neutral"]
    assert all(p.path.exists() for p in photos)
    # A subject's photos share a group; a photo without a subject is its own group.
    assert photos[0].group == photos[1].group != photos[2].group
    assert photos[2].group == str(photos[2].path)


def test_clinic_and_date_filters(store: Store, clock: Clock, tmp_path: Path) -> None:
    label = [{"index": 0, "label": "neutral"}]
    for i, day in enumerate(DAY):
        clock.now = day
        add(store, clinic="north" if i % 2 == 0 else "south", labels=label, seed=i)
    export_feedback(
        store, tmp_path / "a", clinic="north", since=date(2026, 3, 2), until=date(2026, 3, 5)
    )
    assert len(read(tmp_path / "a")) == 2  # north on the 3rd and the 5th (inclusive)
    export_feedback(store, tmp_path / "b", until=date(2026, 3, 2))
    assert {r["clinic"] for r in read(tmp_path / "b")} == {"north", "south"}
    assert len(read(tmp_path / "b")) == 2


def test_export_command(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from service.cli import main

    add(store, labels=[{"index": 0, "label": "neutral"}])
    monkeypatch.setenv("SOLESCAN_DATABASE_URL", str(store.engine.url))
    get_settings.cache_clear()
    try:
        assert main(["export", "--out", str(tmp_path / "out"), "--clinic", "north"]) == 0
        assert "exported 1 photos (1 labelled feet)" in capsys.readouterr().out
        assert (
            main(
                [
                    "export",
                    "--out",
                    str(tmp_path / "x"),
                    "--since",
                    "2026-03-05",
                    "--until",
                    "2026-03-01",
                ]
            )
            == 2
        )
    finally:
        get_settings.cache_clear()
