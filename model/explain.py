"""The explanation a patient can read: what the wear shows, what it means, what helps.

Evidence sentences are built only from the measured figures (see ``model.features``) and
carry the numbers, so a clinician can check them against the overlay. Each candidate
sentence has a strength: |MLWI| for a side claim, the inner/outer contrast for the
midfoot, and a fixed top rank for an insole's arch index (the established measure);
"balanced" sentences rank by how close to zero they are, below any side claim. The
strongest few are kept, strongest first. A sentence is only written when its figure
clears the threshold that makes it true: no figure, no claim.

The class texts follow the clinical reasoning of the domain reference ("Why it matters"),
and the disclaimer is honest about the strength of each view's evidence: an insole
imprint's arch index is an established measure, shoe wear is a weaker signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.features import MIN_CONTRAST, MIN_EXPOSURE, MIN_OBJECT_PX, MIN_SHARPNESS

__all__ = [
    "AI_FLAT",
    "AI_HIGH",
    "Explanation",
    "compare_feet",
    "contradicting_wear",
    "evidence_sentences",
    "explain",
    "percent",
    "sole_lean",
]

# The decimal places to which a result's JSON gives each probability and confidence
# (model.analyze.FootResult.to_dict).
PROBABILITY_PLACES = 4
# Cavanagh and Rodgers arch index: <= 0.21 high arch, 0.21 to 0.26 normal, >= 0.26 flat.
AI_HIGH = 0.21
AI_FLAT = 0.26
# |MLWI| from which one side of a zone clearly carries more wear than the other, and from
# which the difference is strong.
MLWI_CLEAR = 0.15
MLWI_STRONG = 0.35
# The way the wear over the whole sole leans with each class (domain.md: its MLWI is
# typically clearly positive for overpronation, clearly negative for underpronation).
_CLASS_LEAN = {"overpronation": 1.0, "underpronation": -1.0}
# Where each view's lean is read (sole_lean): a print's over the heel, the ball and the
# toes, since its midfoot is blank on the inner side under many shoes whatever the gait
# (model.features.wear_features). On 1,449 rendered print feet (seeds 8080, 8181 and
# 8484, half of their shoes raised under the arch) the whole-sole figure leaned clearly
# against the closest class of 8 feet (all read as underpronation, 4 of them rightly)
# and withheld them; without the midfoot it leans against 2, both read wrongly (print
# macro-F1 0.947 -> 0.948). The lean of no rendered outsole foot of seed 8282 stood
# against its class either way: an outsole photo keeps its whole-sole lean, as domain.md
# reads it.
_LEAN_READ = {"print": ("mlwi_without_midfoot", "over the heel, the ball and the toes")}
_WHOLE_SOLE = ("mlwi_total", "over the whole sole")
# A band counts as worn from this mean wear, and as standing out when it carries this
# many times the wear of the band opposite.
BAND_WORN = 0.20
BAND_RATIO = 1.5
# Mean wear over the sole below which the wear is light and its pattern a weak signal;
# an insole's imprint darkening runs higher (the imprint covers most of the insole).
LIGHT_WEAR = 0.10
FAINT_IMPRINT = 0.20
# Differences between the two feet that a clinician should hear about.
PAIR_MLWI_DIFF = 0.25
PAIR_AI_DIFF = 0.04
PAIR_WEAR_RATIO = 1.5
PAIR_WEAR_DIFF = 0.08

MAX_EVIDENCE = 5

_LABELS = ("neutral", "overpronation", "underpronation", "undetermined")
_REASONS = ("low_confidence", "poor_quality", "conflicting_zones")
_ZONE_WORDS = {
    "heel": "the heel",
    "midfoot": "the midfoot",
    "forefoot": "the ball of the foot",
    "toes": "the toes",
}


@dataclass(frozen=True)
class Explanation:
    """What the result says to the person who sent the photo.

    Attributes
    ----------
    evidence : list of str
        What the wear (or imprint) shows, strongest first, with the measured figures.
    meaning : str
        What the result usually means for the foot (for ``undetermined``: why there is no
        reading).
    body : str
        What it means for the knees, hips and lower back.
    helps : list of str
        What usually helps, or for ``undetermined`` what to do next.
    disclaimer : str
        A screening aid, not a diagnosis, and how strong this view's evidence is.
    """

    evidence: list[str]
    meaning: str
    body: str
    helps: list[str]
    disclaimer: str

    def to_dict(self) -> dict[str, Any]:
        """The ``explanation`` object of the analysis result JSON."""
        return {
            "evidence": list(self.evidence),
            "meaning": self.meaning,
            "body": self.body,
            "helps": list(self.helps),
            "disclaimer": self.disclaimer,
        }


def explain(
    label: str,
    *,
    view: str,
    metrics: Mapping[str, float],
    probabilities: Mapping[str, float] | None = None,
    reason: str | None = None,
) -> Explanation:
    """Explain one foot's result in plain words.

    Parameters
    ----------
    label : {"neutral", "overpronation", "underpronation", "undetermined"}
    view : {"outsole", "insole", "print"}
    metrics : mapping
        The feature values of ``model.features`` (missing or NaN figures are skipped).
    probabilities : mapping, optional
        Calibrated class probabilities, used to state the confidence honestly.
    reason : {"low_confidence", "poor_quality", "conflicting_zones"}, optional
        Why the label is ``undetermined``.

    Returns
    -------
    Explanation
    """
    if label not in _LABELS:
        raise ValueError(f"label must be one of {_LABELS}, not {label!r}")
    if view not in ("outsole", "insole", "print"):
        raise ValueError(f"view must be outsole, insole or print, not {view!r}")
    evidence = evidence_sentences(metrics, view=view)
    disclaimer = _disclaimer(view, label, probabilities)
    if label == "undetermined":
        meaning, helps = _undetermined(reason, metrics, view, probabilities)
        return Explanation(evidence, meaning, _BODY["undetermined"], helps, disclaimer)
    return Explanation(evidence, _MEANING[label], _BODY[label], list(_HELPS[label]), disclaimer)


# --- evidence -----------------------------------------------------------------------------


@dataclass(order=True)
class _Finding:
    strength: float
    text: str = field(compare=False)


def evidence_sentences(
    metrics: Mapping[str, float], *, view: str, limit: int = MAX_EVIDENCE
) -> list[str]:
    """The most informative evidence sentences for one foot, strongest first.

    A note that the wear is light, when it is, always comes first: it qualifies all the
    others.
    """
    insole = view == "insole"
    findings: list[_Finding] = []
    for make in (_heel, _midfoot, _forefoot, _toes):
        found = make(metrics, insole)
        if found is not None:
            findings.append(found)
    lean = _lean(metrics, view)
    if lean is not None:
        findings.append(lean)
    if insole:
        findings.extend(_insole_indices(metrics))
    findings.sort(reverse=True)
    sentences = [f.text for f in findings[:limit]]
    light = _light_wear(metrics, insole)
    if light is not None:
        sentences = [light, *sentences[: limit - 1]]
    return sentences


def _get(metrics: Mapping[str, float], name: str) -> float | None:
    value = metrics.get(name)
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _mlwi(value: float) -> str:
    return f"MLWI {value:+.2f}"


def _light_wear(metrics: Mapping[str, float], insole: bool) -> str | None:
    total = _get(metrics, "wear_total")
    if total is None or total >= (FAINT_IMPRINT if insole else LIGHT_WEAR):
        return None
    if insole:
        return (
            f"The imprint is faint overall (average darkening {total:.2f} on a 0 to 1 "
            "scale), so the pattern below is a weak signal."
        )
    return (
        f"Wear is light overall (average {total:.2f} on a 0 to 1 scale), so the pattern "
        "below is a weak signal."
    )


def _heel(metrics: Mapping[str, float], insole: bool) -> _Finding | None:
    m = _get(metrics, "mlwi_heel")
    if m is None:
        return None
    what = "The heel imprint is darkest" if insole else "Most heel wear is"
    if m >= MLWI_CLEAR:
        return _Finding(abs(m), f"{what} on the inner side ({_mlwi(m)}).")
    if m <= -MLWI_STRONG:
        return _Finding(abs(m), f"{what} on the outer side, strongly so ({_mlwi(m)}).")
    if m <= -MLWI_CLEAR:
        if not insole and _at_back_corner(metrics):
            return _Finding(
                abs(m),
                f"Heel wear sits at the back outer corner ({_mlwi(m)}), where most people "
                "land: on its own this is normal.",
            )
        return _Finding(abs(m), f"{what} on the outer side ({_mlwi(m)}).")
    part = "The heel imprint" if insole else "Heel wear"
    return _Finding(
        0.5 * (MLWI_CLEAR - abs(m)),
        f"{part} is balanced between the inner and outer sides ({_mlwi(m)}).",
    )


def _at_back_corner(metrics: Mapping[str, float]) -> bool:
    corner = _get(metrics, "wear_heel_posterolateral")
    heel = [_get(metrics, f"wear_heel_{b}") for b in ("medial", "central", "lateral")]
    known = [w for w in heel if w is not None]
    return corner is not None and bool(known) and corner >= max(known)


def _bands(metrics: Mapping[str, float], zone: str) -> tuple[float, float, float] | None:
    values = [_get(metrics, f"wear_{zone}_{b}") for b in ("medial", "central", "lateral")]
    if any(v is None for v in values):
        return None
    medial, central, lateral = (float(v) for v in values if v is not None)
    return medial, central, lateral


def _stands_out(worn: float, other: float) -> bool:
    return worn >= BAND_WORN and worn >= BAND_RATIO * other


def _midfoot(metrics: Mapping[str, float], insole: bool) -> _Finding | None:
    medial, lateral = _get(metrics, "wear_midfoot_medial"), _get(metrics, "wear_midfoot_lateral")
    if medial is None or lateral is None:
        return None
    figures = f"inner {medial:.2f}, outer {lateral:.2f}"
    contrast = abs(medial - lateral) / max(medial + lateral, 1e-6)
    if _stands_out(medial, lateral):
        text = (
            f"Under the midfoot, the imprint is darker along the inner edge, as happens "
            f"when the arch touches down ({figures})."
            if insole
            # Wear on a sole or a print is tread gone flat, and flat is also what a sole
            # is under many shoes' arches: made smooth, or raised off the ground (both
            # real scanned shoes print blank there). Either reading is left open.
            else f"The inner edge of the midfoot (the arch side) shows no tread ({figures}): "
            "worn flat, as when the arch touches down, or never in contact, as where a "
            "shoe is made smooth or raised under the arch."
        )
        return _Finding(contrast, text)
    if _stands_out(lateral, medial):
        text = (
            f"Under the midfoot, the imprint is darker along the outer edge ({figures})."
            if insole
            else f"The outer edge of the midfoot is worn along its length ({figures})."
        )
        return _Finding(contrast, text)
    if max(medial, lateral) < BAND_WORN / 2 and not insole:
        return _Finding(
            0.05,
            f"The midfoot shows little wear ({figures}), as expected under an arch.",
        )
    return None


def _forefoot(metrics: Mapping[str, float], insole: bool) -> _Finding | None:
    m = _get(metrics, "mlwi_forefoot")
    if m is None:
        return None
    what = (
        "The imprint under the ball of the foot is"
        if insole
        else "Wear under the ball of the foot is"
    )
    if m >= MLWI_CLEAR:
        return _Finding(abs(m), f"{what} concentrated under the big-toe joint ({_mlwi(m)}).")
    if m <= -MLWI_CLEAR:
        return _Finding(
            abs(m),
            f"{what} concentrated under the joints of the little toes ({_mlwi(m)}).",
        )
    bands = _bands(metrics, "forefoot")
    centred = bands is not None and bands[1] >= max(bands[0], bands[2])
    where = "centred, under the first and second toe joints" if centred else "evenly spread"
    return _Finding(0.5 * (MLWI_CLEAR - abs(m)), f"{what} {where} ({_mlwi(m)}).")


def _toes(metrics: Mapping[str, float], insole: bool) -> _Finding | None:
    m = _get(metrics, "mlwi_toes")
    if m is None or abs(m) < MLWI_CLEAR:
        return None
    marked = "darkest" if insole else "worn most"
    side = "the big-toe side" if m > 0 else "the little-toe side"
    return _Finding(0.8 * abs(m), f"Under the toes, {side} is {marked} ({_mlwi(m)}).")


def sole_lean(metrics: Mapping[str, float], view: str) -> tuple[float | None, str]:
    """The medial-lateral wear index that ``view`` is judged by, and where it is read:
    over the whole sole, or on a print over the heel, the ball and the toes (_LEAN_READ).
    The figure is None where it was not measured. A print's result stored by an earlier
    solescan holds only the whole sole's, which is given as such."""
    name, where = _LEAN_READ.get(view, _WHOLE_SOLE)
    if name not in metrics:
        name, where = _WHOLE_SOLE
    return _get(metrics, name), where


