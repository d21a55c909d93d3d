"""Structured logs: JSON lines with the request id, never image bytes or subject_ref."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.logs import JsonFormatter, request_id_var
from tests.service.conftest import Clinic, upload


@pytest.fixture
def log_buffer() -> Iterator[io.StringIO]:
    """Everything logged during the test, formatted by the service's JSON formatter."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)


def test_formatter_writes_json_and_redacts() -> None:
    record = logging.LogRecord("solescan.test", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    record.subject_ref = "patient-0042"
    record.image = b"\xff\xd8" * 100
    record.size = b"\0" * 10
    record.clinic = "north"
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    payload = json.loads(line)
    assert payload["msg"] == "hello x"
    assert payload["request_id"] == "req-1"
    assert payload["clinic"] == "north"
    assert payload["size"] == "<10 bytes>"
    assert "subject_ref" not in payload
    assert "image" not in payload
    assert "patient-0042" not in line


def test_request_logs_carry_request_id_and_no_patient_data(
    client: TestClient,
    clinics: dict[str, Clinic],
    sole_photo: bytes,
    log_buffer: io.StringIO,
) -> None:
    subject = "patient-secret-7781"
    response = client.post(
        "/v1/analyses",
        files={"image": ("a.jpg", sole_photo)},
        data={"subject_ref": subject},
        headers={**clinics["north"].headers, "X-Request-ID": "trace-42"},
    )
    assert response.status_code == 201
    client.get("/v1/analyses", params={"subject_ref": subject}, headers=clinics["north"].headers)
    upload(client, b"not an image", clinic=clinics["north"], subject_ref=subject)
    # The service's own lines (the test client logs its URLs under "httpx").
    lines = [
        json.loads(line)
        for line in log_buffer.getvalue().splitlines()
        if json.loads(line)["logger"].startswith(("solescan", "uvicorn"))
    ]
    text = "\n".join(json.dumps(line) for line in lines)
    access = [line for line in lines if line["logger"] == "solescan.access"]
    assert len(access) == 3
    upload_line = access[0]
    assert upload_line["request_id"] == "trace-42"
    assert upload_line["route"] == "/v1/analyses"
    assert upload_line["status"] == 201
    assert upload_line["clinic"] == clinics["north"].name
    assert upload_line["duration_ms"] > 0
    assert all(line.get("request_id") for line in access)
    assert subject not in text
    assert "\\u00ff" not in text
    assert "\\xff" not in text
    assert access[1]["route"] == "/v1/analyses"
    assert "?" not in access[1]["route"]
