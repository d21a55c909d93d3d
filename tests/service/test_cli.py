"""`solescan keys ...` and `solescan purge` against a real store in a temp data dir."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.cli import build_parser, main
from service.settings import get_settings
from service.store import Store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOLESCAN_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SOLESCAN_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_keys_create_prints_key_once_and_stores_hash(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "create", "--clinic", "North Clinic"]) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("ssk_")
    assert "shown only now" in err
    store = Store.open(get_settings().resolved_database_url)
    try:
        info = store.authenticate(key)
        assert info is not None
        assert info.clinic == "North Clinic"
        with store.engine.connect() as connection:
            dumped = " ".join(
                str(v) for row in connection.execute(sa.text("SELECT * FROM api_keys")) for v in row
            )
        assert key not in dumped
    finally:
        store.close()
    assert (data_dir / "solescan.sqlite3").exists()


def test_keys_list_and_revoke(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["keys", "create", "--clinic", "north"])
    key = capsys.readouterr().out.strip()
    prefix = key.split("_")[1]
    main(["keys", "create", "--clinic", "south"])
    capsys.readouterr()

    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert prefix in listing
    assert "north" in listing
    assert "south" in listing
    assert key not in listing

    assert main(["keys", "revoke", prefix]) == 0
    assert "Revoked" in capsys.readouterr().err
    main(["keys", "list"])
    north_line = next(line for line in capsys.readouterr().out.splitlines() if prefix in line)
    assert north_line.split()[3] != "-"  # the REVOKED column has a date

    store = Store.open(get_settings().resolved_database_url)
    try:
        assert store.authenticate(key) is None
    finally:
        store.close()

    assert main(["keys", "revoke", "no-such-key"]) == 1
    assert "no key" in capsys.readouterr().err


def test_keys_create_rejects_empty_clinic(data_dir: Path) -> None:
    assert main(["keys", "create", "--clinic", "  "]) == 2


def test_purge_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["purge"]) == 0
    assert "Purged 0 photos" in capsys.readouterr().out


def test_serve_refuses_public_address_without_keys(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # serve() exports settings to its workers through the environment: keep ours clean.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    # Returns before binding any socket: no key exists.
    assert main(["serve", "--host", "0.0.0.0", "--port", "8"]) == 3
    assert "refusing to listen on 0.0.0.0 without API keys" in capsys.readouterr().err


def test_serve_parser_defaults_come_from_settings() -> None:
    args = build_parser().parse_args(["serve"])
    assert args.host is None
    assert args.port is None
    assert args.workers is None


def test_serve_refuses_to_start_without_a_model(tmp_path: Path) -> None:
    """Each worker loads the model in its lifespan; a missing artifact stops the server
    with a clear message and exit status 3 instead of serving errors."""
    env = {
        **os.environ,
        "SOLESCAN_DATA_DIR": str(tmp_path / "var"),
        "SOLESCAN_MODEL_PATH": str(tmp_path / "no-model"),
    }
    env.pop("SOLESCAN_DATABASE_URL", None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3
    critical = [
        json.loads(line)
        for line in result.stderr.splitlines()
        if line.startswith("{") and json.loads(line)["level"] == "CRITICAL"
    ]
    assert critical
    assert critical[0]["msg"].startswith("refusing to start: No model artifact")
    assert critical[0]["code"] == "model_artifact"


def test_train_offers_every_pronation_family() -> None:
    from model.classifier import PRONATION_FAMILIES
    from service.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["train", "m.csv", "--out", "o", "--family", "logistic"])
    assert args.family == "logistic"
    assert parser.parse_args(["train", "m.csv", "--out", "o"]).family == "hgb"
    for family in PRONATION_FAMILIES:
        assert parser.parse_args(["train", "m.csv", "--out", "o", "--family", family])
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "m.csv", "--out", "o", "--family", "forest"])
