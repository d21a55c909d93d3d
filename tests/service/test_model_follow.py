"""A promoted model is served without a restart; a pinned or broken one is not followed."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

from model.classifier import CARD_FILE, CURRENT_FILE, SHIPPED_DIR
from service.app import create_app
from service.settings import Settings

SHIPPED_VERSION = (SHIPPED_DIR / CURRENT_FILE).read_text().strip()


def model_store(root: Path, *extra_versions: str) -> Path:
    """A store holding the shipped model, in service, and copies of it named otherwise."""
    shutil.copytree(SHIPPED_DIR / SHIPPED_VERSION, root / SHIPPED_VERSION)
    for version in extra_versions:
        shutil.copytree(SHIPPED_DIR / SHIPPED_VERSION, root / version)
        card = json.loads((root / version / CARD_FILE).read_text())
        card["version"] = version
        (root / version / CARD_FILE).write_text(json.dumps(card))
    (root / CURRENT_FILE).write_text(SHIPPED_VERSION + "\n")
    return root


def served_version(client: TestClient) -> str:
    return str(client.get("/readyz").json()["model_version"])


def wait_for_version(client: TestClient, version: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while served_version(client) != version:
        assert time.monotonic() < deadline, f"still serving {served_version(client)}"
        time.sleep(0.1)


def settings_for(tmp_path: Path, **values: object) -> Settings:
    """The service on the embedded store, its model from ``model_path``."""
    return Settings(data_dir=tmp_path / "data", host="127.0.0.1", **values)  # type: ignore[arg-type]


def test_a_promoted_model_is_served_without_a_restart(tmp_path: Path) -> None:
    store = model_store(tmp_path / "models", "test-promoted")
    settings = settings_for(tmp_path, model_path=store, model_check_seconds=0.1)
    with TestClient(create_app(settings)) as client:
        assert served_version(client) == SHIPPED_VERSION

        (store / CURRENT_FILE).write_text("test-promoted\n")  # what --promote does
        wait_for_version(client, "test-promoted")

        # A version that cannot be loaded is not served: the one in service stays.
        (store / "broken").mkdir()
        (store / CURRENT_FILE).write_text("broken\n")
        time.sleep(1.0)
        assert served_version(client) == "test-promoted"
        assert client.get("/healthz").status_code == 200

        # Rolling back is a promotion too.
        (store / CURRENT_FILE).write_text(SHIPPED_VERSION + "\n")
        wait_for_version(client, SHIPPED_VERSION)


def test_a_pinned_version_is_kept_whatever_current_names(tmp_path: Path) -> None:
    store = model_store(tmp_path / "models", "test-promoted")
    settings = settings_for(
        tmp_path, model_path=store, model_version=SHIPPED_VERSION, model_check_seconds=0.1
    )
    with TestClient(create_app(settings)) as client:
        (store / CURRENT_FILE).write_text("test-promoted\n")
        time.sleep(1.0)
        assert served_version(client) == SHIPPED_VERSION