def contradicting_wear(label: str, metrics: Mapping[str, float], view: str) -> str | None:
    """The measured wear that clearly leans the other way from ``label`` (to the outer
    side for overpronation, to the inner side for underpronation), in words, or None.

    Either the lean the view is judged by (:func:`sole_lean`), or the heel and the ball
    of the foot both: the zones by whose wear domain.md tells the classes apart first.
    "Clearly" is the threshold from which the evidence says a zone or the sole leans to a
    side, so a result never names a class while its own evidence says the wear leans
    against it.
    """
    lean = _CLASS_LEAN.get(label)
    if lean is None:
        return None
    side = "inner" if lean < 0 else "outer"
    m, where = sole_lean(metrics, view)
    if m is not None and lean * m <= -MLWI_CLEAR:
        return f"the wear {where}, which leans to the {side} side ({_mlwi(m)})"
    heel, ball = _get(metrics, "mlwi_heel"), _get(metrics, "mlwi_forefoot")
    if heel is not None and ball is not None and max(lean * heel, lean * ball) <= -MLWI_CLEAR:
        return (
            f"the wear at the heel and under the ball of the foot, which both lean to the "
            f"{side} side (MLWI {heel:+.2f} and {ball:+.2f})"
        )
    return None


def _lean(metrics: Mapping[str, float], view: str) -> _Finding | None:
    m, where = sole_lean(metrics, view)
    if m is None:
        return None
    what = "the imprint" if view == "insole" else "wear"
    where = where[0].upper() + where[1:]
    if m >= MLWI_CLEAR:
        return _Finding(abs(m), f"{where}, {what} leans to the inner side ({_mlwi(m)}).")
    if m <= -MLWI_CLEAR:
        return _Finding(abs(m), f"{where}, {what} leans to the outer side ({_mlwi(m)}).")
    return _Finding(
        0.6 * (MLWI_CLEAR - abs(m)),
        f"{where}, {what} is balanced between the inner and outer sides ({_mlwi(m)}).",
    )


