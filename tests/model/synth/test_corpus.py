"""The corpus writer: manifest, determinism across worker counts, configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.synth import MANIFEST_COLUMNS, TREAD_FAMILIES, CorpusConfig, render_corpus
from model.synth.corpus import photo_seed, read_manifest
from model.synth.render import render_photo

TINY = CorpusConfig(max_megapixels=0.2)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_worker_count_does_not_change_the_corpus(tmp_path: Path) -> None:
    one = render_corpus(
        10, seed=4, out_dir=tmp_path / "one", workers=1, config=TINY, progress=False
    )
    two = render_corpus(
        10, seed=4, out_dir=tmp_path / "two", workers=2, config=TINY, progress=False
    )
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")
    assert one.n_rows == two.n_rows


def test_manifest_lists_every_photo(tmp_path: Path) -> None:
    summary = render_corpus(8, seed=1, out_dir=tmp_path, workers=1, config=TINY, progress=False)
    header = (tmp_path / "manifest.csv").read_text().splitlines()[0]
    assert header.split(",") == list(MANIFEST_COLUMNS)
    rows = read_manifest(summary.manifest)
    assert len(rows) == summary.n_rows
    files = {r["file"] for r in rows}
    assert len(files) == summary.n_photos == 8
    for name in files:
        assert (tmp_path / name).is_file()
    for row in rows:
        n = int(row["n_feet"])
        assert len([r for r in rows if r["file"] == row["file"]]) == max(n, 1)
    assert "wrote 8 photos" in str(summary)


def test_rows_reproduce_from_their_seed(tmp_path: Path) -> None:
    summary = render_corpus(3, seed=9, out_dir=tmp_path, workers=1, config=TINY, progress=False)
    row = read_manifest(summary.manifest)[0]
    assert int(row["seed"]) == photo_seed(9, 0)
    again = render_photo(int(row["seed"]), max_megapixels=0.2, view_weights=dict(TINY.view_weights))
    assert (tmp_path / row["file"]).read_bytes() == again.data


def test_corpus_seed_changes_the_photos() -> None:
    assert photo_seed(0, 0) != photo_seed(1, 0)
    assert photo_seed(0, 0) != photo_seed(0, 1)


def test_view_mix_and_held_out_treads(tmp_path: Path) -> None:
    config = CorpusConfig(
        view_weights={"outsole": 1.0}, max_megapixels=0.1, treads=("lugs", "bars")
    )
    summary = render_corpus(6, seed=2, out_dir=tmp_path, workers=1, config=config, progress=False)
    rows = read_manifest(summary.manifest)
    assert {r["view"] for r in rows} == {"outsole"}
    assert {r["tread"] for r in rows} <= {"lugs", "bars"}


def test_from_cli() -> None:
    config = CorpusConfig.from_cli(views="outsole,negative", max_megapixels=3.0)
    assert set(config.view_weights) == {"outsole", "negative"}
    assert config.max_megapixels == 3.0
    assert config.treads == TREAD_FAMILIES
    weighted = CorpusConfig.from_cli(views="insole:3, print:1", max_megapixels=1)
    assert weighted.view_weights == {"insole": 3.0, "print": 1.0}
    with pytest.raises(ValueError, match="unknown view"):
        CorpusConfig.from_cli(views="outsole,socks", max_megapixels=1)
    with pytest.raises(ValueError, match="treads"):
        CorpusConfig(treads=("spikes",))


def test_cli_synth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from service.cli import main

    code = main(
        [
            "synth",
            "--n",
            "3",
            "--seed",
            "5",
            "--out",
            str(tmp_path),
            "--workers",
            "1",
            "--max-megapixels",
            "0.1",
            "--views",
            "insole",
        ]
    )
    assert code == 0
    assert "wrote 3 photos" in capsys.readouterr().out
    assert {r["view"] for r in read_manifest(tmp_path / "manifest.csv")} == {"insole"}
