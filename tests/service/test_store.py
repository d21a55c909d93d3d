"""The store on SQLite and PostgreSQL: records, tenancy, keys, purge, migrations, failures."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db import Base, make_engine, upgrade_schema
from service.exceptions import StorageFull, StoreUnavailable
from service.store import OVERLAY, PHOTO, NewAnalysis, Store


def new_analysis(
    clinic: str = "north", subject_ref: str | None = "p-1", **kw: object
) -> NewAnalysis:
    values: dict[str, object] = {
        "clinic": clinic,
        "subject_ref": subject_ref,
        "model_version": "test-1",
        "requested_view": "auto",
        "requested_side": "auto",
        "result": {"status": "ok", "view": "outsole", "feet": [{"label": "neutral"}]},
        "overlay_jpeg": b"\xff\xd8 overlay",
        "photo": b"\xff\xd8 photo",
        **kw,
    }
    return NewAnalysis(**values)  # type: ignore[arg-type]


class FakeClock:
    """A clock the test moves by hand (only time is faked; the store is real)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def test_analysis_round_trip(store: Store) -> None:
    created = store.create_analysis(new_analysis())
    found = store.get_analysis("north", created.id)
    assert found == created
    assert found.photo_kept
    assert found.created_at.tzinfo is not None
    assert store.get_image("north", created.id, OVERLAY) == (b"\xff\xd8 overlay", "image/jpeg")
    assert store.get_image("north", created.id, PHOTO) == (b"\xff\xd8 photo", "image/jpeg")


def test_photo_not_kept_when_none(store: Store) -> None:
    created = store.create_analysis(new_analysis(photo=None))
    assert not created.photo_kept
    assert store.get_image("north", created.id, PHOTO) is None
    assert store.get_image("north", created.id, OVERLAY) is not None


def test_other_clinics_see_nothing(store: Store) -> None:
    created = store.create_analysis(new_analysis(clinic="north"))
    assert store.get_analysis("south", created.id) is None
    assert store.get_image("south", created.id, OVERLAY) is None
    assert store.list_analyses("south") == []
    assert not store.delete_analysis("south", created.id)
    assert (
        store.put_feedback("south", created.id, feet=[], note=None, clinician=None, key_prefix=None)
        is None
    )
    assert store.get_analysis("north", created.id) is not None


def test_list_newest_first_paged_and_filtered(store: Store) -> None:
    clock = FakeClock()
    store.clock = clock
    ids = []
    for i in range(5):
        ids.append(store.create_analysis(new_analysis(subject_ref=f"p-{i % 2}")).id)
        clock.advance(seconds=1)
    first = store.list_analyses("north", limit=2)
    assert [r.id for r in first] == ids[::-1][:2]
    last = first[-1]
    rest = store.list_analyses("north", limit=10, before=(last.created_at, last.id))
    assert [r.id for r in rest] == ids[::-1][2:]
    only_p0 = store.list_analyses("north", subject_ref="p-0")
    assert [r.id for r in only_p0] == [ids[4], ids[2], ids[0]]


def test_list_pages_through_equal_timestamps(store: Store) -> None:
    store.clock = FakeClock()  # every analysis gets the same created_at
    ids = {store.create_analysis(new_analysis()).id for _ in range(5)}
    seen: list[str] = []
    before = None
    while True:
        page = store.list_analyses("north", limit=2, before=before)
        if not page:
            break
        seen += [r.id for r in page]
        before = (page[-1].created_at, page[-1].id)
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 5


def test_delete_erases_record_feedback_and_pictures(store: Store) -> None:
    created = store.create_analysis(new_analysis())
    store.put_feedback(
        "north",
        created.id,
        feet=[{"index": 0, "label": "neutral"}],
        note="ok",
        clinician=None,
        key_prefix=None,
    )
    assert store.delete_analysis("north", created.id)
    assert store.get_analysis("north", created.id) is None
    assert store.count_analyses() == 0
    assert store.count_images() == 0
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM feedback")).scalar() == 0
    assert not store.delete_analysis("north", created.id)


