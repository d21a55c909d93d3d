"""Process pools for the batch jobs (corpus rendering, feature extraction, evaluation)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def worker_pool(
    workers: int, initializer: Callable[..., object], initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started by a fork server.

    Not plain fork: a child forked from a process whose OpenCV or OpenMP thread pools
    have run (rendering a photo, fitting or predicting with the trees) can hang in its
    first call into them, since the fork copies the pools' locks but not their threads
    (traced with gdb). The fork server is a fresh process that has run none of that.
    """
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=initializer, initargs=initargs
    )
