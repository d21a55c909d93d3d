"""Workers share one queue of connections: a worker with room takes them, and a full
worker takes one only when the service is overloaded.

Two room-aware uvicorn servers on one listening socket, in one event loop, stand for two
worker processes; their applications say which server answered.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from service.workers import (
    RequestsInFlight,
    RoomAwareServer,
    listening_socket,
    waiting_connections,
)


def _named_app(name: str, release: asyncio.Event) -> Callable[..., Awaitable[None]]:
    """Answers its own name; requests to /hold wait for ``release`` first."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/hold":
            await release.wait()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": name.encode()})

    return app


async def _until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.005)


QUEUE_LIMIT = 2


async def _two_workers_scenario() -> dict[str, object]:
    sock = listening_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    release = asyncio.Event()
    servers = {
        name: RoomAwareServer(
            uvicorn.Config(app=_named_app(name, release), lifespan="off", log_config=None),
            room=1,
            queue_limit=QUEUE_LIMIT,
        )
        for name in ("a", "b")
    }
    # A descriptor each, as each worker process has: one event loop cannot wait on one
    # descriptor twice.
    serving = [asyncio.create_task(s.serve(sockets=[sock.dup()])) for s in servers.values()]
    seen: dict[str, object] = {}
    try:
        await _until(lambda: all(s.started for s in servers.values()))
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            holds = [asyncio.create_task(client.get("/hold"))]
            await _until(lambda: sum(s.in_flight.count for s in servers.values()) == 1)
            seen["busy"] = next(n for n, s in servers.items() if s.in_flight.count == 1)
            # Each request on a new connection: all go to the worker with room.
            seen["answered_by"] = [(await client.get("/")).text for _ in range(12)]

            # Both workers full: connections wait in the shared queue...
            holds.append(asyncio.create_task(client.get("/hold")))
            await _until(lambda: all(s.in_flight.count == 1 for s in servers.values()))
            queued = [asyncio.create_task(client.get("/")) for _ in range(QUEUE_LIMIT)]
            await _until(lambda: waiting_connections(sock) == QUEUE_LIMIT)
            await asyncio.sleep(0.3)  # six looks at the queue by each full worker
            seen["taken_while_full"] = sum(task.done() for task in queued)
            # ...until more wait than the limit: then the full workers take the excess.
            queued += [asyncio.create_task(client.get("/")) for _ in range(3)]
            await _until(lambda: sum(task.done() for task in queued) == 3)
            await asyncio.sleep(0.3)
            seen["taken_when_overloaded"] = sum(task.done() for task in queued)
            seen["still_waiting"] = waiting_connections(sock)

            release.set()
            replies = await asyncio.gather(*queued)
            seen["queued_status"] = {reply.status_code for reply in replies}
            seen["held"] = sorted([(await hold).text for hold in holds])
    finally:
        for server in servers.values():
            server.should_exit = True
        await asyncio.gather(*serving)
        sock.close()
    return seen


def test_workers_share_one_queue_of_connections() -> None:
    seen = asyncio.run(_two_workers_scenario())
    idle = "b" if seen["busy"] == "a" else "a"
    assert seen["answered_by"] == [idle] * 12
    assert seen["taken_while_full"] == 0
    assert seen["taken_when_overloaded"] == 3
    assert seen["still_waiting"] == QUEUE_LIMIT
    assert seen["queued_status"] == {200}
    assert seen["held"] == ["a", "b"]


def test_a_connection_that_fails_to_start_does_not_stop_accepting() -> None:
    class FailsOnce(RoomAwareServer):
        failed = False

        def _protocol(self) -> asyncio.Protocol:
            if not self.failed:
                self.failed = True
                raise RuntimeError("protocol could not be built")
            return super()._protocol()

    async def scenario() -> list[object]:
        sock = listening_socket("127.0.0.1", 0)
        server = FailsOnce(
            uvicorn.Config(app=_named_app("a", asyncio.Event()), lifespan="off", log_config=None),
            room=1,
            queue_limit=QUEUE_LIMIT,
        )
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        outcomes: list[object] = []
        try:
            await _until(lambda: server.started)
            base = f"http://127.0.0.1:{sock.getsockname()[1]}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                try:
                    await client.get("/")
                    outcomes.append("answered")
                except httpx.TransportError:
                    outcomes.append("dropped")
                outcomes.append((await client.get("/")).text)
        finally:
            server.should_exit = True
            await serving
            sock.close()
        return outcomes

    assert asyncio.run(scenario()) == ["dropped", "a"]


def test_the_accept_queue_is_read_from_the_socket() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        assert waiting_connections(sock) == 0
        clients = [socket.create_connection(sock.getsockname()) for _ in range(3)]
        try:
            assert waiting_connections(sock) == 3
            sock.accept()[0].close()
            assert waiting_connections(sock) == 2
        finally:
            for client in clients:
                client.close()


def test_requests_in_flight_are_counted_and_waited_for() -> None:
    async def scenario() -> list[object]:
        release = asyncio.Event()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await release.wait()

        counter = RequestsInFlight(app)
        requests = [
            asyncio.create_task(counter({"type": "http"}, _never, _discard)) for _ in range(2)
        ]
        await asyncio.sleep(0)
        results: list[object] = [counter.count, counter.started]
        below_two = lambda: counter.count < 2  # noqa: E731
        results.append(await counter.wait_until(below_two, timeout_s=0.02))  # times out
        waiting = asyncio.create_task(counter.wait_until(below_two, timeout_s=5))
        await asyncio.sleep(0.01)
        release.set()  # both end: the waiter wakes
        results.append(await waiting)
        await asyncio.gather(*requests)
        results += [counter.count, counter.started]
        # Lifespan and other non-HTTP scopes pass through uncounted.
        await counter({"type": "lifespan"}, _never, _discard)
        results.append(counter.started)
        return results

    assert asyncio.run(scenario()) == [2, 2, False, True, 0, 2, 2]


async def _never() -> dict[str, object]:
    raise AssertionError("not read")


async def _discard(message: object) -> None:
    pass