def _insole_indices(metrics: Mapping[str, float]) -> list[_Finding]:
    found = []
    ai = _get(metrics, "arch_index")
    if ai is not None:
        shown = round(ai, 2)
        # The arch index is the established measure: it outranks every wear sentence.
        if shown > AI_FLAT:
            text = (
                f"The arch index of the imprint is {shown:.2f}, above the {AI_FLAT:.2f} "
                "that marks a low (flat) arch."
            )
        elif shown == AI_FLAT:
            text = (
                f"The arch index of the imprint is {shown:.2f}, at the limit of a low (flat) arch."
            )
        elif shown < AI_HIGH:
            text = (
                f"The arch index of the imprint is {shown:.2f}, below the {AI_HIGH:.2f} "
                "that marks a high arch."
            )
        elif shown == AI_HIGH:
            text = f"The arch index of the imprint is {shown:.2f}, at the limit of a high arch."
        else:
            text = (
                f"The arch index of the imprint is {shown:.2f}, within the normal range "
                f"({AI_HIGH:.2f} to {AI_FLAT:.2f})."
            )
        found.append(_Finding(2.0, text))
    csi = _get(metrics, "chippaux_smirak")
    if csi is not None:
        found.append(
            _Finding(
                0.12,
                f"At its narrowest, the midfoot imprint is {100 * csi:.0f}% as wide as the "
                f"forefoot (Chippaux-Smirak index {csi:.2f}).",
            )
        )
    staheli = _get(metrics, "staheli")
    if staheli is not None:
        found.append(
            _Finding(
                0.1,
                f"At its narrowest, the arch imprint is {100 * staheli:.0f}% as wide as the "
                f"heel (Staheli index {staheli:.2f}).",
            )
        )
    return found