def test_feedback_replaces_and_keeps_first_time(store: Store) -> None:
    clock = FakeClock()
    store.clock = clock
    created = store.create_analysis(new_analysis())
    first = store.put_feedback(
        "north",
        created.id,
        feet=[{"index": 0, "label": "neutral"}],
        note="a",
        clinician="dr-a",
        key_prefix="abc",
    )
    clock.advance(hours=1)
    second = store.put_feedback(
        "north",
        created.id,
        feet=[{"index": 0, "label": "overpronation"}],
        note=None,
        clinician="dr-b",
        key_prefix="abc",
    )
    assert first is not None
    assert second is not None
    assert second.created_at == first.created_at
    assert second.updated_at == first.updated_at + timedelta(hours=1)
    stored = store.get_analysis("north", created.id)
    assert stored is not None
    assert stored.feedback == second
    assert stored.feedback.feet == [{"index": 0, "label": "overpronation"}]


def test_purge_erases_only_expired_photos(store: Store) -> None:
    clock = FakeClock()
    store.clock = clock
    old = store.create_analysis(new_analysis())
    clock.advance(days=20)
    recent = store.create_analysis(new_analysis())
    clock.advance(days=15)  # old is 35 days old, recent 15
    assert store.purge_images(older_than=timedelta(days=30)) == 1
    assert store.get_image("north", old.id, PHOTO) is None
    assert store.get_image("north", recent.id, PHOTO) is not None
    # The analysis and its overlay stay: only the photo kept for retraining expires.
    old_after = store.get_analysis("north", old.id)
    assert old_after is not None
    assert not old_after.photo_kept
    assert store.get_image("north", old.id, OVERLAY) is not None
    assert store.purge_images(older_than=timedelta(days=30)) == 0


def test_keys_hash_only_and_revoke(store: Store) -> None:
    key, info = store.create_key("north")
    assert key.startswith(f"ssk_{info.prefix}_")
    assert len(key) > 40
    with store.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT key_hash, prefix FROM api_keys")).one()
    assert key not in stored[0]
    assert stored[0] != key
    assert store.authenticate(key) == info
    assert store.authenticate(key + "x") is None
    assert store.has_active_keys()
    revoked = store.revoke_key(info.prefix)
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert store.authenticate(key) is None
    assert not store.has_active_keys()
    assert store.revoke_key("nope") is None


def test_revoke_by_id(store: Store) -> None:
    _, info = store.create_key("north")
    revoked = store.revoke_key(str(info.id))
    assert revoked is not None
    assert revoked.prefix == info.prefix
    assert not revoked.active


def test_key_pepper_changes_hash(database_url: str) -> None:
    plain = Store.open(database_url)
    peppered = Store.open(database_url, key_pepper="s3cret")
    try:
        key, _ = peppered.create_key("north")
        assert peppered.authenticate(key) is not None
        assert plain.authenticate(key) is None
    finally:
        plain.close()
        peppered.close()


def test_migrations_match_models_and_are_idempotent(store: Store) -> None:
    upgrade_schema(store.engine)  # a second run finds the schema at head
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert diff == []
    assert version == [("0002",)]


def test_the_view_migration_goes_down_and_up_keeping_feedback(database_url: str) -> None:
    """Feedback given before the view correction existed survives the upgrade, as None."""
    from alembic import command

    from service.db import alembic_config

    first = Store.open(database_url)
    created = first.create_analysis(new_analysis())
    first.put_feedback(
        "north",
        created.id,
        feet=[{"index": 0, "label": "neutral"}],
        view="insole",
        note="seen",
        clinician=None,
        key_prefix=None,
    )
    first.close()
    engine = make_engine(database_url)
    try:
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
            connection.commit()
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("feedback")}
        assert "view" not in columns
    finally:
        engine.dispose()
    second = Store.open(database_url)  # migrates to head, as the service does at start
    try:
        record = second.get_analysis("north", created.id)
        assert record is not None
        assert record.feedback is not None
        assert record.feedback.feet == [{"index": 0, "label": "neutral"}]
        assert record.feedback.note == "seen"
        assert record.feedback.view is None
    finally:
        second.close()


