"""A bounded pool that runs CPU-bound analyses off the event loop.

Each worker process runs at most ``threads`` analyses at once (one per core overall, with
one worker per core) and lets at most ``max_pending`` more wait; beyond that it refuses
with :class:`~service.exceptions.ServiceBusy` instead of piling up requests that would
time out anyway. It works from any event loop (tests use several), unlike a limiter
bound to the loop that created it.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from service.exceptions import ServiceBusy

T = TypeVar("T")


class AnalysisPool:
    """A fixed set of threads plus a bounded waiting line."""

    def __init__(
        self,
        *,
        threads: int,
        max_pending: int,
        initializer: Callable[[], object] | None = None,
    ) -> None:
        self.threads = threads
        self.capacity = threads + max_pending
        # ``initializer`` runs in each pool thread: per-thread library settings (OpenMP's
        # thread count is one) must be made there, not in the thread that built the pool.
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="analysis", initializer=initializer
        )
        self._lock = threading.Lock()
        self._pending = 0
        self._mean_seconds = 0.2  # running estimate of one job, for Retry-After

    @property
    def pending(self) -> int:
        """Jobs queued or running now."""
        return self._pending

    def _retry_after(self) -> int:
        return max(1, math.ceil(self._pending * self._mean_seconds / self.threads))

    def _finished(self, started: float) -> None:
        elapsed = time.perf_counter() - started
        with self._lock:
            self._pending -= 1
            self._mean_seconds = 0.9 * self._mean_seconds + 0.1 * elapsed

    async def run(self, job: Callable[[], T]) -> T:
        """Run ``job`` in the pool and wait for its result without blocking the loop."""
        with self._lock:
            if self._pending >= self.capacity:
                raise ServiceBusy(
                    "The service is busy analysing other photos. Retry after the number "
                    "of seconds in the Retry-After header.",
                    retry_after_s=self._retry_after(),
                )
            self._pending += 1
        started = time.perf_counter()
        try:
            # The job keeps the request's context (request id in its log lines).
            future: Future[T] = self._executor.submit(contextvars.copy_context().run, job)
        except BaseException:
            self._finished(started)
            raise
        # Released when the job ends, not when the caller stops waiting (a client that
        # hangs up does not free a thread that is still busy).
        future.add_done_callback(lambda _: self._finished(started))
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
