"""Request and response models of the HTTP API (they make the OpenAPI schema)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from model.footshape import View
from service.exceptions import InvalidCursor
from service.store import AnalysisRecord, FeedbackRecord

ViewParam = Literal["auto", "outsole", "insole", "print"]
SideParam = Literal["auto", "left", "right"]
Label = Literal["neutral", "overpronation", "underpronation", "undetermined"]
ClinicianLabel = Literal["neutral", "overpronation", "underpronation", "undetermined"]

SUBJECT_REF_MAX = 128

_EXPLANATION_EXAMPLE = {
    "evidence": [
        "Most heel wear is on the inner side of the heel.",
        "The forefoot is worn under the big toe joint.",
    ],
    "meaning": "The foot rolls inward more than usual after landing (overpronation).",
    "body": "This can turn the knees and thighs inward and strain the lower back.",
    "helps": [
        "Supportive footwear with a firm heel counter.",
        "Custom orthotics that support the arch.",
        "See a podiatrist if you have pain.",
    ],
    "disclaimer": "This is a screening aid, not a diagnosis.",
}
_FOOT_EXAMPLE = {
    "side": "left",
    "side_source": "detected",
    "side_confidence": 0.93,
    "label": "overpronation",
    "undetermined_reason": None,
    "probabilities": {"neutral": 0.12, "overpronation": 0.83, "underpronation": 0.05},
    "confidence": 0.83,
    "center": [812.0, 1530.5],
    "metrics": {"mlwi_total": 0.31, "wear_total": 0.42, "arch_index": None},
    "explanation": _EXPLANATION_EXAMPLE,
}
ANALYSIS_EXAMPLE: dict[str, Any] = {
    "id": "5b0f4c1e-8a57-4a8e-9d61-3d8a2b9b7c10",
    "created_at": "2026-11-24T09:30:00.123456Z",
    "subject_ref": "patient-0042",
    "status": "ok",
    "error": None,
    "view": "outsole",
    "view_source": "detected",
    "model_version": "2026.12.08-1",
    "image": {"width": 3024, "height": 4032},
    "feet": [_FOOT_EXAMPLE],
    "comparison": None,
    "requested": {"view": "auto", "side": "auto"},
    "photo_kept": True,
    "feedback": None,
    "links": {
        "self": "/v1/analyses/5b0f4c1e-8a57-4a8e-9d61-3d8a2b9b7c10",
        "overlay": "/v1/analyses/5b0f4c1e-8a57-4a8e-9d61-3d8a2b9b7c10/overlay.png",
        "feedback": "/v1/analyses/5b0f4c1e-8a57-4a8e-9d61-3d8a2b9b7c10/feedback",
    },
}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="What went wrong and what to do about it.")
    reason: str | None = Field(
        default=None,
        description="For no_sole_found: no_object, not_a_sole, top_of_shoe, object_cut_off...",
    )
    errors: list[FieldError] | None = Field(
        default=None, description="For validation_error: each invalid field."
    )


class ErrorResponse(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": {
                        "code": "no_sole_found",
                        "reason": "not_a_sole",
                        "message": "No sole or insole found: photograph the bottom of the "
                        "shoe (or the top of the insole), filling most of the frame.",
                    }
                }
            ]
        }
    )

    detail: ErrorDetail


class Explanation(BaseModel):
    evidence: list[str]
    meaning: str
    body: str
    helps: list[str]
    disclaimer: str


class Foot(BaseModel):
    side: Literal["left", "right"]
    side_source: Literal["given", "detected"]
    side_confidence: float
    label: Label
    undetermined_reason: Literal["low_confidence", "poor_quality", "conflicting_zones"] | None = (
        Field(
            description="Why the label is undetermined (null with a class): the photo's "
            "quality, the model's confidence, or a closest class that the wear over the "
            "whole sole clearly leans against."
        )
    )
    probabilities: dict[str, float]
    confidence: float
    center: list[float] = Field(description="[x, y] in original photo pixels.")
    metrics: dict[str, float | None] = Field(
        description="Measured features (wear grid, MLWI, insole indices, photo quality); "
        "null where a feature does not apply to the view."
    )
    explanation: Explanation


class Comparison(BaseModel):
    different_labels: bool
    notes: list[str]


class ImageSize(BaseModel):
    width: int
    height: int


class Requested(BaseModel):
    view: ViewParam
    side: SideParam


class FeedbackFoot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0, le=1, description="Position of the foot in the analysis' feet.")
    label: ClinicianLabel = Field(description="The clinician's label for this foot.")
    side: Literal["left", "right"] | None = Field(
        default=None, description="The correct side, when the detected one was wrong."
    )


class FeedbackIn(BaseModel):
    """The clinician's confirmation or correction of an analysis."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "feet": [{"index": 0, "label": "overpronation"}],
                    "note": "Confirmed on gait analysis.",
                    "clinician": "dr-lee",
                }
            ]
        },
    )

    feet: list[FeedbackFoot] = Field(min_length=1, max_length=2)
    view: View | None = Field(
        default=None,
        description="The correct view of the photo, when the analysed one was wrong. The "
        "export for retraining then reads each foot's side as that view shows it, unless "
        "the foot's side is given too.",
    )
    note: str | None = Field(default=None, max_length=2000)
    clinician: str | None = Field(
        default=None,
        min_length=1,
        max_length=SUBJECT_REF_MAX,
        description="The clinic's own reference of the clinician who labelled.",
    )

    @field_validator("feet")
    @classmethod
    def _distinct_indices(cls, feet: list[FeedbackFoot]) -> list[FeedbackFoot]:
        indices = [foot.index for foot in feet]
        if len(set(indices)) != len(indices):
            raise ValueError("each foot index may appear only once")
        return feet


