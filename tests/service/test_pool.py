"""The bounded analysis pool: runs jobs off the loop, refuses when the line is full."""

from __future__ import annotations

import asyncio
import threading

import pytest

from service.exceptions import ServiceBusy
from service.pool import AnalysisPool


def test_runs_jobs_in_its_threads_and_returns_results() -> None:
    pool = AnalysisPool(threads=2, max_pending=4)
    loop_thread = threading.get_ident()

    async def main() -> list[int]:
        return list(await asyncio.gather(*(pool.run(threading.get_ident) for _ in range(4))))

    try:
        idents = asyncio.run(main())
    finally:
        pool.shutdown()
    assert loop_thread not in idents
    assert len(set(idents)) <= 2
    assert pool.pending == 0


def test_refuses_beyond_threads_plus_pending() -> None:
    pool = AnalysisPool(threads=1, max_pending=1)
    release = threading.Event()

    async def main() -> None:
        first = asyncio.ensure_future(pool.run(lambda: release.wait(10)))
        second = asyncio.ensure_future(pool.run(lambda: release.wait(10)))
        await asyncio.sleep(0.05)
        assert pool.pending == 2
        with pytest.raises(ServiceBusy) as caught:
            await pool.run(lambda: None)
        assert caught.value.retry_after_s >= 1
        release.set()
        await asyncio.gather(first, second)

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert pool.pending == 0


def test_a_cancelled_waiter_keeps_its_slot_until_the_job_ends() -> None:
    pool = AnalysisPool(threads=1, max_pending=0)
    release = threading.Event()

    async def main() -> None:
        task = asyncio.ensure_future(pool.run(lambda: release.wait(10)))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0.01)
        # The thread is still busy: the slot is not handed out twice.
        with pytest.raises(ServiceBusy):
            await pool.run(lambda: None)
        release.set()
        for _ in range(100):
            if pool.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert await pool.run(lambda: 7) == 7

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()


def test_initializer_runs_in_each_pool_thread() -> None:
    """Per-thread settings (OpenMP's thread count) are made in the pool's own threads."""
    from threadpoolctl import threadpool_info

    from model.analyze import use_one_thread

    def openmp_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["internal_api"] == "openmp"]

    pool = AnalysisPool(threads=1, max_pending=0, initializer=use_one_thread)
    try:
        seen = asyncio.run(pool.run(openmp_threads))
    finally:
        pool.shutdown()
    assert seen
    assert set(seen) == {1}
