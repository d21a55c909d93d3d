"""``solescan export``: kept photos with clinician feedback, as a training manifest.

The manifest has the synthetic corpus's columns (so a clinic export and a rendered corpus
train together) plus ``subject`` and ``clinic``. One row per foot, for analyses whose
every found foot got a clinician class; each photo is the stored metadata-free JPEG. The feet's
centres, lengths, views and sides come from the stored analysis result, or from the
clinician's corrections when given (a corrected view turns each foot's side to what that
view shows, unless the side is corrected too), so training finds the same objects again
and matches them to their labels.

``subject`` is a keyed hash of (clinic, subject_ref), never the reference itself: training
only needs to keep one subject's photos on one side of a split. The key is the service's
``SOLESCAN_KEY_PEPPER``, so the same subject maps to the same value in every export of one
deployment but cannot be recomputed from a guessed reference without the secret.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from model.footshape import LABELS, VIEWS, Side, View, medial_on_image_left, side_from_medial
from model.synth.render import MANIFEST_COLUMNS
from service.db import Analysis, Feedback, StoredImage
from service.exceptions import StoreUnavailable
from service.settings import Settings, get_settings
from service.store import PHOTO, Store

EXPORT_COLUMNS: tuple[str, ...] = (*MANIFEST_COLUMNS, "subject", "clinic")
PHOTO_DIR = "photos"
MANIFEST_NAME = "manifest.csv"
# Read by training beside the manifest (model/training.py corpus_info) into the card.
INFO_NAME = "corpus.json"


@dataclass
class ExportSummary:
    """What :func:`export_feedback` wrote, and what it left out and why."""

    out_dir: Path
    manifest: Path
    photos: int = 0
    feet: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    views: Counter[str] = field(default_factory=Counter)
    clinics: set[str] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        def fmt(counts: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

        return (
            f"exported {self.photos} photos ({self.feet} labelled feet) to {self.out_dir}\n"
            f"  manifest: {self.manifest}\n"
            f"  labels:   {fmt(self.labels)}\n"
            f"  views:    {fmt(self.views)}\n"
            f"  clinics:  {len(self.clinics)}\n"
            f"  skipped:  {fmt(self.skipped)}"
        )


def subject_hash(clinic: str, subject_ref: str, *, key: str) -> str:
    """The exported stand-in of a subject reference: keyed, clinic-scoped, not reversible."""
    message = f"{clinic}\x00{subject_ref}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:20]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def side_in_view(side: Side, analysed: View, corrected: View) -> Side:
    """The side an outline read as ``side`` in the ``analysed`` view reads as in the
    ``corrected`` one: the other side between an outsole (seen from below) and an insole
    or print (seen from above), which are mirror images of each other."""
    return side_from_medial(corrected, medial_on_image_left(analysed, side))


def _rows_for(
    analysis: Analysis, feedback: Feedback, *, file: str, key: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The manifest rows of one analysis, or (None, why it is left out)."""
    result = analysis.result or {}
    if result.get("status", "ok") != "ok":
        return None, "rejected_analysis"
    analysed_view = result.get("view")
    if analysed_view not in VIEWS:
        return None, "unknown_view"
    view = cast(View, feedback.view or analysed_view)
    feet = result.get("feet") or []
    labelled = {int(f["index"]): f for f in feedback.feet or []}
    if not feet:
        return None, "no_feet"
    if any(labelled.get(i, {}).get("label") == "undetermined" for i in range(len(feet))):
        return None, "undetermined_label"
    if any(labelled.get(i, {}).get("label") not in LABELS for i in range(len(feet))):
        # An unlabelled foot would be matched to no label and taught as "not a sole".
        return None, "foot_without_label"
    image = result.get("image") or {}
    subject = (
        subject_hash(analysis.clinic, analysis.subject_ref, key=key) if analysis.subject_ref else ""
    )
    rows = []
    for i, foot in enumerate(feet):
        given = labelled[i]
        metrics = foot.get("metrics") or {}
        length = metrics.get("quality_object_px")
        rows.append(
            {
                **dict.fromkeys(EXPORT_COLUMNS, ""),
                "file": file,
                "view": view,
                "n_feet": len(feet),
                "side": given.get("side") or side_in_view(foot["side"], analysed_view, view),
                "label": given["label"],
                "center_x": foot["center"][0],
                "center_y": foot["center"][1],
                "length_px": "" if length is None else length,
                "width": image.get("width", ""),
                "height": image.get("height", ""),
                "format": "jpeg",
                "subject": subject,
                "clinic": analysis.clinic,
            }
        )
    return rows, None


