"""Limits and bad input: every refusal is JSON with a stable code and a useful message."""

from __future__ import annotations

import asyncio
import functools
import io
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import Clinic, upload


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail: dict[str, Any] = response.json()["detail"]
    assert detail["code"] == code
    assert len(detail["message"]) > 20
    return detail


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels (a pixel bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def encoded(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 100, 90)).save(out, fmt)
    return out.getvalue()


# -- the photo ----------------------------------------------------------------------------


def test_pixel_bomb_is_refused_before_decoding(
    client: TestClient, clinics: dict[str, Clinic]
) -> None:
    bomb = png_header_only(60_000, 60_000)  # 3.6 gigapixels in 1 kB
    started = time.perf_counter()
    response = upload(client, bomb, clinic=clinics["north"], filename="bomb.png")
    assert time.perf_counter() - started < 2.0
    detail = assert_error(response, 413, "image_too_large")
    assert "megapixels" in detail["message"]


def test_truncated_photo_is_422(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    response = upload(client, sole_photo[: len(sole_photo) // 2], clinic=clinics["north"])
    assert_error(response, 422, "unreadable_image")


@pytest.mark.parametrize(
    "payload",
    [
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        b"just some text, not a photo at all",
    ],
)
def test_unsupported_type_is_415(
    client: TestClient, clinics: dict[str, Clinic], payload: bytes
) -> None:
    assert_error(upload(client, payload, clinic=clinics["north"]), 415, "unsupported_format")


def test_tiny_photo_is_422(client: TestClient, clinics: dict[str, Clinic]) -> None:
    response = upload(client, encoded((60, 40), "PNG"), clinic=clinics["north"])
    assert_error(response, 422, "image_too_small")


def test_photo_without_a_sole_is_422_with_reason(
    client: TestClient, clinics: dict[str, Clinic], negative_photo: bytes
) -> None:
    detail = assert_error(
        upload(client, negative_photo, clinic=clinics["north"]), 422, "no_sole_found"
    )
    assert detail["reason"] in {
        "no_object",
        "not_a_sole",
        "top_of_shoe",
        "too_many_objects",
        "object_too_small",
        "object_cut_off",
    }


def test_empty_file_is_422(client: TestClient, clinics: dict[str, Clinic]) -> None:
    assert_error(upload(client, b"", clinic=clinics["north"]), 422, "empty_image")


# -- the request --------------------------------------------------------------------------


def test_two_images_are_refused(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    response = client.post(
        "/v1/analyses",
        files=[("image", ("a.jpg", sole_photo)), ("image", ("b.jpg", sole_photo))],
        headers=clinics["north"].headers,
    )
    assert_error(response, 422, "one_image_per_request")
    other_field = client.post(
        "/v1/analyses",
        files=[("image", ("a.jpg", sole_photo)), ("extra", ("b.jpg", sole_photo))],
        headers=clinics["north"].headers,
    )
    assert_error(other_field, 422, "one_image_per_request")


def test_body_that_is_not_multipart_is_415(
    client: TestClient, clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    raw = client.post(
        "/v1/analyses",
        content=sole_photo,
        headers={**clinics["north"].headers, "Content-Type": "image/jpeg"},
    )
    assert_error(raw, 415, "unsupported_media_type")
    as_json = client.post("/v1/analyses", json={"image": "abc"}, headers=clinics["north"].headers)
    assert_error(as_json, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"view": "sideways"}, "view"),
        ({"side": "both"}, "side"),
        ({"subject_ref": "x" * 129}, "subject_ref"),
    ],
)
def test_invalid_fields_are_422_and_named(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    fields: dict[str, str],
    field: str,
) -> None:
    detail = assert_error(
        upload(client, sole_photo, clinic=clinics["north"], **fields), 422, "validation_error"
    )
    assert [e["field"] for e in detail["errors"]] == [field]
    # The rejected value is not echoed back (it may be a patient reference).
    assert fields[field] not in str(detail)


def test_missing_image_is_422(client: TestClient, clinics: dict[str, Clinic]) -> None:
    response = client.post(
        "/v1/analyses",
        files={"subject_ref": (None, "p-1")},
        headers=clinics["north"].headers,
    )
    detail = assert_error(response, 422, "validation_error")
    assert detail["errors"][0]["field"] == "image"


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    assert_error(client.get("/v2/nothing"), 404, "not_found")
    assert_error(client.put("/healthz"), 405, "method_not_allowed")


def test_malformed_multipart_is_400(client: TestClient, clinics: dict[str, Clinic]) -> None:
    response = client.post(
        "/v1/analyses",
        content=b'--xyz\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc',
        headers={**clinics["north"].headers, "Content-Type": "multipart/form-data"},
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]["code"] in ("bad_request", "validation_error")


# -- the body cap -------------------------------------------------------------------------


@pytest.fixture
def small_cap_client(
    make_settings: Callable[..., Settings], clinics: dict[str, Clinic]
) -> Iterator[TestClient]:
    app = create_app(make_settings(max_upload_mb=0.05))  # 52 kB
    with TestClient(app) as client:
        yield client


def test_body_over_the_cap_is_413(small_cap_client: TestClient, clinics: dict[str, Clinic]) -> None:
    big = encoded((800, 800), "PNG") + b"\0" * 60_000
    response = upload(small_cap_client, big, clinic=clinics["north"])
    detail = assert_error(response, 413, "request_too_large")
    assert "MiB" in detail["message"]


def test_chunked_body_without_length_is_413(
    small_cap_client: TestClient, clinics: dict[str, Clinic]
) -> None:
    boundary = "solescanboundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        for _ in range(10):
            yield b"\xff" * 16_384
        yield f"\r\n--{boundary}--\r\n".encode()

    response = small_cap_client.post(
        "/v1/analyses",
        content=body(),
        headers={
            **clinics["north"].headers,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "request_too_large")


@pytest.mark.parametrize("content_length", [None, b"100"], ids=["chunked", "lying-length"])
def test_body_is_capped_while_it_streams(
    make_settings: Callable[..., Settings],
    clinics: dict[str, Clinic],
    content_length: bytes | None,
) -> None:
    """Driven at the ASGI level, where the body arrives chunk by chunk: the app stops
    reading at the cap instead of taking in the whole 16 MB first, whatever the
    Content-Length header says (or without one)."""
    app = create_app(make_settings(max_upload_mb=0.05))  # 52 kB
    boundary = b"solescanboundary"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="image"; '
        b'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    chunks_read = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal chunks_read
        chunks_read += 1
        body = head if chunks_read == 1 else b"\xff" * 16_384
        return {"type": "http.request", "body": body, "more_body": chunks_read < 1000}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    headers = [
        (b"host", b"testserver"),
        (b"content-type", b"multipart/form-data; boundary=" + boundary),
        (b"authorization", f"Bearer {clinics['north'].key}".encode()),
    ]
    if content_length is not None:
        headers.append((b"content-length", content_length))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/analyses",
        "raw_path": b"/v1/analyses",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    with TestClient(app):  # lifespan: model and store loaded
        asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    assert start["status"] == 413
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert b"request_too_large" in body
    assert chunks_read <= 6  # 52 kB of 16 kB chunks, not 1000 chunks


# -- the analysis queue -------------------------------------------------------------------


def test_full_queue_answers_503_with_retry_after(
    make_settings: Callable[..., Settings], clinics: dict[str, Clinic], sole_photo: bytes
) -> None:
    app = create_app(make_settings(analysis_threads=1, max_pending_analyses=0))
    release = threading.Event()
    with TestClient(app) as client:
        pool = app.state.pool
        # Occupy the only analysis thread, as a slow upload would.
        assert client.portal is not None
        blocker = client.portal.start_task_soon(pool.run, functools.partial(release.wait, 30))
        while pool.pending < 1:
            time.sleep(0.01)
        try:
            response = upload(client, sole_photo, clinic=clinics["north"])
        finally:
            release.set()
            blocker.result()
        detail = assert_error(response, 503, "busy")
        assert "Retry-After" in detail["message"]
        assert int(response.headers["retry-after"]) >= 1
        assert upload(client, sole_photo, clinic=clinics["north"]).status_code == 201
