"""The store: analyses, their pictures, clinician feedback and API keys.

Every method is one short transaction, synchronous (routes call it from a worker thread),
scoped to a clinic where data belongs to one, and turns database failures into
:class:`~service.exceptions.StoreUnavailable` / :class:`~service.exceptions.StorageFull`
after rolling back, so a failure never leaves half a record behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.db import Analysis, ApiKey, Feedback, StoredImage, upgrade_schema
from service.exceptions import StorageFull, StoreUnavailable

Clock = Callable[[], datetime]

PHOTO = "photo"
OVERLAY = "overlay"
KEY_TOKEN_PREFIX = "ssk"


def utcnow() -> datetime:
    """The current time in UTC (the store's default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiKeyInfo:
    """What may be shown about a key: never the key itself."""

    id: int
    clinic: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class FeedbackRecord:
    feet: list[dict[str, Any]]
    view: str | None
    note: str | None
    clinician: str | None
    key_prefix: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AnalysisRecord:
    id: str
    clinic: str
    subject_ref: str | None
    created_at: datetime
    model_version: str
    requested_view: str
    requested_side: str
    result: dict[str, Any]
    photo_kept: bool
    feedback: FeedbackRecord | None


@dataclass(frozen=True)
class NewAnalysis:
    """Everything one upload stores, written in a single transaction."""

    clinic: str
    subject_ref: str | None
    model_version: str
    requested_view: str
    requested_side: str
    result: dict[str, Any]
    overlay_jpeg: bytes
    photo: bytes | None
    photo_media_type: str = "image/jpeg"


def _owned(session: Session, clinic: str, analysis_id: str) -> bool:
    """Whether the analysis exists and belongs to the clinic."""
    query = sa.select(Analysis.id).where(Analysis.id == analysis_id, Analysis.clinic == clinic)
    return session.scalar(query) is not None


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == "53100":  # PostgreSQL disk_full
        return True
    text = str(original or error).lower()
    return "database or disk is full" in text or "no space left" in text


def hash_key(key: str, *, pepper: str) -> str:
    """The stored form of an API key (keys are 256-bit random, so one HMAC is enough)."""
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


class Store:
    """Reads and writes the service's database through SQLAlchemy."""

    def __init__(self, engine: Engine, *, clock: Clock = utcnow, key_pepper: str = "") -> None:
        self.engine = engine
        self.clock = clock
        self._key_pepper = key_pepper
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, clock: Clock = utcnow, key_pepper: str = "") -> Store:
        """Connect to ``url`` and migrate its schema to the newest version."""
        from service.db import make_engine

        engine = make_engine(url)
        store = cls(engine, clock=clock, key_pepper=key_pepper)
        with store._guard("migrate the database", write=True):
            upgrade_schema(engine)
        return store

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _guard(self, doing: str, *, write: bool = False) -> Iterator[None]:
        def advice(text: str) -> str:
            # A write failed inside its transaction, which was rolled back: say so.
            return f"Nothing was saved; {text}" if write else text[0].upper() + text[1:]

        full = f"Could not {doing}: the store's disk is full. " + advice(
            "free disk space (or shorten the image retention) and retry."
        )
        try:
            yield
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as error:
            if _is_disk_full(error):
                raise StorageFull(full) from error
            raise StoreUnavailable(
                f"Could not {doing}: the database is not reachable. "
                + advice("retry in a moment, and tell the administrator if it persists.")
            ) from error
        except OSError as error:
            if _is_disk_full(error):
                raise StorageFull(full) from error
            raise

    @contextlib.contextmanager
    def _session(self, doing: str, *, write: bool = False) -> Iterator[Session]:
        with self._guard(doing, write=write), self._sessions() as session, session.begin():
            yield session

    # -- health ---------------------------------------------------------------------------

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers a trivial query."""
        with self._guard("reach the database"), self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    # -- API keys -------------------------------------------------------------------------

    def create_key(self, clinic: str) -> tuple[str, ApiKeyInfo]:
        """A new key for ``clinic``: returns the key (shown once) and what is stored of it."""
        clinic = clinic.strip()
        if not clinic:
            raise ValueError("the clinic name must not be empty")
        prefix = secrets.token_hex(4)
        key = f"{KEY_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKey(
            clinic=clinic,
            prefix=prefix,
            key_hash=hash_key(key, pepper=self._key_pepper),
            created_at=self.clock(),
        )
        with self._session("create the API key", write=True) as session:
            session.add(row)
            session.flush()
            info = _key_info(row)
        return key, info

    def list_keys(self) -> list[ApiKeyInfo]:
        with self._session("list API keys") as session:
            rows = session.scalars(sa.select(ApiKey).order_by(ApiKey.id)).all()
            return [_key_info(row) for row in rows]

    def revoke_key(self, prefix_or_id: str) -> ApiKeyInfo | None:
        """Revoke the key with this prefix (or numeric id); None when there is none."""
        condition = ApiKey.prefix == prefix_or_id
        if prefix_or_id.isdigit():
            condition = sa.or_(condition, ApiKey.id == int(prefix_or_id))
        with self._session("revoke the API key", write=True) as session:
            # A prefix match wins over an id match (a prefix can be all digits).
            row = session.scalars(
                sa.select(ApiKey).where(condition).order_by(ApiKey.prefix != prefix_or_id)
            ).first()
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = self.clock()
            return _key_info(row)

    def authenticate(self, key: str) -> ApiKeyInfo | None:
        """The active key matching ``key``, or None."""
        digest = hash_key(key, pepper=self._key_pepper)
        with self._session("check the API key") as session:
            row = session.scalars(
                sa.select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            ).first()
            if row is None or not hmac.compare_digest(row.key_hash, digest):
                return None
            return _key_info(row)

    def has_active_keys(self) -> bool:
        with self._session("check the API keys") as session:
            found = session.scalar(sa.select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1))
            return found is not None

    # -- analyses -------------------------------------------------------------------------

    def create_analysis(self, new: NewAnalysis) -> AnalysisRecord:
        """Store an analysis with its overlay and (optionally) its photo, all or nothing."""
        now = self.clock()
        analysis_id = str(uuid.uuid4())
        with self._session("store the analysis", write=True) as session:
            session.add(
                Analysis(
                    id=analysis_id,
                    clinic=new.clinic,
                    subject_ref=new.subject_ref,
                    created_at=now,
                    model_version=new.model_version,
                    requested_view=new.requested_view,
                    requested_side=new.requested_side,
                    result=new.result,
                )
            )
            # The parent row must exist before its pictures reference it.
            session.flush()
            session.add(
                StoredImage(
                    analysis_id=analysis_id,
                    kind=OVERLAY,
                    media_type="image/jpeg",
                    data=new.overlay_jpeg,
                    created_at=now,
                )
            )
            if new.photo is not None:
                session.add(
                    StoredImage(
                        analysis_id=analysis_id,
                        kind=PHOTO,
                        media_type=new.photo_media_type,
                        data=new.photo,
                        created_at=now,
                    )
                )
        return AnalysisRecord(
            id=analysis_id,
            clinic=new.clinic,
            subject_ref=new.subject_ref,
            created_at=now,
            model_version=new.model_version,
            requested_view=new.requested_view,
            requested_side=new.requested_side,
            result=new.result,
            photo_kept=new.photo is not None,
            feedback=None,
        )

    def get_analysis(self, clinic: str, analysis_id: str) -> AnalysisRecord | None:
        """The clinic's analysis with this id; None for unknown ids and other clinics' ones."""
        with self._session("read the analysis") as session:
            records = self._records(
                session,
                sa.select(Analysis).where(Analysis.id == analysis_id, Analysis.clinic == clinic),
            )
            return records[0] if records else None

    def list_analyses(
        self,
        clinic: str,
        *,
        subject_ref: str | None = None,
        limit: int = 20,
        before: tuple[datetime, str] | None = None,
    ) -> list[AnalysisRecord]:
        """The clinic's analyses, newest first; ``before`` continues after a (time, id) key."""
        query = sa.select(Analysis).where(Analysis.clinic == clinic)
        if subject_ref is not None:
            query = query.where(Analysis.subject_ref == subject_ref)
        if before is not None:
            created, last_id = before
            query = query.where(
                sa.or_(
                    Analysis.created_at < created,
                    sa.and_(Analysis.created_at == created, Analysis.id < last_id),
                )
            )
        query = query.order_by(Analysis.created_at.desc(), Analysis.id.desc()).limit(limit)
        with self._session("list analyses") as session:
            return self._records(session, query)

    def get_image(self, clinic: str, analysis_id: str, kind: str) -> tuple[bytes, str] | None:
        """(bytes, media type) of one picture of the clinic's analysis, or None."""
        query = (
            sa.select(StoredImage.data, StoredImage.media_type)
            .join(Analysis, Analysis.id == StoredImage.analysis_id)
            .where(Analysis.id == analysis_id, Analysis.clinic == clinic, StoredImage.kind == kind)
        )
        with self._session("read the picture") as session:
            row = session.execute(query).first()
            return (bytes(row[0]), row[1]) if row is not None else None

    def delete_analysis(self, clinic: str, analysis_id: str) -> bool:
        """Erase the analysis, its feedback and its pictures; False when there is none."""
        with self._session("delete the analysis", write=True) as session:
            if not _owned(session, clinic, analysis_id):
                return False
            # Children first and explicitly: do not rely on the backend's cascade settings.
            session.execute(sa.delete(Feedback).where(Feedback.analysis_id == analysis_id))
            session.execute(sa.delete(StoredImage).where(StoredImage.analysis_id == analysis_id))
            session.execute(sa.delete(Analysis).where(Analysis.id == analysis_id))
            return True

    def put_feedback(
        self,
        clinic: str,
        analysis_id: str,
        *,
        feet: list[dict[str, Any]],
        view: str | None = None,
        note: str | None,
        clinician: str | None,
        key_prefix: str | None,
    ) -> FeedbackRecord | None:
        """Store the clinician's labels, replacing earlier ones; None when no such analysis."""
        now = self.clock()
        try:
            with self._session("store the feedback", write=True) as session:
                if not _owned(session, clinic, analysis_id):
                    return None
                row = session.get(Feedback, analysis_id)
                if row is None:
                    row = Feedback(analysis_id=analysis_id, created_at=now)
                    session.add(row)
                row.feet = feet
                row.view = view
                row.note = note
                row.clinician = clinician
                row.key_prefix = key_prefix
                row.updated_at = now
                session.flush()
                return _feedback_record(row)
        except sa_exc.IntegrityError:
            # The analysis was erased by a concurrent request between check and insert.
            return None

    def purge_images(self, *, older_than: timedelta) -> int:
        """Erase kept photos stored before ``now - older_than``; returns how many."""
        cutoff = self.clock() - older_than
        with self._session("purge expired photos", write=True) as session:
            result = session.execute(
                sa.delete(StoredImage).where(
                    StoredImage.kind == PHOTO, StoredImage.created_at < cutoff
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def count_analyses(self) -> int:
        """How many analyses exist over all clinics (for checks and tests)."""
        with self._session("count analyses") as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(Analysis)) or 0)

    def count_images(self) -> int:
        """How many pictures exist over all clinics (for checks and tests)."""
        with self._session("count pictures") as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(StoredImage)) or 0)

    @staticmethod
    def _records(session: Session, query: sa.Select[Any]) -> list[AnalysisRecord]:
        rows = session.scalars(query).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        kept = set(
            session.scalars(
                sa.select(StoredImage.analysis_id).where(
                    StoredImage.analysis_id.in_(ids), StoredImage.kind == PHOTO
                )
            ).all()
        )
        feedback = {
            row.analysis_id: _feedback_record(row)
            for row in session.scalars(sa.select(Feedback).where(Feedback.analysis_id.in_(ids)))
        }
        return [
            AnalysisRecord(
                id=row.id,
                clinic=row.clinic,
                subject_ref=row.subject_ref,
                created_at=row.created_at,
                model_version=row.model_version,
                requested_view=row.requested_view,
                requested_side=row.requested_side,
                result=row.result,
                photo_kept=row.id in kept,
                feedback=feedback.get(row.id),
            )
            for row in rows
        ]


def _key_info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        clinic=row.clinic,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _feedback_record(row: Feedback) -> FeedbackRecord:
    return FeedbackRecord(
        feet=list(row.feet),
        view=row.view,
        note=row.note,
        clinician=row.clinician,
        key_prefix=row.key_prefix,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
