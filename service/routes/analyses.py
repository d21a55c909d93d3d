"""/v1/analyses: upload a photo, read, list, label and erase analyses (per clinic)."""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from model.imaging import to_png
from service import metrics
from service.analysis import prepare_analysis
from service.deps import (
    AnalyzerDep,
    CallerDep,
    MultipartDep,
    PoolDep,
    SettingsDep,
    StoreDep,
)
from service.exceptions import AnalysisNotFound, ImageNotKept, InvalidFeedback
from service.schemas import (
    SUBJECT_REF_MAX,
    AnalysisOut,
    AnalysisPage,
    ErrorResponse,
    FeedbackIn,
    FeedbackOut,
    SideParam,
    ViewParam,
    decode_cursor,
    encode_cursor,
)
from service.store import OVERLAY, NewAnalysis
from service.uploads import read_single_image

Responses = dict[int | str, dict[str, Any]]


def _error(description: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": ErrorResponse,
        "description": description,
        "content": {
            "application/json": {"example": {"detail": {"code": code, "message": message, **extra}}}
        },
    }


_AUTH: Responses = {
    401: _error("No valid API key.", "missing_api_key", "This endpoint needs an API key: send ..."),
}
_UNAVAILABLE: Responses = {
    503: _error(
        "The store is unreachable or full, or the worker is busy (see Retry-After).",
        "store_unavailable",
        "Could not store the analysis: the database is not reachable. Nothing was saved; ...",
    ),
}
_NOT_FOUND: Responses = {
    404: _error(
        "No analysis with this id belongs to your clinic.",
        "analysis_not_found",
        "No analysis with this id in your clinic's records.",
    ),
}
_INVALID: Responses = {
    422: _error("The request is not valid.", "validation_error", "The request is not valid..."),
}

router = APIRouter(prefix="/v1", tags=["analyses"])


def _not_found(analysis_id: uuid.UUID) -> AnalysisNotFound:
    return AnalysisNotFound(
        f"No analysis {analysis_id} in your clinic's records: check the id (it may have "
        "been deleted)."
    )


@router.post(
    "/analyses",
    status_code=201,
    response_model=AnalysisOut,
    summary="Analyse one photo",
    dependencies=[MultipartDep],
    responses={
        **_AUTH,
        400: _error("The multipart body is malformed.", "bad_request", "..."),
        413: _error(
            "The body is over the size cap, or the photo has too many pixels.",
            "image_too_large",
            "The photo is 40000 x 40000 pixels ...; send a smaller photo.",
        ),
        415: _error(
            "Not a supported photo format, or not a multipart upload.",
            "unsupported_format",
            "This file is not a photo format solescan can read. Send a JPEG, PNG, ...",
        ),
        422: _error(
            "Unreadable or truncated photo, no sole found, or invalid fields.",
            "no_sole_found",
            "No sole or insole found: photograph the bottom of the shoe ...",
            reason="not_a_sole",
        ),
        **_UNAVAILABLE,
    },
)
async def create_analysis(
    request: Request,
    response: Response,
    caller: CallerDep,
    settings: SettingsDep,
    store: StoreDep,
    analyzer: AnalyzerDep,
    pool: PoolDep,
    image: Annotated[UploadFile, File(description="One photo: JPEG, PNG, WebP, TIFF or HEIC.")],
    view: Annotated[ViewParam, Form(description="What the photo shows; auto detects.")] = "auto",
    side: Annotated[SideParam, Form(description="Which foot; auto detects.")] = "auto",
    subject_ref: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=SUBJECT_REF_MAX,
            description="Your own opaque patient reference (never logged).",
        ),
    ] = None,
) -> AnalysisOut:
    """Analyse one photo of worn soles or insoles and store the result for your clinic."""
    data = await read_single_image(request, image)
    prepared = await pool.run(
        functools.partial(
            prepare_analysis,
            analyzer,
            data,
            view=view,
            side=side,
            keep_photo=settings.keep_images,
        )
    )
    record = await run_in_threadpool(
        store.create_analysis,
        NewAnalysis(
            clinic=caller.clinic,
            subject_ref=subject_ref,
            model_version=str(prepared.result.get("model_version", analyzer.version)),
            requested_view=view,
            requested_side=side,
            result=prepared.result,
            overlay_jpeg=prepared.overlay_jpeg,
            photo=prepared.photo_jpeg,
        ),
    )
    metrics.count_labels(prepared.result)
    response.headers["Location"] = f"/v1/analyses/{record.id}"
    # A kept-alive connection stays with its worker, so a few busy clients could load one
    # worker while another idles. A fresh connection per upload (cheap next to an
    # analysis) goes through the workers' shared queue (service/workers.py) each time.
    response.headers["Connection"] = "close"
    return AnalysisOut.from_record(record)


