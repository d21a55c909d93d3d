"""constraints.txt: the versions `make` and the Dockerfile install, and the figures were
measured with, agree with what pyproject.toml asks for and with what is installed."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]


def pins() -> dict[str, Version]:
    """Each package constraints.txt names, with its pinned version."""
    pinned = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pin = line.partition("==")
            assert pin, f"constraints.txt pins exact versions only, not {line!r}"
            pinned[canonicalize_name(name)] = Version(pin)
    return pinned


def requirements() -> list[Requirement]:
    """pyproject.toml's dependencies and its dev extras."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(r) for r in listed]


def test_every_dependency_is_pinned_to_a_version_pyproject_allows() -> None:
    pinned = pins()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {requirement.name} {pinned[name]}, which pyproject.toml's "
            f"{requirement} does not allow"
        )


def test_the_installed_packages_are_the_pinned_versions() -> None:
    # `make` reinstalls when constraints.txt changes; an environment made otherwise
    # would measure other figures than the README's.
    for name, pin in pins().items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            raise AssertionError(f"{name} is pinned in constraints.txt but not installed") from None
        assert installed == pin, f"{name} {installed} is installed, constraints.txt pins {pin}"
