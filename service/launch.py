"""Start ``solescan serve`` in a child process and wait until it answers.

What the load benchmark and the tests that need the real server (its worker processes,
sockets and start-up checks, not an in-process app) share: a free loopback port, the
start, the wait for ``/readyz`` and the stop.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path


class ServiceDidNotStart(RuntimeError):
    """The server exited or did not become ready; the message holds its log's tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_service(
    *,
    port: int,
    workers: int,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    timeout_s: float = 120.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """``solescan serve`` on 127.0.0.1:``port``, ready to answer; stopped on exit.

    Its output goes to ``log_path``. Raises :class:`ServiceDidNotStart` when the server
    exits or is not ready within ``timeout_s``.
    """
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=log, stderr=log)
    try:
        _wait_ready(process, port, log_path, timeout_s)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(
    process: subprocess.Popen[bytes], port: int, log_path: Path, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceDidNotStart(
                f"solescan serve exited with status {process.returncode} at start-up:\n"
                f"{_tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise ServiceDidNotStart(
        f"solescan serve was not ready within {timeout_s:.0f} s:\n{_tail(log_path)}"
    )


def _tail(path: Path, size: int = 3000) -> str:
    return path.read_text(errors="replace")[-size:] if path.exists() else ""