def export_feedback(
    store: Store,
    out_dir: Path,
    *,
    clinic: str | None = None,
    since: date | None = None,
    until: date | None = None,
    subject_key: str = "",
) -> ExportSummary:
    """Write the photos with clinician feedback and their manifest into ``out_dir``.

    Parameters
    ----------
    store : Store
    out_dir : Path
        Created; ``manifest.csv``, ``corpus.json`` and ``photos/<analysis id>.jpg``.
    clinic : str, optional
        Only this clinic's analyses (default: every clinic).
    since, until : date, optional
        Only analyses made on or after ``since`` and on or before ``until`` (UTC days).
    subject_key : str
        Key of the subject hash (the service's key pepper).
    """
    out_dir = Path(out_dir)
    (out_dir / PHOTO_DIR).mkdir(parents=True, exist_ok=True)
    query = (
        sa.select(Analysis, Feedback)
        .join(Feedback, Feedback.analysis_id == Analysis.id)
        .join(
            StoredImage,
            sa.and_(StoredImage.analysis_id == Analysis.id, StoredImage.kind == PHOTO),
        )
        .order_by(Analysis.created_at, Analysis.id)
    )
    if clinic is not None:
        query = query.where(Analysis.clinic == clinic)
    if since is not None:
        query = query.where(Analysis.created_at >= _day_start(since))
    if until is not None:
        query = query.where(Analysis.created_at < _day_start(until + timedelta(days=1)))
    summary = ExportSummary(out_dir=out_dir, manifest=out_dir / MANIFEST_NAME)
    rows: list[dict[str, Any]] = []
    try:
        with Session(store.engine) as session:
            found = session.execute(query).all()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        raise StoreUnavailable(
            "Could not read the analyses: the database is not reachable."
        ) from error
    for analysis, feedback in found:
        file = f"{PHOTO_DIR}/{analysis.id}.jpg"
        photo_rows, skipped = _rows_for(analysis, feedback, file=file, key=subject_key)
        if photo_rows is None:
            summary.skipped[skipped or "other"] += 1
            continue
        # Photos are read one at a time: an export may hold thousands of them.
        image = store.get_image(analysis.clinic, analysis.id, PHOTO)
        if image is None:  # purged since the query
            summary.skipped["photo_purged"] += 1
            continue
        _write_atomic(out_dir / file, image[0])
        rows.extend(photo_rows)
        summary.photos += 1
        summary.feet += len(photo_rows)
        summary.views[photo_rows[0]["view"]] += 1
        summary.labels.update(row["label"] for row in photo_rows)
        summary.clinics.add(analysis.clinic)
    tmp = summary.manifest.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(EXPORT_COLUMNS), extrasaction="raise")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, summary.manifest)
    info = {
        "source": "clinic feedback export",
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "clinic": clinic or "all",
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "photos": summary.photos,
        "feet": summary.feet,
        "labels": dict(sorted(summary.labels.items())),
        "clinics": len(summary.clinics),
        "skipped": dict(sorted(summary.skipped.items())),
    }
    _write_atomic(out_dir / INFO_NAME, (json.dumps(info, indent=2) + "\n").encode())
    return summary


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def export_command(
    *,
    out: Path,
    clinic: str | None = None,
    since: date | None = None,
    until: date | None = None,
    settings: Settings | None = None,
) -> int:
    """``solescan export``: print what was written; 1 when the store cannot be read."""
    settings = settings or get_settings()
    if since is not None and until is not None and since > until:
        print("error: --since is after --until", file=sys.stderr)
        return 2
    try:
        store = Store.open(
            settings.resolved_database_url, key_pepper=settings.key_pepper.get_secret_value()
        )
    except StoreUnavailable as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    try:
        summary = export_feedback(
            store,
            out,
            clinic=clinic,
            since=since,
            until=until,
            subject_key=settings.key_pepper.get_secret_value(),
        )
    except StoreUnavailable as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(summary)
    return 0
