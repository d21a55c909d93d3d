"""Property-based fuzzing of upload bytes: whatever arrives, the answer is never a 5xx.

Random bytes, truncated and bit-flipped real photos and headers that claim huge
dimensions are posted through the real app; each must get 201 or a 4xx JSON error.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.app import create_app
from service.settings import Settings
from service.store import Store

ALLOWED = {201, 413, 415, 422}
_FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    settings_ = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), max_pending_analyses=64)
    store = Store.open(settings_.resolved_database_url)
    key, _ = store.create_key("fuzz")
    store.close()
    with TestClient(create_app(settings_), raise_server_exceptions=False) as client:
        yield client, key


@pytest.fixture(scope="module")
def photo(sole_photo: bytes) -> bytes:
    return sole_photo


def post(client_key: tuple[TestClient, str], data: bytes) -> None:
    client, key = client_key
    response = client.post(
        "/v1/analyses",
        files={"image": ("fuzz.bin", data)},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code in ALLOWED, (response.status_code, response.text[:300])
    if response.status_code != 201:
        detail = response.json()["detail"]
        assert detail["code"]
        assert detail["message"]


@_FUZZ
@given(data=st.binary(min_size=1, max_size=4096))
def test_random_bytes(fuzz_client: tuple[TestClient, str], data: bytes) -> None:
    post(fuzz_client, data)


@_FUZZ
@given(
    prefix=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP", b"II*\0"]),
    tail=st.binary(max_size=2048),
)
def test_magic_bytes_then_garbage(
    fuzz_client: tuple[TestClient, str], prefix: bytes, tail: bytes
) -> None:
    post(fuzz_client, prefix + tail)


@_FUZZ
@given(fraction=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_photo(
    fuzz_client: tuple[TestClient, str], photo: bytes, fraction: float
) -> None:
    post(fuzz_client, photo[: max(1, int(len(photo) * fraction))])


@_FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 7)), min_size=1, max_size=40)
)
def test_bit_flipped_photo(
    fuzz_client: tuple[TestClient, str], photo: bytes, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(photo)
    for position, bit in flips:
        data[position % len(data)] ^= 1 << bit
    post(fuzz_client, bytes(data))


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _jpeg_sof(width: int, height: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return (
        b"\xff\xd8" + sof + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\0" * 64 + b"\xff\xd9"
    )


@_FUZZ
@given(
    width=st.integers(min_value=0, max_value=2**31 - 1),
    height=st.integers(min_value=0, max_value=2**31 - 1),
    kind=st.sampled_from(["png", "jpeg"]),
)
def test_huge_or_odd_dimensions(
    fuzz_client: tuple[TestClient, str], width: int, height: int, kind: str
) -> None:
    if kind == "png":
        data = _png(width, height)
    else:
        data = _jpeg_sof(min(width, 65535), min(height, 65535))
    post(fuzz_client, data)
