"""50 uploads at once give 50 stored analyses, none lost or mixed up.

In process (one worker, both stores) and through a real `solescan serve` with two worker
processes sharing the embedded SQLite store, on a loopback port.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from model.analyze import Analyzer
from service.admin import available_cores
from service.analysis import json_safe
from service.app import create_app
from service.launch import free_port, running_service
from service.settings import Settings
from tests.service.conftest import Clinic

N_UPLOADS = 50


def expected_results(analyzer: Analyzer, photos: list[bytes]) -> list[dict[str, Any]]:
    return [json_safe(analyzer.analyze(photo).to_dict()) for photo in photos]


def check_no_mix_up(
    created: list[dict[str, Any]], photos: list[bytes], expected: list[dict[str, Any]]
) -> None:
    """Each analysis carries its own subject_ref and the result of its own photo."""
    assert len({a["id"] for a in created}) == N_UPLOADS
    for analysis in created:
        i = int(analysis["subject_ref"].removeprefix("s-"))
        want = expected[i % len(photos)]
        assert analysis["feet"] == want["feet"], analysis["subject_ref"]
        assert analysis["image"] == want["image"]


async def _upload_all(
    client: httpx.AsyncClient, photos: list[bytes], headers: dict[str, str]
) -> list[httpx.Response]:
    async def one(i: int) -> httpx.Response:
        return await client.post(
            "/v1/analyses",
            files={"image": (f"{i}.jpg", photos[i % len(photos)])},
            data={"subject_ref": f"s-{i}"},
            headers=headers,
        )

    return list(await asyncio.gather(*(one(i) for i in range(N_UPLOADS))))


async def _list_all(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = (await client.get("/v1/analyses", params=params, headers=headers)).json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        params["cursor"] = page["next_cursor"]


def test_parallel_uploads_in_process(
    make_settings: Callable[..., Settings],
    clinics: dict[str, Clinic],
    sole_photos: list[bytes],
    analyzer: Analyzer,
) -> None:
    app = create_app(make_settings(analysis_threads=2, max_pending_analyses=N_UPLOADS))
    headers = clinics["north"].headers
    expected = expected_results(analyzer, sole_photos)

    async def run() -> tuple[list[httpx.Response], list[dict[str, Any]]]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            responses = await _upload_all(client, sole_photos, headers)
            listed = await _list_all(client, headers)
            return responses, listed

    responses, listed = asyncio.run(run())
    assert [r.status_code for r in responses] == [201] * N_UPLOADS
    created = [r.json() for r in responses]
    check_no_mix_up(created, sole_photos, expected)
    assert sorted(a["id"] for a in listed) == sorted(a["id"] for a in created)
    check_no_mix_up(listed, sole_photos, expected)


# -- a real server with two worker processes ----------------------------------------------


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str, int]]:
    """`solescan serve --workers 2` on a free loopback port: (base URL, API key, pid)."""
    env = {
        **os.environ,
        "SOLESCAN_DATA_DIR": str(tmp_path / "var"),
        "SOLESCAN_MAX_PENDING_ANALYSES": str(N_UPLOADS),
        "SOLESCAN_LOG_LEVEL": "WARNING",
    }
    for name in (
        "SOLESCAN_DATABASE_URL",
        "PROMETHEUS_MULTIPROC_DIR",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENCV_FOR_THREADS_NUM",
    ):
        env.pop(name, None)
    key = subprocess.run(
        [sys.executable, "-m", "service.cli", "keys", "create", "--clinic", "north"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    port = free_port()
    with running_service(port=port, workers=2, env=env, log_path=tmp_path / "server.log") as server:
        yield f"http://127.0.0.1:{port}", key, server.pid


@pytest.mark.slow
def test_parallel_uploads_to_two_workers(
    live_server: tuple[str, str, int], sole_photos: list[bytes], analyzer: Analyzer
) -> None:
    base, key, pid = live_server
    workers = [
        child
        for child in psutil.Process(pid).children()
        if "spawn_main" in " ".join(child.cmdline())
    ]
    assert len(workers) == 2
    for worker in workers:
        # 2 workers x 1 analysis thread on 2 cores: no library may start more threads.
        assert worker.environ()["OPENCV_FOR_THREADS_NUM"] == str(max(1, available_cores() // 2))
        assert worker.environ()["OMP_NUM_THREADS"] == worker.environ()["OPENCV_FOR_THREADS_NUM"]
    headers = {"Authorization": f"Bearer {key}"}
    expected = expected_results(analyzer, sole_photos)

    async def run() -> tuple[list[httpx.Response], list[dict[str, Any]], str]:
        limits = httpx.Limits(max_connections=N_UPLOADS)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            responses = await _upload_all(client, sole_photos, headers)
            listed = await _list_all(client, headers)
            metrics = (await client.get("/metrics")).text
            return responses, listed, metrics

    responses, listed, metrics = asyncio.run(run())
    assert [r.status_code for r in responses] == [201] * N_UPLOADS
    created = [r.json() for r in responses]
    check_no_mix_up(created, sole_photos, expected)
    assert sorted(a["id"] for a in listed) == sorted(a["id"] for a in created)
    # Both workers' counts are summed by the multiprocess collector.
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("solescan_http_requests_total")
        and 'route="/v1/analyses"' in line
        and 'status="201"' in line
        and 'method="POST"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) == N_UPLOADS
