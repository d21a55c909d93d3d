"""`solescan analyze`: JSON Lines or a readable summary, overlays, bad files, pipes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from model.footshape import LABELS
from service.cli import main

FOOT_KEYS = {
    "side",
    "side_source",
    "label",
    "probabilities",
    "confidence",
    "center",
    "metrics",
    "explanation",
}


def test_json_lines_one_per_photo_and_a_bad_file_stops_nothing(
    real_scans: list[dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(Path(real_scans[0]["path"]).read_bytes()[:2000])
    missing = tmp_path / "missing.jpg"
    files = [real_scans[0]["path"], str(truncated), str(missing), real_scans[1]["path"]]

    status = main(["analyze", *files, "--json"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 1  # some photo was rejected
    results = [json.loads(line) for line in lines]
    assert [r["file"] for r in results] == files
    assert [r["status"] for r in results] == ["ok", "rejected", "rejected", "ok"]
    assert results[1]["error"]["code"] == "unreadable_image"
    assert "Check the path" in results[2]["error"]["message"]
    for result in (results[0], results[3]):
        assert result["error"] is None
        assert result["view"] in ("outsole", "insole", "print")
        assert result["model_version"]
        assert len(result["feet"]) == 1
        foot = result["feet"][0]
        assert set(foot) >= FOOT_KEYS
        assert foot["label"] in (*LABELS, "undetermined")
        # Each of the three is rounded to 4 decimals in the JSON.
        assert sum(foot["probabilities"].values()) == pytest.approx(1.0, abs=1.5e-4)
        width, height = result["image"]["width"], result["image"]["height"]
        assert 0 <= foot["center"][0] <= width
        assert 0 <= foot["center"][1] <= height


def test_summary_and_overlay(
    real_scans: list[dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = Path(real_scans[0]["path"])

    status = main(["analyze", str(scan), "--overlay", str(tmp_path / "overlays")])

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith(f"{scan}: print view (detected)")
    assert f"{real_scans[0]['side']} foot (detected)" in out
    overlay = tmp_path / "overlays" / f"{scan.stem}.overlay.png"
    assert f"overlay: {overlay}" in out
    picture = cv2.imdecode(np.frombuffer(overlay.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None
    assert picture.shape[0] > 100


def test_view_and_side_given_win(
    real_scans: list[dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    scan = real_scans[0]
    other_side = "left" if scan["side"] == "right" else "right"

    main(["analyze", scan["path"], "--json", "--view", "print", "--side", other_side])

    result = json.loads(capsys.readouterr().out)
    assert result["view"] == "print"
    assert result["view_source"] == "given"
    assert [(f["side"], f["side_source"]) for f in result["feet"]] == [(other_side, "given")]


def test_a_reader_that_stops_early_stops_it_quietly(real_scans: list[dict[str, str]]) -> None:
    """`solescan analyze *.jpg | head -1`: no traceback, the status of a SIGPIPE."""
    scans = [row["path"] for row in real_scans] * 2
    with subprocess.Popen(
        [sys.executable, "-m", "service.cli", "analyze", "--json", *scans],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = json.loads(process.stdout.readline())
        process.stdout.close()
        errors = process.stderr.read().decode()
        status = process.wait(timeout=120)
    assert first["status"] == "ok"
    assert "Traceback" not in errors
    assert status == 128 + signal.SIGPIPE