# --- class texts --------------------------------------------------------------------------

_FOUNDATION = (
    "The feet are the foundation of the body: they carry its whole weight and absorb the "
    "impact of every step, so feet that are poorly supported strain the knees, hips and "
    "back."
)

_MEANING = {
    "neutral": (
        "The pattern fits a neutral roll of the foot: it lands on the outer heel, rolls "
        "inward a moderate amount to absorb the impact, and pushes off from the big and "
        "second toes."
    ),
    "overpronation": (
        "The pattern fits overpronation: after landing, the foot rolls inward too far, the "
        "arch flattens and the ankle turns in, and push-off comes from the big toe and the "
        "inner forefoot. This is what people call flat feet or fallen arches."
    ),
    "underpronation": (
        "The pattern fits underpronation (supination): the foot rolls inward too little, "
        "so the load stays on its outer edge from the heel to the little toe. It often goes "
        "with high arches."
    ),
}

_BODY = {
    "neutral": (
        f"{_FOUNDATION} A neutral roll spreads that load evenly and puts no particular strain "
        "on the legs or back. If you have knee, hip or back pain all the same, other foot-"
        "related causes are worth checking: one leg longer than the other, sciatic nerve "
        "compression (felt in the lower back and the feet), or shoes without adequate arch "
        "support."
    ),
    "overpronation": (
        f"{_FOUNDATION} When the foot rolls in too far, or the arch is flat, the thighs and "
        "knees rotate inward and the curve of the lower back is exaggerated. Over time this "
        "can strain the knees and hips and contribute to lower back pain."
    ),
    "underpronation": (
        f"{_FOUNDATION} A foot that stays on its outer edge absorbs less of the impact, and "
        "the imbalance can misalign the spine and hips, which can show up as hip or lower "
        "back pain."
    ),
    "undetermined": (
        f"{_FOUNDATION} Without a clear reading, this result says nothing either way about "
        "how your feet affect your knees, hips or back."
    ),
}

