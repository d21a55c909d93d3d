"""Shared fixtures: paths to the real scans and small rendered photos."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The real scans live in the shared folder beside the repository checkout.
REAL_SCANS = REPO.parent / "shared" / "real"


@pytest.fixture(scope="session")
def real_scans() -> list[dict[str, str]]:
    """Rows of the real scans' labels.csv with an absolute ``path``."""
    labels = REAL_SCANS / "labels.csv"
    if not labels.exists():
        pytest.fail(f"the real scans are missing: expected {labels}")
    with labels.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["path"] = str(REAL_SCANS / row["file"])
    return rows


@pytest.fixture(scope="session")
def bundle():  # type: ignore[no-untyped-def]
    """The shipped model (the artifact in model/artifacts/), run on one thread as served."""
    from model.analyze import use_one_thread
    from model.classifier import load_bundle

    use_one_thread()
    return load_bundle()


@pytest.fixture(scope="session")
def analyzer(bundle):  # type: ignore[no-untyped-def]
    """An analyser over the shipped model."""
    from model.analyze import Analyzer

    return Analyzer(bundle)
