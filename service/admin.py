"""Operator commands behind ``solescan keys ...``, ``solescan purge`` and ``solescan serve``."""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from service.exceptions import StoreUnavailable
from service.logs import configure_logging
from service.settings import Settings, get_settings
from service.store import Store
from service.workers import STARTUP_FAILURE, run_workers

_THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENCV_FOR_THREADS_NUM",
)


def available_cores() -> int:
    """Cores this process may use: CPU affinity, capped by a cgroup v2 CPU quota (Docker
    ``--cpus``), which ``os.cpu_count()`` ignores."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = available_cores()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def _open_store(settings: Settings) -> Store:
    return Store.open(
        settings.resolved_database_url, key_pepper=settings.key_pepper.get_secret_value()
    )


def keys_create(clinic: str, *, out: TextIO | None = None, settings: Settings | None = None) -> int:
    """Make a key for ``clinic`` and print it once; only its hash is stored."""
    settings = settings or get_settings()
    if not clinic.strip():
        print("error: --clinic must not be empty", file=sys.stderr)
        return 2
    store = _open_store(settings)
    try:
        key, info = store.create_key(clinic)
    finally:
        store.close()
    print(key, file=out or sys.stdout)
    print(
        f"Created key {info.prefix} (id {info.id}) for clinic {info.clinic!r}. It is shown "
        "only now: store it in the clinic app's secrets.",
        file=sys.stderr,
    )
    return 0


def keys_list(*, out: TextIO | None = None, settings: Settings | None = None) -> int:
    """Print every key: id, prefix, clinic, created, revoked (never the key)."""
    settings = settings or get_settings()
    store = _open_store(settings)
    try:
        keys = store.list_keys()
    finally:
        store.close()
    out = out or sys.stdout
    print(f"{'ID':>4}  {'PREFIX':<10} {'CREATED':<20} {'REVOKED':<20} CLINIC", file=out)
    for info in keys:
        revoked = info.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if info.revoked_at else "-"
        created = info.created_at.strftime("%Y-%m-%d %H:%M:%S")
        line = f"{info.id:>4}  {info.prefix:<10} {created:<20} {revoked:<20} {info.clinic}"
        print(line, file=out)
    return 0


def keys_revoke(prefix_or_id: str, *, settings: Settings | None = None) -> int:
    """Revoke a key by its prefix or id; requests with it get 401 from then on."""
    settings = settings or get_settings()
    store = _open_store(settings)
    try:
        info = store.revoke_key(prefix_or_id)
    finally:
        store.close()
    if info is None:
        print(f"error: no key with prefix or id {prefix_or_id!r}", file=sys.stderr)
        return 1
    print(f"Revoked key {info.prefix} of clinic {info.clinic!r}.", file=sys.stderr)
    return 0


def purge(*, settings: Settings | None = None) -> int:
    """Erase kept photos older than the retention period now."""
    settings = settings or get_settings()
    if settings.image_retention_days == 0:
        print("Retention is off (SOLESCAN_IMAGE_RETENTION_DAYS=0): nothing to purge.")
        return 0
    store = _open_store(settings)
    try:
        purged = store.purge_images(older_than=timedelta(days=settings.image_retention_days))
    finally:
        store.close()
    print(f"Purged {purged} photos older than {settings.image_retention_days} days.")
    return 0


def serve(*, host: str | None, port: int | None, workers: int | None) -> int:
    """Run the service under uvicorn, one worker process per core by default."""
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    cores = available_cores()
    workers = workers or settings.workers or cores
    # The workers read their settings from the environment: tell them where they listen.
    os.environ["SOLESCAN_HOST"] = host
    os.environ["SOLESCAN_PORT"] = str(port)
    # One analysis thread per core in total: keep OpenCV, OpenMP and BLAS from starting
    # a thread per core inside every worker (set before any worker imports them).
    inner = str(max(1, cores // (workers * settings.analysis_threads)))
    for name in _THREAD_ENV:
        os.environ.setdefault(name, inner)
    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level)

    # Check once here (and migrate) so a refusal is one clear message, not one per worker.
    try:
        store = _open_store(settings)
    except StoreUnavailable as error:
        print(f"error: {error.message}", file=sys.stderr)
        return STARTUP_FAILURE
    try:
        if not settings.listens_on_loopback and not store.has_active_keys():
            print(
                f"error: refusing to listen on {host} without API keys: any machine could "
                "read every analysis. Create one with `solescan keys create --clinic NAME` "
                "or listen on 127.0.0.1.",
                file=sys.stderr,
            )
            return STARTUP_FAILURE
    finally:
        store.close()

    metrics_dir: str | None = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="solescan-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        return run_workers(
            host=host,
            port=port,
            workers=workers,
            room=settings.analysis_threads + 1,
            config={
                "app": "service.app:create_app",
                "factory": True,
                "log_config": None,
                "access_log": False,
                "timeout_graceful_shutdown": 30,
            },
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
