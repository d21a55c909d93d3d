"""Starting the real server in a child process, as the load benchmark and tests do."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from service.launch import ServiceDidNotStart, free_port, running_service


def test_a_server_that_cannot_start_is_reported_with_its_log(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = {**os.environ, "SOLESCAN_DATA_DIR": str(tmp_path / "var")}
        env.pop("SOLESCAN_DATABASE_URL", None)
        with (
            pytest.raises(ServiceDidNotStart, match="exited with status") as failed,
            running_service(port=port, workers=1, env=env, log_path=tmp_path / "log"),
        ):
            pass
    # The log's tail says why: the port is in use.
    assert str(port) in str(failed.value)


def test_free_ports_are_free() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
