"""The worker processes of ``solescan serve``: one per core, sharing one listening socket.

Where a connection goes decides how evenly the cores are used. Two ways that failed,
measured by bench/bench_load.py with 2 workers and 8 clients:

- uvicorn's own multi-worker mode hands every worker the same socket, and a worker
  accepts whatever connection it sees first. The one that has just answered (its event
  loop already awake) tends to take the next one too, while the other worker idles:
  0.31 of 2 cores idle.
- A socket per worker with ``SO_REUSEPORT`` lets the kernel place each connection on a
  worker at random. With a fixed number of clients, uploads then pile up at one worker
  while the other runs dry now and then: 0.14 of 2 cores idle.

So the workers share one socket, and a worker waits for connections only while it has
room: fewer requests in flight than its analysis threads plus one (one analysing, one
arrived and waiting, so the thread never waits for an upload to arrive). Connections that
come while every worker is full wait in the kernel's queue, which all workers share, for
the first worker that frees up: one queue for the whole service, served in order.

A worker without room still looks at that queue every ``_FULL_POLL_S``. When more
connections wait than the workers will soon take (``queue_limit``), the service is
overloaded, and it takes one anyway: its bounded analysis pool (service/pool.py) then
queues the upload or answers 503 with Retry-After, rather than clients waiting in the
kernel's queue until they give up.

The supervisor starts the workers, starts a new one when one dies, and stops them all
on SIGINT or SIGTERM (each finishes its requests first, as uvicorn does).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("solescan.workers")

# Exit status of a server that could not start (uvicorn's own convention).
STARTUP_FAILURE = 3
_BACKLOG = 2048
# How often a worker without room looks at the shared queue for signs of overload.
_FULL_POLL_S = 0.05
# How long a worker waits for a connection it accepted to begin its request (a client
# on loopback or behind a proxy sends it at once) before it accepts the next.
_REQUEST_START_S = 0.02
# Accepting failed for want of file descriptors or memory: wait before trying again,
# so the loop does not spin while the process is out of them.
_ACCEPT_RETRY_S = 0.1
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening (IPv4 or IPv6 by the address)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def waiting_connections(sock: socket.socket) -> int | None:
    """Connections in a listening socket's accept queue, or None where the system does
    not tell (Linux does, in TCP_INFO)."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, option, 32)
    except OSError:
        return None
    # struct tcp_info: 8 one-byte fields, then rto, ato, snd_mss, rcv_mss and unacked,
    # which on a listening socket holds the length of its accept queue.
    return int(struct.unpack_from("I", info, 24)[0]) if len(info) >= 28 else None


class RequestsInFlight:
    """ASGI wrapper that counts this process's HTTP requests from start to answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.count = 0  # in flight now
        self.started = 0  # ever started
        self._changed = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.count += 1
        self.started += 1
        self._changed.set()
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1
            self._changed.set()

    async def wait_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until ``condition()`` holds, checked as requests start and end; False
        when ``timeout_s`` passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not condition():
            self._changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True

    async def wait_for_start(self, *, after: int, timeout_s: float) -> bool:
        """Wait until more than ``after`` requests have ever started; False on timeout."""
        return await self.wait_until(lambda: self.started > after, timeout_s)


class RoomAwareServer(uvicorn.Server):
    """A uvicorn server that accepts from the shared socket while it has room.

    uvicorn accepts on its own as fast as connections come; this server runs the accept
    loop itself and hands each accepted connection to uvicorn's HTTP protocol.
    """

    def __init__(self, config: uvicorn.Config, *, room: int, queue_limit: int) -> None:
        super().__init__(config)
        self.room = room
        self.queue_limit = queue_limit
        self._accepting: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not sockets:
            raise ValueError("RoomAwareServer serves the listening sockets it is given")
        self.in_flight = RequestsInFlight(self.config.loaded_app)
        self.config.loaded_app = self.in_flight
        await super().startup(sockets=[])  # the application's start-up, no listeners
        if self.should_exit or not self.started:
            return
        # A full worker's look at the queue (sock.accept) must not block the event loop.
        sockets[0].setblocking(False)
        loop = asyncio.get_running_loop()
        self._accepting = loop.create_task(self._accept_loop(sockets[0]))

    def _protocol(self) -> asyncio.Protocol:
        # What uvicorn's own listener builds for each connection.
        return self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )

    async def _accept_loop(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        in_flight = self.in_flight
        while True:
            has_room = await in_flight.wait_until(lambda: in_flight.count < self.room, _FULL_POLL_S)
            if not has_room:
                waiting = waiting_connections(sock)
                if waiting is not None and waiting <= self.queue_limit:
                    continue  # not overloaded: a worker with room takes them soon
            started = in_flight.started
            try:
                if has_room:
                    connection, _ = await loop.sock_accept(sock)
                else:
                    connection, _ = sock.accept()  # one that waits now, if any
                    connection.setblocking(False)
            except BlockingIOError:
                continue  # another worker took it
            except OSError as error:
                # A client that gave up before it was accepted, or no descriptors left.
                if error.errno in _OUT_OF_RESOURCES:
                    logger.error("cannot accept a connection: %s", error.strerror)
                    await asyncio.sleep(_ACCEPT_RETRY_S)
                continue
            try:
                await loop.connect_accepted_socket(self._protocol, connection, ssl=self.config.ssl)
            except OSError:
                connection.close()  # the client hung up at once
                continue
            except Exception:
                # Not this loop's to die of: a worker that stopped accepting would sit
                # idle while the others took all the work.
                logger.exception("could not serve an accepted connection")
                connection.close()
                continue
            # The new connection counts only once its request has begun: let it begin
            # before deciding on the next, or a worker could take more than its room.
            await in_flight.wait_for_start(after=started, timeout_s=_REQUEST_START_S)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._accepting is not None:
            self._accepting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._accepting
        await super().shutdown(sockets=sockets)


def _worker(sock: socket.socket, room: int, queue_limit: int, config: dict[str, Any]) -> None:
    """One worker process: a uvicorn server on the shared socket (a spawned child)."""
    host, port = sock.getsockname()[:2]
    server = RoomAwareServer(
        uvicorn.Config(host=host, port=port, **config), room=room, queue_limit=queue_limit
    )
    server.run(sockets=[sock])
    sys.exit(0 if server.started else STARTUP_FAILURE)


def run_workers(*, host: str, port: int, workers: int, room: int, config: dict[str, Any]) -> int:
    """Serve with ``workers`` processes until SIGINT or SIGTERM; the exit status.

    ``room`` is the number of requests a worker holds before it leaves new connections
    to the others (see the module's docstring). ``config`` holds the keyword
    arguments of ``uvicorn.Config`` besides host and port. Returns STARTUP_FAILURE when
    the address is taken or a worker could not start.
    """
    try:
        sock = listening_socket(host, port)
    except OSError as error:
        print(f"error: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return STARTUP_FAILURE

    # Overloaded: more connections wait than two rounds of every worker's room, about
    # four analyses' time with the defaults.
    queue_limit = 2 * workers * room
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()

    def start() -> BaseProcess:
        process = context.Process(
            target=_worker, args=(sock, room, queue_limit, config), name="solescan-worker"
        )
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
        sock.close()
    return status
