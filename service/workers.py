"""The worker processes of ``solescan serve``: one per core, each with its own socket.

uvicorn's own multi-worker mode hands every worker the same listening socket. A worker
then accepts whatever connection it sees first, and the one that has just answered (its
event loop already awake) tends to take the next connection too, while another worker
sits idle with work queued elsewhere: bench/bench_load.py measured 0.31 of 2 cores idle
with 2 workers and 8 clients. Here each worker binds a socket of its own to the same
address with ``SO_REUSEPORT``, and the kernel spreads new connections over them.

The supervisor starts the workers, starts a new one when one dies, and stops them all
on SIGINT or SIGTERM (each finishes its requests first, as uvicorn does).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

logger = logging.getLogger("solescan.workers")

# Exit status of a server that could not start (uvicorn's own convention).
STARTUP_FAILURE = 3
_BACKLOG = 2048


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (IPv4 or IPv6 by the address)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _worker(host: str, port: int, config: dict[str, Any]) -> None:
    """One worker process: its own socket, one uvicorn server (runs in a spawned child)."""
    import uvicorn

    try:
        sock = listening_socket(host, port, reuse_port=True)
    except OSError as error:
        print(f"error: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(uvicorn.Config(host=host, port=port, **config))
    server.run(sockets=[sock])
    sys.exit(0 if server.started else STARTUP_FAILURE)


def run_workers(*, host: str, port: int, workers: int, config: dict[str, Any]) -> int:
    """Serve with ``workers`` processes until SIGINT or SIGTERM; the exit status.

    ``config`` holds the keyword arguments of ``uvicorn.Config`` besides host and port.
    Returns STARTUP_FAILURE when the address is taken or a worker could not start.
    """
    # Binding once without SO_REUSEPORT first: a port held by anything else (another
    # solescan included) is refused here, rather than silently shared with it.
    try:
        listening_socket(host, port, reuse_port=False).close()
    except OSError as error:
        print(f"error: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return STARTUP_FAILURE

    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port, config), name="solescan-worker")
        process.start()
        return process

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    logger.info("serving on %s:%s with %d worker processes", host, port, workers)
    status = 0
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if process.is_alive() or stop.is_set():
                    continue
                if process.exitcode in (0, STARTUP_FAILURE):
                    # 0: stopped on request (a signal to the whole process group);
                    # STARTUP_FAILURE: every new worker would fail the same way.
                    status = process.exitcode or 0
                    stop.set()
                    break
                logger.error(
                    "worker %s ended with status %s; starting another",
                    process.pid,
                    process.exitcode,
                )
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes open requests, then exits
        for process in processes:
            process.join(timeout=config.get("timeout_graceful_shutdown", 30) + 5)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