_ORTHOTICS = (
    "Custom orthotics fitted by a podiatrist support the foot in its natural position: "
    "they can correct the roll of the foot and stride imbalance, stabilise the pelvis and "
    "ease the strain on the knees and lower back. Generic over-the-counter insoles are one-"
    "size-fits-all and can make back pain worse for some people."
)
_PODIATRIST = (
    "See a podiatrist if you have foot, knee, hip or back pain that keeps coming back: "
    "chronic pain that seems linked to the feet deserves an examination."
)

_HELPS = {
    "neutral": (
        "Keep wearing supportive shoes that fit well, and replace them before the sole is "
        "worn smooth.",
        _PODIATRIST,
    ),
    "overpronation": (
        "Supportive footwear with a firm heel counter and good arch support (stability "
        "shoes) limits the inward roll.",
        _ORTHOTICS,
        _PODIATRIST,
    ),
    "underpronation": (
        "Well-cushioned, flexible shoes with good support help absorb the impact the foot "
        "does not.",
        _ORTHOTICS,
        _PODIATRIST,
    ),
}


def _disclaimer(view: str, label: str, probabilities: Mapping[str, float] | None) -> str:
    parts = ["This is a screening aid, not a diagnosis."]
    if view == "insole":
        parts.append(
            "The arch index of an insole imprint is an established measure that photos "
            "read reliably; the darkening pattern around it is a softer sign."
        )
    else:
        what = "A print of a worn sole" if view == "print" else "Shoe wear"
        parts.append(
            f"{what} is a weaker signal than the arch index of an insole or footprint: "
            "outer heel wear is normal for people who land on the heel, and wear also "
            "depends on how the feet point when walking, so it is evidence to weigh, not "
            "proof."
        )
    if probabilities and label in probabilities:
        parts.append(f"The model's confidence in this reading is {percent(probabilities[label])}%.")
    parts.append(
        "Photos of both shoes and of the insoles together give a more reliable picture "
        "than a single photo; a podiatrist's examination is needed to confirm it."
    )
    return " ".join(parts)


