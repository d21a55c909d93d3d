"""Fixtures for the service tests: stores on both backends, the real app, real photos.

Every test that touches a store runs on SQLite and on PostgreSQL. The PostgreSQL server
is named by SOLESCAN_TEST_POSTGRES_URL (``make test`` sets it); each test gets a fresh
schema of its own, dropped afterwards, so runs never collide. Without the variable the
PostgreSQL cases fail under CI and are skipped on a developer's machine.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service.settings import Settings
from service.store import Store

if TYPE_CHECKING:
    from model.analyze import Analyzer

PG_ENV = "SOLESCAN_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        message = f"{PG_ENV} is not set: the PostgreSQL store tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextlib.contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema (dropped on exit)."""
    base = postgres_base_url()
    schema = f"solescan_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def _database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'solescan.sqlite3'}"
        return
    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of its own on the backend under test."""
    with _database(backend, tmp_path / "store") as url:
        yield url


@pytest.fixture(scope="module")
def shared_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database the module's shared app uses; tests keep apart by clinic."""
    with _database(backend, tmp_path_factory.mktemp("shared-store")) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


@pytest.fixture
def shared_store(shared_database_url: str) -> Iterator[Store]:
    """A second connection to the shared app's database, to look behind the API."""
    opened = Store.open(shared_database_url)
    yield opened
    opened.close()


def app_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "host": "127.0.0.1",
        "max_pending_analyses": 64,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def make_settings(tmp_path: Path, shared_database_url: str) -> Callable[..., Settings]:
    """Settings for a test app (the shared database unless ``database_url`` is given)."""

    def make(**overrides: Any) -> Settings:
        overrides.setdefault("database_url", shared_database_url)
        return app_settings(data_dir=tmp_path / "data", **overrides)

    return make


@dataclass
class Clinic:
    """A clinic with its API key, for requests made on its behalf."""

    name: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def clinics(shared_database_url: str) -> dict[str, Clinic]:
    """Two clinics of this test alone, with a key each, in the shared database."""
    created = {}
    opened = Store.open(shared_database_url)
    try:
        for role in ("north", "south"):
            name = f"{role}-{uuid.uuid4().hex[:8]}"
            key, _ = opened.create_key(name)
            created[role] = Clinic(name=name, key=key)
    finally:
        opened.close()
    return created


@pytest.fixture(scope="module")
def client(
    shared_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The real app (model loaded in its lifespan), shared by a module's tests."""
    from service.app import create_app

    settings = app_settings(shared_database_url, tmp_path_factory.mktemp("data"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


# -- photos ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The model the test apps serve (the shipped one unless SOLESCAN_MODEL_PATH says)."""
    from model.analyze import load_analyzer, use_one_thread

    use_one_thread()  # as the service's workers run it
    return load_analyzer(Settings().model_path)


def _render(seed: int, view: str, n_feet: int | None = None) -> bytes:
    from model.synth.render import render_photo

    return render_photo(seed, view=view, n_feet=n_feet, megapixels=0.5).data


@pytest.fixture(scope="session")
def sole_photos(analyzer: Analyzer) -> list[bytes]:
    """Synthetic sole photos (0.5 MP, single shoes and pairs) the model does not reject;
    the first shows one foot."""
    from model.errors import SolescanError

    photos: list[bytes] = []
    for seed in range(40):
        n_feet = 1 if seed % 2 == 0 else 2
        data = _render(1000 + seed, ["outsole", "insole", "print"][seed % 3], n_feet)
        try:
            result = analyzer.analyze(data)
        except SolescanError:
            continue
        if not photos and len(result.feet) != 1:
            continue
        photos.append(data)
        if len(photos) == 6:
            return photos
    pytest.fail("the model rejected almost every synthetic sole photo")


@pytest.fixture(scope="session")
def sole_photo(sole_photos: list[bytes]) -> bytes:
    """A photo of one shoe that the model analyses (one foot in the result)."""
    return sole_photos[0]


@pytest.fixture(scope="session")
def negative_photo(analyzer: Analyzer) -> bytes:
    """A synthetic photo with no sole in it that the model rejects (no_sole_found)."""
    from model.errors import NoSoleFound

    for seed in range(40):
        data = _render(2000 + seed, "negative")
        try:
            analyzer.analyze(data)
        except NoSoleFound:
            return data
        except Exception:
            continue
    pytest.fail("no synthetic negative photo was rejected with no_sole_found")


def upload(
    client: TestClient,
    photo: bytes,
    *,
    clinic: Clinic | None = None,
    filename: str = "sole.jpg",
    **fields: str,
) -> Any:
    """POST one photo to /v1/analyses and return the response."""
    return client.post(
        "/v1/analyses",
        files={"image": (filename, photo, "application/octet-stream")},
        data=fields,
        headers=clinic.headers if clinic else {},
    )