@router.get(
    "/analyses",
    response_model=AnalysisPage,
    summary="List your clinic's analyses",
    responses={**_AUTH, **_INVALID, **_UNAVAILABLE},
)
def list_analyses(
    caller: CallerDep,
    store: StoreDep,
    subject_ref: Annotated[
        str | None,
        Query(min_length=1, max_length=SUBJECT_REF_MAX, description="Only this patient's."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page.")
    ] = None,
) -> AnalysisPage:
    """Your clinic's analyses, newest first, optionally for one subject_ref."""
    before = decode_cursor(cursor) if cursor else None
    records = store.list_analyses(
        caller.clinic, subject_ref=subject_ref, limit=limit + 1, before=before
    )
    page, more = records[:limit], len(records) > limit
    return AnalysisPage(
        items=[AnalysisOut.from_record(record) for record in page],
        next_cursor=encode_cursor(page[-1]) if more else None,
    )


@router.get(
    "/analyses/{analysis_id}",
    response_model=AnalysisOut,
    summary="Read one analysis",
    responses={**_AUTH, **_NOT_FOUND, **_INVALID, **_UNAVAILABLE},
)
def get_analysis(caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID) -> AnalysisOut:
    """One of your clinic's analyses, with the clinician's feedback if given."""
    record = store.get_analysis(caller.clinic, str(analysis_id))
    if record is None:
        raise _not_found(analysis_id)
    return AnalysisOut.from_record(record)


@router.get(
    "/analyses/{analysis_id}/overlay.png",
    response_class=Response,
    summary="The overlay picture of an analysis",
    responses={
        200: {
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            "description": "PNG: outlines, zones, wear heat map, medial arrows and labels.",
        },
        **_AUTH,
        **_NOT_FOUND,
        **_INVALID,
        **_UNAVAILABLE,
    },
)
def get_overlay(caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID) -> Response:
    """The overlay drawn at analysis time, as PNG."""
    found = store.get_image(caller.clinic, str(analysis_id), OVERLAY)
    if found is None:
        if store.get_analysis(caller.clinic, str(analysis_id)) is None:
            raise _not_found(analysis_id)
        raise ImageNotKept(f"Analysis {analysis_id} has no overlay stored.")
    data, media_type = found
    if media_type != "image/png":  # kept as JPEG to make uploads cheap (model.overlay)
        data = to_png(data)
    return Response(content=data, media_type="image/png", headers={"Cache-Control": "private"})


@router.post(
    "/analyses/{analysis_id}/feedback",
    response_model=FeedbackOut,
    summary="Confirm or correct an analysis",
    responses={**_AUTH, **_NOT_FOUND, **_INVALID, **_UNAVAILABLE},
)
def put_feedback(
    caller: CallerDep,
    store: StoreDep,
    analysis_id: uuid.UUID,
    feedback: Annotated[FeedbackIn, Body()],
) -> FeedbackOut:
    """The clinician's label per foot (and a note); a new submission replaces the last."""
    record = store.get_analysis(caller.clinic, str(analysis_id))
    if record is None:
        raise _not_found(analysis_id)
    n_feet = len(record.result.get("feet", []))
    for foot in feedback.feet:
        if foot.index >= n_feet:
            raise InvalidFeedback(
                f"Foot index {foot.index} does not exist: this analysis found {n_feet} "
                f"foot/feet (indices 0..{n_feet - 1})."
            )
    stored = store.put_feedback(
        caller.clinic,
        str(analysis_id),
        feet=[foot.model_dump(exclude_none=True) for foot in feedback.feet],
        view=feedback.view,
        note=feedback.note,
        clinician=feedback.clinician,
        key_prefix=caller.key_prefix,
    )
    if stored is None:  # deleted meanwhile
        raise _not_found(analysis_id)
    return FeedbackOut.from_record(stored)


@router.delete(
    "/analyses/{analysis_id}",
    status_code=204,
    response_class=Response,
    summary="Erase an analysis",
    responses={**_AUTH, **_NOT_FOUND, **_INVALID, **_UNAVAILABLE},
)
def delete_analysis(caller: CallerDep, store: StoreDep, analysis_id: uuid.UUID) -> Response:
    """Erase the analysis, its feedback, its overlay and its kept photo."""
    if not store.delete_analysis(caller.clinic, str(analysis_id)):
        raise _not_found(analysis_id)
    return Response(status_code=204)