def percent(probability: float) -> int:
    """A probability as the whole percentage every sentence, caption and page shows.

    Taken from the probability as the JSON gives it (``PROBABILITY_PLACES``) and
    rounded half up, so that a figure shown from the analysis itself (these sentences,
    the overlay's captions) and one shown from its JSON (the command's summary, the web
    pages) are the same: 0.98503, given as 0.985, is 99% in all of them. Rounded each in
    its own way, one foot read 99% on the overlay and 98% in the summary.
    """
    return math.floor(round(probability, PROBABILITY_PLACES) * 100 + 0.5)


# --- undetermined -------------------------------------------------------------------------

_OTHER_SHOE = "Add a photo of the other shoe: both feet together give a steadier reading."
_INSOLE = (
    "Photograph the insole too (take it out of the shoe and shoot its top, where the foot "
    "leaves its imprint): the arch index of an imprint is a more reliable measure than "
    "outsole wear."
)


def _undetermined(
    reason: str | None,
    metrics: Mapping[str, float],
    view: str,
    probabilities: Mapping[str, float] | None,
) -> tuple[str, list[str]]:
    if reason is not None and reason not in _REASONS:
        raise ValueError(f"reason must be one of {_REASONS} or None, not {reason!r}")
    after = [_OTHER_SHOE] if view == "insole" else [_OTHER_SHOE, _INSOLE]
    if reason == "poor_quality":
        problems, advice = _quality_problems(metrics)
        meaning = (
            "The photo is not good enough to read the wear reliably"
            + (f": {problems}." if problems else ".")
            + " No reading is given rather than a guess."
        )
        return meaning, [*advice, *after, _PODIATRIST]
    if reason == "conflicting_zones":
        return _conflicting(metrics, probabilities, view), [*after, _PODIATRIST]
    meaning = "The wear does not match one pattern clearly enough to name it."
    if probabilities:
        best = max(probabilities, key=lambda k: probabilities[k])
        meaning += (
            f" The closest match, {best}, has only {percent(probabilities[best])}% "
            "confidence, too little to rely on."
        )
    retake = (
        "Retake the photo straight from above in even light, with the whole sole filling "
        "most of the frame."
    )
    return meaning, [retake, *after, _PODIATRIST]


def _conflicting(
    metrics: Mapping[str, float], probabilities: Mapping[str, float] | None, view: str
) -> str:
    """Why conflicting figures give no reading: the zones that point different ways, and
    the closest pattern that the wear leans against (:func:`contradicting_wear`)."""
    parts = []
    split = _conflict(metrics, view)
    if split:
        parts.append(f"Different parts of the sole point to different patterns: {split}.")
    if probabilities:
        best = max(probabilities, key=lambda k: probabilities[k])
        against = contradicting_wear(best, metrics, view)
        if against is not None:
            parts.append(
                f"The closest pattern, {best} ({percent(probabilities[best])}%), does not "
                f"fit {against}."
            )
    if not parts:
        parts.append("The measured figures point to different patterns.")
    parts.append("No single pattern can be named, so none is given rather than a guess.")
    return " ".join(parts)