def test_concurrent_upgrades_serialise(database_url: str) -> None:
    """Workers start together: every one migrates or finds the schema done, none fails."""
    errors: list[BaseException] = []

    def migrate() -> None:
        engine = make_engine(database_url)
        try:
            upgrade_schema(engine)
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    opened = Store.open(database_url)
    try:
        assert opened.count_analyses() == 0
    finally:
        opened.close()


def test_restart_loses_nothing(database_url: str) -> None:
    first = Store.open(database_url)
    created = first.create_analysis(new_analysis())
    first.close()
    second = Store.open(database_url)
    try:
        assert second.get_analysis("north", created.id) == created
    finally:
        second.close()


def fail_on_image_insert(store: Store, error: Exception) -> Callable[..., None]:
    """Make the database driver fail after the analysis row was written, before its
    pictures: ``error`` is raised where the DBAPI call would run, so SQLAlchemy wraps it
    exactly as a real failure."""

    def do_execute(_cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ANALYSIS_IMAGES"):
            raise error

    sa.event.listen(store.engine, "do_execute", do_execute)
    sa.event.listen(store.engine, "do_executemany", do_execute)
    return do_execute


def driver_error(store: Store, kind: str) -> Exception:
    """A native driver error of the store's backend: ``down`` or ``full``."""
    if store.engine.dialect.name == "sqlite":
        import sqlite3

        text = "disk I/O error" if kind == "down" else "database or disk is full"
        return sqlite3.OperationalError(text)
    import psycopg

    if kind == "down":
        return psycopg.OperationalError("server closed the connection unexpectedly")
    return psycopg.errors.DiskFull("could not extend file: No space left on device")


@pytest.mark.parametrize(
    ("kind", "code"), [("down", "store_unavailable"), ("full", "storage_full")]
)
def test_failure_half_way_leaves_nothing(store: Store, kind: str, code: str) -> None:
    listener = fail_on_image_insert(store, driver_error(store, kind))
    with pytest.raises(StoreUnavailable) as caught:
        store.create_analysis(new_analysis())
    assert caught.value.code == code
    assert "Nothing was saved" in caught.value.message
    sa.event.remove(store.engine, "do_execute", listener)
    sa.event.remove(store.engine, "do_executemany", listener)
    assert store.count_analyses() == 0
    assert store.count_images() == 0
    # The store works again once the failure is gone.
    assert store.create_analysis(new_analysis()).id


def test_unreachable_store_raises_store_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the database directory should be")
    with pytest.raises((StoreUnavailable, OSError)):
        Store.open(f"sqlite:///{blocked / 'db.sqlite3'}")


def test_sqlite_disk_full_leaves_no_half_record(tmp_path: Path) -> None:
    """SQLite reports SQLITE_FULL when the file cannot grow: the store answers
    StorageFull and the whole record, analysis row included, is rolled back."""
    store = Store.open(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    try:
        store.create_analysis(new_analysis())
        with store.engine.connect() as connection:
            pages = connection.execute(sa.text("PRAGMA page_count")).scalar()

        @sa.event.listens_for(store.engine, "connect")
        def cap(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")  # type: ignore[attr-defined]

        store.engine.dispose()  # reconnect with the cap
        with pytest.raises(StorageFull) as caught:
            store.create_analysis(new_analysis(photo=b"\0" * 2_000_000))
        assert caught.value.code == "storage_full"
        assert store.count_analyses() == 1
        assert store.count_images() == 2
    finally:
        store.close()
