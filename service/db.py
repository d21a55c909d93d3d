"""Database schema, engine set-up and migrations for the store.

The same tables serve SQLite (the embedded default) and PostgreSQL. Photos and overlays
live in the database next to their analysis, so one transaction writes or erases a whole
record: a failure half-way leaves nothing behind, and there is no file to forget.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SERVICE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = SERVICE_DIR / "alembic.ini"
MIGRATIONS_DIR = SERVICE_DIR / "migrations"

# Arbitrary constant that names solescan's migration lock among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK = 0x50_1E5C_A7

CLINIC_LEN = 200
SUBJECT_REF_LEN = 128
KEY_PREFIX_LEN = 16


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive UTC text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """A clinic's API key: only its hash and a short public prefix are stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    clinic: Mapped[str] = mapped_column(sa.String(CLINIC_LEN), index=True)
    prefix: Mapped[str] = mapped_column(sa.String(KEY_PREFIX_LEN), unique=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Analysis(Base):
    """One analysed photo: the result JSON and who it belongs to."""

    __tablename__ = "analyses"
    __table_args__ = (
        sa.Index("ix_analyses_clinic_created", "clinic", "created_at", "id"),
        sa.Index("ix_analyses_clinic_subject", "clinic", "subject_ref", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    clinic: Mapped[str] = mapped_column(sa.String(CLINIC_LEN))
    subject_ref: Mapped[str | None] = mapped_column(sa.String(SUBJECT_REF_LEN), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    model_version: Mapped[str] = mapped_column(sa.String(64))
    requested_view: Mapped[str] = mapped_column(sa.String(16))
    requested_side: Mapped[str] = mapped_column(sa.String(16))
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class StoredImage(Base):
    """A picture of an analysis: the metadata-free photo (``photo``) or the overlay (JPEG)."""

    __tablename__ = "analysis_images"
    __table_args__ = (sa.Index("ix_analysis_images_kind_created", "kind", "created_at"),)

    analysis_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    media_type: Mapped[str] = mapped_column(sa.String(32))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Feedback(Base):
    """The clinician's labels for an analysis; a new submission replaces the old one."""

    __tablename__ = "feedback"

    analysis_id: Mapped[str] = mapped_column(
        sa.String(36), sa.ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    feet: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # The correct view of the photo, when the one analysed was wrong (None: it was right).
    view: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    clinician: Mapped[str | None] = mapped_column(sa.String(SUBJECT_REF_LEN), nullable=True)
    key_prefix: Mapped[str | None] = mapped_column(sa.String(KEY_PREFIX_LEN), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _sqlite_path(url: sa.URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer in other worker processes work at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL syncs the WAL on every commit: a power cut does not lose an answered upload.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased photos are overwritten with zeros instead of lingering in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each backend needs under several workers."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        # Fail fast when the server is down so the client gets a 503, not a hung request.
        connect_args["connect_timeout"] = 5
    return sa.create_engine(parsed, pool_pre_ping=True, pool_timeout=10, connect_args=connect_args)


def alembic_config(url: str | None = None) -> Any:
    """The Alembic configuration for the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe when every worker calls it at once.

    Workers start together and each runs this. A lock serialises them (a file lock beside
    the SQLite file, a transaction-scoped advisory lock on PostgreSQL), so the first one
    migrates and the others find the schema already at head.
    """
    from alembic import command

    config = alembic_config()
    path = _sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
    lock = _file_lock(path.with_name(path.name + ".migrate-lock")) if path else None
    with lock or contextlib.nullcontext(), engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
