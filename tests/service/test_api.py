"""Every endpoint through the real app (real model, real store on both backends)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from prometheus_client import REGISTRY

from model.analyze import Analyzer
from service.analysis import json_safe
from service.app import create_app
from service.db import StoredImage
from service.settings import Settings
from service.store import OVERLAY, PHOTO, Store
from tests.service.conftest import Clinic, upload

LABELS = {"neutral", "overpronation", "underpronation", "undetermined"}


def test_upload_returns_the_cli_schema_plus_service_fields(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes, analyzer: Analyzer
) -> None:
    response = upload(client, sole_photo, clinic=clinics["north"], subject_ref="patient-1")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/v1/analyses/{body['id']}"
    assert body["subject_ref"] == "patient-1"
    assert body["links"] == {
        "self": f"/v1/analyses/{body['id']}",
        "overlay": f"/v1/analyses/{body['id']}/overlay.png",
        "feedback": f"/v1/analyses/{body['id']}/feedback",
    }
    assert body["requested"] == {"view": "auto", "side": "auto"}
    assert body["photo_kept"] is True
    assert body["feedback"] is None
    # The result is what `solescan analyze --json` prints for the same photo.
    expected = json_safe(analyzer.analyze(sole_photo).to_dict())
    for key, value in expected.items():
        assert body[key] == value, key
    assert body["status"] == "ok"
    assert 1 <= len(body["feet"]) <= 2
    for foot in body["feet"]:
        assert foot["label"] in LABELS
        assert foot["explanation"]["disclaimer"]


def test_view_and_side_given(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    response = upload(client, sole_photo, clinic=clinics["north"], view="outsole", side="left")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["view"] == "outsole"
    assert body["view_source"] == "given"
    assert body["requested"] == {"view": "outsole", "side": "left"}
    assert all(f["side"] == "left" and f["side_source"] == "given" for f in body["feet"])


def test_get_returns_the_stored_analysis(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    north = clinics["north"]
    created = upload(client, sole_photo, clinic=north).json()
    response = client.get(f"/v1/analyses/{created['id']}", headers=north.headers)
    assert response.status_code == 200
    assert response.json() == created


def test_list_newest_first_paginated_and_filtered(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    north = clinics["north"]
    ids = []
    for i in range(5):
        ids.append(upload(client, sole_photo, clinic=north, subject_ref=f"p-{i % 2}").json()["id"])
        time.sleep(0.002)  # distinct creation times
    newest_first = ids[::-1]

    page = client.get("/v1/analyses", params={"limit": 2}, headers=north.headers).json()
    assert [a["id"] for a in page["items"]] == newest_first[:2]
    seen = [a["id"] for a in page["items"]]
    while page["next_cursor"]:
        page = client.get(
            "/v1/analyses",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=north.headers,
        ).json()
        seen += [a["id"] for a in page["items"]]
    assert seen == newest_first

    p0 = client.get("/v1/analyses", params={"subject_ref": "p-0"}, headers=north.headers)
    assert [a["id"] for a in p0.json()["items"]] == [ids[4], ids[2], ids[0]]
    assert p0.json()["next_cursor"] is None
    none = client.get("/v1/analyses", params={"subject_ref": "nobody"}, headers=north.headers)
    assert none.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"limit": 0}, "validation_error"),
        ({"limit": 101}, "validation_error"),
    ],
)
def test_list_rejects_bad_parameters(
    client: TestClient, clinics: dict[str, Clinic], params: dict[str, object], code: str
) -> None:
    response = client.get("/v1/analyses", params=params, headers=clinics["north"].headers)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code


def test_overlay_png(client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes) -> None:
    north = clinics["north"]
    created = upload(client, sole_photo, clinic=north).json()
    response = client.get(created["links"]["overlay"], headers=north.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    overlay = Image.open(io.BytesIO(response.content))
    assert overlay.format == "PNG"
    assert overlay.width > 100


def test_feedback_is_stored_replaced_and_shown(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    north = clinics["north"]
    created = upload(client, sole_photo, clinic=north).json()
    url = created["links"]["feedback"]
    first = client.post(
        url,
        json={
            "feet": [{"index": 0, "label": "overpronation"}],
            "note": "flat",
            "clinician": "dr-a",
        },
        headers=north.headers,
    )
    assert first.status_code == 200, first.text
    assert first.json()["feet"] == [{"index": 0, "label": "overpronation", "side": None}]
    assert first.json()["view"] is None
    second = client.post(
        url,
        json={"feet": [{"index": 0, "label": "neutral", "side": "right"}], "view": "insole"},
        headers=north.headers,
    )
    assert second.status_code == 200
    assert second.json()["created_at"] == first.json()["created_at"]
    shown = client.get(created["links"]["self"], headers=north.headers).json()["feedback"]
    assert shown["feet"] == [{"index": 0, "label": "neutral", "side": "right"}]
    assert shown["view"] == "insole"
    assert shown["note"] is None
    assert shown["clinician"] is None


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"feet": [{"index": 1, "label": "neutral"}]}, None),  # index past the feet found
        ({"feet": [{"index": 0, "label": "flat"}]}, "validation_error"),
        ({"feet": []}, "validation_error"),
        (
            {"feet": [{"index": 0, "label": "neutral"}, {"index": 0, "label": "neutral"}]},
            "validation_error",
        ),
        ({"feet": [{"index": 0, "label": "neutral"}], "extra": 1}, "validation_error"),
        ({"note": "no feet"}, "validation_error"),
        ({"feet": [{"index": 0, "label": "neutral"}], "view": "auto"}, "validation_error"),
    ],
)
def test_feedback_is_validated_against_the_analysis(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    payload: dict[str, object],
    code: str | None,
) -> None:
    north = clinics["north"]
    created = upload(client, sole_photo, clinic=north).json()
    if code is None:
        # Index 1 of a photo of one shoe: valid for the schema, not for this analysis.
        assert len(created["feet"]) == 1
        payload = {"feet": [{"index": 1, "label": "neutral"}]}
        code = "invalid_feedback"
    response = client.post(created["links"]["feedback"], json=payload, headers=north.headers)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code


def test_delete_erases_record_feedback_overlay_and_photo(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    shared_store: Store,
) -> None:
    north = clinics["north"]
    created = upload(client, sole_photo, clinic=north).json()
    assert shared_store.get_image(north.name, created["id"], PHOTO) is not None
    client.post(
        created["links"]["feedback"],
        json={"feet": [{"index": 0, "label": "neutral"}]},
        headers=north.headers,
    )
    assert client.delete(created["links"]["self"], headers=north.headers).status_code == 204
    for url in (created["links"]["self"], created["links"]["overlay"]):
        gone = client.get(url, headers=north.headers)
        assert gone.status_code == 404
        assert gone.json()["detail"]["code"] == "analysis_not_found"
    assert client.delete(created["links"]["self"], headers=north.headers).status_code == 404
    feedback = client.post(
        created["links"]["feedback"],
        json={"feet": [{"index": 0, "label": "neutral"}]},
        headers=north.headers,
    )
    assert feedback.status_code == 404
    with shared_store.engine.connect() as connection:
        for table in ("analyses", "analysis_images", "feedback"):
            column = "id" if table == "analyses" else "analysis_id"
            left = connection.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE {column} = :id"),
                {"id": created["id"]},
            ).scalar()
            assert left == 0, table


def test_unknown_analysis_is_404(client: TestClient, clinics: dict[str, Clinic]) -> None:
    url = "/v1/analyses/00000000-0000-4000-8000-000000000000"
    response = client.get(url, headers=clinics["north"].headers)
    assert response.status_code == 404
    assert response.json()["detail"]["code"] == "analysis_not_found"
    bad_id = client.get("/v1/analyses/not-a-uuid", headers=clinics["north"].headers)
    assert bad_id.status_code == 422


def test_model_card(client: TestClient, clinics: dict[str, Clinic], analyzer: Analyzer) -> None:
    response = client.get("/v1/model", headers=clinics["north"].headers)
    assert response.status_code == 200
    assert response.json() == json_safe(analyzer.model_card)


def test_health_and_readiness(client: TestClient, analyzer: Analyzer) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "model_version": analyzer.version}


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_labels_and_rejections(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    negative_photo: bytes,
) -> None:
    north = clinics["north"]
    requests_before = _sample(
        "solescan_http_requests_total", method="POST", route="/v1/analyses", status="201"
    )
    rejections_before = sum(
        s.value
        for m in REGISTRY.collect()
        if m.name == "solescan_rejections"
        for s in m.samples
        if s.name.endswith("_total") and s.labels.get("code") == "no_sole_found"
    )
    body = upload(client, sole_photo, clinic=north).json()
    label, view = body["feet"][0]["label"], body["view"]
    labels_before = _sample("solescan_labels_total", label=label, view=view)
    upload(client, sole_photo, clinic=north)
    assert upload(client, negative_photo, clinic=north).status_code == 422

    text = client.get("/metrics").text
    assert "solescan_http_request_duration_seconds_bucket" in text
    assert "solescan_analysis_duration_seconds_count" in text
    assert (
        _sample("solescan_http_requests_total", method="POST", route="/v1/analyses", status="201")
        == requests_before + 2
    )
    assert _sample("solescan_labels_total", label=label, view=view) >= labels_before + 1
    rejections_after = sum(
        s.value
        for m in REGISTRY.collect()
        if m.name == "solescan_rejections"
        for s in m.samples
        if s.name.endswith("_total") and s.labels.get("code") == "no_sole_found"
    )
    assert rejections_after == rejections_before + 1


def _jpeg_with_gps(photo: bytes) -> bytes:
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 1.5)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def test_kept_photo_is_an_exif_free_reencode(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes, shared_store: Store
) -> None:
    tagged = _jpeg_with_gps(sole_photo)
    assert b"PhoneModel X" in tagged
    assert b"Exif" in tagged
    created = upload(client, tagged, clinic=clinics["north"])
    assert created.status_code == 201, created.text
    found = shared_store.get_image(clinics["north"].name, created.json()["id"], PHOTO)
    assert found is not None
    kept, media_type = found
    assert media_type == "image/jpeg"
    assert kept[:3] == b"\xff\xd8\xff"
    assert b"Exif" not in kept
    assert b"PhoneModel X" not in kept
    assert b"PhoneMaker" not in kept
    reopened = Image.open(io.BytesIO(kept))
    assert reopened.size == Image.open(io.BytesIO(tagged)).size
    assert not reopened.getexif()


def test_photo_not_kept_when_turned_off(
    make_settings: Callable[..., Settings],
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    shared_store: Store,
) -> None:
    with TestClient(create_app(make_settings(keep_images=False))) as client:
        created = upload(client, sole_photo, clinic=clinics["north"])
    assert created.status_code == 201
    assert created.json()["photo_kept"] is False
    assert shared_store.get_image(clinics["north"].name, created.json()["id"], PHOTO) is None


def test_expired_photos_are_purged_at_startup(
    make_settings: Callable[..., Settings],
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    shared_store: Store,
) -> None:
    north = clinics["north"]
    settings = make_settings(image_retention_days=30)
    with TestClient(create_app(settings)) as client:
        created = upload(client, sole_photo, clinic=north).json()
    # Age the stored photo by 31 days, as the clock would.
    with shared_store.engine.begin() as connection:
        connection.execute(
            sa.update(StoredImage)
            .where(StoredImage.analysis_id == created["id"], StoredImage.kind == PHOTO)
            .values(created_at=datetime.now(UTC) - timedelta(days=31))
        )
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 10
        while shared_store.get_image(north.name, created["id"], PHOTO) is not None:
            assert time.monotonic() < deadline, "the photo was not purged at startup"
            time.sleep(0.05)
        shown = client.get(created["links"]["self"], headers=north.headers)
    assert shown.status_code == 200
    assert shown.json()["photo_kept"] is False
    assert shared_store.get_image(north.name, created["id"], OVERLAY) is not None


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_openapi_documents_every_endpoint_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) >= {
        "/v1/analyses",
        "/v1/analyses/{analysis_id}",
        "/v1/analyses/{analysis_id}/overlay.png",
        "/v1/analyses/{analysis_id}/feedback",
        "/v1/model",
        "/healthz",
        "/readyz",
        "/metrics",
    }
    assert {"post", "get"} <= set(paths["/v1/analyses"])
    assert "delete" in paths["/v1/analyses/{analysis_id}"]
    components = schema["components"]["schemas"]
    assert components["AnalysisOut"]["examples"]
    assert components["FeedbackIn"]["examples"]
    assert components["ErrorResponse"]["examples"]
    assert "ApiKey" in schema["components"]["securitySchemes"]