def _quality_problems(metrics: Mapping[str, float]) -> tuple[str, list[str]]:
    """What is wrong with the photo, in words, and how to retake it."""
    problems: list[str] = []
    advice: list[str] = []
    sharp = _get(metrics, "quality_sharpness")
    if sharp is not None and sharp < MIN_SHARPNESS:
        problems.append("it is blurred")
        advice.append(
            "Hold the phone steady and tap the sole on the screen to focus before taking the photo."
        )
    exposure = _get(metrics, "quality_exposure")
    if exposure is not None and exposure < MIN_EXPOSURE:
        problems.append("parts of the sole are too dark or washed out")
        advice.append(
            "Photograph in even daylight or room light, without flash glare or deep "
            "shadows across the sole."
        )
    size = _get(metrics, "quality_object_px")
    if size is not None and size < MIN_OBJECT_PX:
        problems.append("the sole is too small in the photo")
        advice.append("Move closer so the sole fills most of the frame.")
    contrast = _get(metrics, "quality_contrast")
    if contrast is not None and contrast < MIN_CONTRAST:
        problems.append("the sole shows too little contrast")
        advice.append(
            "Use light that grazes the sole and a plain background that contrasts with it."
        )
    if not advice:
        advice.append(
            "Retake the photo straight from above, in focus and in even light, with the "
            "whole sole filling most of the frame."
        )
    return _join(problems), advice


def _conflict(metrics: Mapping[str, float], view: str) -> str:
    inner, outer = [], []
    for zone, words in _ZONE_WORDS.items():
        if view == "print" and zone == "midfoot":
            continue  # blank on the inner side under many shoes (_LEAN_READ)
        m = _get(metrics, f"mlwi_{zone}")
        if m is None:
            continue
        if m >= MLWI_CLEAR:
            inner.append(f"{words} ({_mlwi(m)})")
        elif m <= -MLWI_CLEAR:
            outer.append(f"{words} ({_mlwi(m)})")
    if not inner or not outer:
        return ""
    verb = "wears" if len(inner) == 1 else "wear"
    return f"{_join(inner)} {verb} more on the inner side, {_join(outer)} on the outer side"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- two feet -----------------------------------------------------------------------------


def compare_feet(
    left_metrics: Mapping[str, float],
    right_metrics: Mapping[str, float],
    left_label: str,
    right_label: str,
) -> dict[str, Any]:
    """Clear differences between the two feet of a pair.

    Returns
    -------
    dict
        ``different_labels``: both feet have a reading and the readings differ;
        ``notes``: one sentence per clear difference, plus why asymmetry matters when
        there is any; empty for feet that look alike.
    """
    notes: list[str] = []
    readable = "undetermined" not in (left_label, right_label)
    different = readable and left_label != right_label
    if different:
        notes.append(f"The left foot reads as {left_label} and the right foot as {right_label}.")

    lm, rm = _get(left_metrics, "mlwi_total"), _get(right_metrics, "mlwi_total")
    if lm is not None and rm is not None and abs(lm - rm) > PAIR_MLWI_DIFF:
        inner, other = ("left", "right") if lm > rm else ("right", "left")
        notes.append(
            f"Wear leans further to the inner side on the {inner} foot than on the {other} "
            f"(MLWI {lm:+.2f} on the left, {rm:+.2f} on the right)."
        )

    la, ra = _get(left_metrics, "arch_index"), _get(right_metrics, "arch_index")
    if la is not None and ra is not None and abs(la - ra) > PAIR_AI_DIFF:
        lower = "left" if la > ra else "right"
        notes.append(
            f"The arch index differs between the feet ({la:.2f} on the left, {ra:.2f} on "
            f"the right): the {lower} arch sits lower."
        )

    lw, rw = _get(left_metrics, "wear_total"), _get(right_metrics, "wear_total")
    if lw is not None and rw is not None:
        high, low = max(lw, rw), min(lw, rw)
        if high - low > PAIR_WEAR_DIFF and high > PAIR_WEAR_RATIO * max(low, 1e-6):
            more = "left" if lw > rw else "right"
            notes.append(
                f"The {more} sole is clearly more worn overall ({lw:.2f} on the left, "
                f"{rw:.2f} on the right)."
            )

    if notes:
        notes.append(
            "A difference between the two feet is worth showing to a podiatrist: asymmetry "
            "can come from a biomechanical cause such as one leg being longer than the "
            "other."
        )
    return {"different_labels": different, "notes": notes}
