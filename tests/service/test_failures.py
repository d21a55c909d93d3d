"""Failures: store down or disk full half-way, restarts, a missing model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from model.errors import ModelArtifactError
from service.app import create_app
from service.settings import Settings
from service.store import Store
from tests.service.conftest import Clinic, upload
from tests.service.test_store import driver_error, fail_on_image_insert


@pytest.mark.parametrize(
    ("kind", "code"), [("down", "store_unavailable"), ("full", "storage_full")]
)
def test_upload_failing_half_way_is_503_and_stores_nothing(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    shared_store: Store,
    kind: str,
    code: str,
) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    images_before = shared_store.count_images()
    listener = fail_on_image_insert(store, driver_error(store, kind))
    try:
        response = upload(client, sole_photo, clinic=clinics["north"], subject_ref="p-1")
    finally:
        sa.event.remove(store.engine, "do_execute", listener)
        sa.event.remove(store.engine, "do_executemany", listener)
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert detail["code"] == code
    assert "Nothing was saved" in detail["message"]
    assert response.headers["retry-after"]
    assert shared_store.list_analyses(clinics["north"].name) == []
    assert shared_store.count_images() == images_before
    listed = client.get("/v1/analyses", headers=clinics["north"].headers).json()
    assert listed["items"] == []
    # Once the store is back the same upload succeeds.
    assert upload(client, sole_photo, clinic=clinics["north"]).status_code == 201


def test_store_down_makes_readyz_and_reads_503(
    client: TestClient, clinics: dict[str, Clinic]
) -> None:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    error = driver_error(store, "down")

    def fail_everything(*_args: object) -> None:
        raise error

    sa.event.listen(store.engine, "do_execute", fail_everything)
    try:
        ready = client.get("/readyz")
        listed = client.get("/v1/analyses", headers=clinics["north"].headers)
        alive = client.get("/healthz")
    finally:
        sa.event.remove(store.engine, "do_execute", fail_everything)
    assert ready.status_code == 503
    assert ready.json()["detail"]["code"] == "not_ready"
    assert listed.status_code == 503
    assert listed.json()["detail"]["code"] == "store_unavailable"
    assert alive.status_code == 200
    assert client.get("/readyz").status_code == 200


def test_restart_loses_nothing(
    make_settings: Callable[..., Settings], clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    settings = make_settings()
    north = clinics["north"]
    with TestClient(create_app(settings)) as client:
        created = upload(client, sole_photo, clinic=north, subject_ref="p-9").json()
        client.post(
            created["links"]["feedback"],
            json={"feet": [{"index": 0, "label": "neutral"}], "note": "checked"},
            headers=north.headers,
        )
        before = client.get(created["links"]["self"], headers=north.headers).json()
        overlay = client.get(created["links"]["overlay"], headers=north.headers).content
    with TestClient(create_app(settings)) as client:
        after = client.get(created["links"]["self"], headers=north.headers).json()
        assert after == before
        assert client.get(created["links"]["overlay"], headers=north.headers).content == overlay


def test_missing_model_refuses_to_start(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    app = create_app(make_settings(model_path=tmp_path / "no-model-here"))
    with pytest.raises(ModelArtifactError, match=r"No model artifact|missing"), TestClient(app):
        pass


def test_corrupt_model_refuses_to_start(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from model.classifier import resolve_artifact_dir

    shipped = resolve_artifact_dir(Settings().model_path)  # the model the tests serve
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in shipped.iterdir():
        if item.is_file():
            target = broken / item.name
            data = item.read_bytes()
            target.write_bytes(data if item.suffix == ".json" else data[: len(data) // 3])
    app = create_app(make_settings(model_path=broken))
    with pytest.raises(ModelArtifactError), TestClient(app):
        pass
