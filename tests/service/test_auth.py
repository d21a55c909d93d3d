"""API keys and tenant isolation: a clinic sees and touches only its own analyses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.exceptions import ConfigurationError
from service.settings import Settings
from service.store import Store
from tests.service.conftest import Clinic, upload


def test_other_clinics_analyses_answer_404(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    north, south = clinics["north"], clinics["south"]
    mine = upload(client, sole_photo, clinic=north, subject_ref="shared-ref").json()
    theirs = upload(client, sole_photo, clinic=south, subject_ref="shared-ref").json()

    for url in (mine["links"]["self"], mine["links"]["overlay"]):
        response = client.get(url, headers=south.headers)
        assert response.status_code == 404
        assert response.json()["detail"]["code"] == "analysis_not_found"
    feedback = client.post(
        mine["links"]["feedback"],
        json={"feet": [{"index": 0, "label": "neutral"}]},
        headers=south.headers,
    )
    assert feedback.status_code == 404
    assert client.delete(mine["links"]["self"], headers=south.headers).status_code == 404

    # Still there for its owner, untouched.
    kept = client.get(mine["links"]["self"], headers=north.headers)
    assert kept.status_code == 200
    assert kept.json()["feedback"] is None

    # Lists hold only the caller's own, even for the same subject reference.
    for clinic, own in ((north, mine), (south, theirs)):
        listed = client.get(
            "/v1/analyses", params={"subject_ref": "shared-ref"}, headers=clinic.headers
        ).json()
        assert [a["id"] for a in listed["items"]] == [own["id"]]


def test_two_keys_of_one_clinic_share_its_data(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes, shared_store: Store
) -> None:
    second_key, _ = shared_store.create_key(clinics["north"].name)
    created = upload(client, sole_photo, clinic=clinics["north"]).json()
    other = client.get(created["links"]["self"], headers={"Authorization": f"Bearer {second_key}"})
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer ssk_00000000_wrong"}, "invalid_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_api_key"),
        ({"Authorization": "Bearer"}, "invalid_api_key"),
    ],
)
def test_requests_without_a_valid_key_are_401(
    client: TestClient, clinics: dict[str, Clinic], headers: dict[str, str], code: str
) -> None:
    for method, url in (
        ("GET", "/v1/analyses"),
        ("GET", "/v1/model"),
        ("GET", "/v1/analyses/00000000-0000-4000-8000-000000000000"),
        ("DELETE", "/v1/analyses/00000000-0000-4000-8000-000000000000"),
    ):
        response = client.request(method, url, headers=headers)
        assert response.status_code == 401, (method, url)
        assert response.json()["detail"]["code"] == code
        assert response.headers["www-authenticate"] == "Bearer"


def test_upload_without_key_is_401(client: TestClient, sole_photo: bytes) -> None:
    response = upload(client, sole_photo)
    assert response.status_code == 401


def test_revoked_key_is_refused_at_once(
    client: TestClient, clinics: dict[str, Clinic], shared_store: Store
) -> None:
    north = clinics["north"]
    assert client.get("/v1/analyses", headers=north.headers).status_code == 200
    shared_store.revoke_key(north.key.split("_")[1])
    response = client.get("/v1/analyses", headers=north.headers)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "invalid_api_key"


def test_health_endpoints_need_no_key(client: TestClient) -> None:
    for url in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert client.get(url).status_code == 200, url


# -- running without keys ---------------------------------------------------------------


def test_no_keys_on_loopback_serves_the_local_clinic(
    make_settings: Callable[..., Settings], database_url: str, sole_photo: bytes
) -> None:
    app = create_app(make_settings(host="127.0.0.1", database_url=database_url))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        created = upload(client, sole_photo)
        assert created.status_code == 201, created.text
        listed = client.get("/v1/analyses").json()
        assert [a["id"] for a in listed["items"]] == [created.json()["id"]]


def test_no_keys_refuses_connections_that_are_not_local(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    """Started on loopback but reached through another address (e.g. plain uvicorn on
    0.0.0.0): without a key the request is refused."""
    app = create_app(make_settings(host="127.0.0.1", database_url=database_url))
    with TestClient(app, base_url="http://192.0.2.10") as client:
        response = client.get("/v1/analyses")
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "missing_api_key"


def test_once_a_key_exists_it_is_required_even_on_loopback(
    make_settings: Callable[..., Settings], clinics: dict[str, Clinic]
) -> None:
    app = create_app(make_settings(host="127.0.0.1"))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/v1/analyses").status_code == 401
        assert client.get("/v1/analyses", headers=clinics["north"].headers).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_refuses_to_start_off_loopback_without_keys(
    make_settings: Callable[..., Settings], database_url: str, host: str
) -> None:
    app = create_app(make_settings(host=host, database_url=database_url))
    with pytest.raises(ConfigurationError, match="without API keys"), TestClient(app):
        pass


def test_starts_off_loopback_with_keys(
    make_settings: Callable[..., Settings], clinics: dict[str, Clinic]
) -> None:
    app = create_app(make_settings(host="0.0.0.0"))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/analyses").status_code == 401
        assert client.get("/v1/analyses", headers=clinics["south"].headers).status_code == 200