class FeedbackOut(BaseModel):
    feet: list[FeedbackFoot]
    view: View | None = Field(description="The view correction, if one was given.")
    note: str | None
    clinician: str | None
    created_at: datetime = Field(description="When feedback was first given.")
    updated_at: datetime = Field(description="When it was last replaced.")

    @classmethod
    def from_record(cls, record: FeedbackRecord) -> FeedbackOut:
        return cls(
            feet=[FeedbackFoot.model_validate(foot) for foot in record.feet],
            view=cast(View | None, record.view),
            note=record.note,
            clinician=record.clinician,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class Links(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    self_: str = Field(alias="self", serialization_alias="self")
    overlay: str
    feedback: str


class AnalysisOut(BaseModel):
    """An analysis: the result schema of `solescan analyze --json` plus service fields."""

    model_config = ConfigDict(json_schema_extra={"examples": [ANALYSIS_EXAMPLE]})

    id: str
    created_at: datetime
    subject_ref: str | None
    status: Literal["ok"]
    error: None = None
    view: View
    view_source: Literal["given", "detected"]
    model_version: str
    image: ImageSize
    feet: list[Foot]
    comparison: Comparison | None
    requested: Requested
    photo_kept: bool = Field(
        description="Whether the photo is kept, without its metadata, for retraining."
    )
    feedback: FeedbackOut | None
    links: Links

    @classmethod
    def from_record(cls, record: AnalysisRecord) -> AnalysisOut:
        base = f"/v1/analyses/{record.id}"
        result = record.result
        return cls(
            id=record.id,
            created_at=record.created_at,
            subject_ref=record.subject_ref,
            status="ok",
            view=result["view"],
            view_source=result["view_source"],
            model_version=result.get("model_version", record.model_version),
            image=ImageSize.model_validate(result["image"]),
            feet=[Foot.model_validate(foot) for foot in result.get("feet", [])],
            comparison=(
                Comparison.model_validate(result["comparison"])
                if result.get("comparison")
                else None
            ),
            requested=Requested.model_validate(
                {"view": record.requested_view, "side": record.requested_side}
            ),
            photo_kept=record.photo_kept,
            feedback=FeedbackOut.from_record(record.feedback) if record.feedback else None,
            links=Links.model_validate(
                {"self": base, "overlay": f"{base}/overlay.png", "feedback": f"{base}/feedback"}
            ),
        )


class AnalysisPage(BaseModel):
    """One page of analyses, newest first."""

    items: list[AnalysisOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    model_version: str


def encode_cursor(record: AnalysisRecord) -> str:
    """An opaque cursor that continues a listing after ``record``."""
    raw = f"{record.created_at.isoformat()}|{record.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) position a cursor stands for."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, analysis_id = raw.split("|", 1)
        created = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursor(
            "The cursor is not valid. Use the next_cursor of a previous page, or omit it "
            "to start from the newest analysis."
        ) from error
    if created.tzinfo is None or not analysis_id:
        raise InvalidCursor("The cursor is not valid. Omit it to start from the newest.")
    return created, analysis_id
