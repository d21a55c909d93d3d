"""Shared fixtures: paths to the real scans and small rendered photos."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from threadpoolctl import threadpool_limits

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


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    """OpenCV and OpenMP on one thread for a module that trains models.

    The small tables of the tests fit as fast on one thread as on several, and threads
    per core on top of the worker processes' own would only oversubscribe the machine.
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    with threadpool_limits(1, user_api="openmp"):
        yield
    cv2.setNumThreads(threads)


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


@pytest.fixture(scope="session")
def ellipse_frame():  # type: ignore[no-untyped-def]
    """The canonical frame of a sole-sized ellipse: for measures read in that frame."""
    import numpy as np

    from model.locate import Candidate, fit_frame

    points = cv2.ellipse2Poly((400, 300), (260, 95), 20, 0, 360, 2).astype(np.float32)
    return fit_frame(Candidate(contour=points, mask_area=np.pi * 260 * 95, touches_border=0.0))
