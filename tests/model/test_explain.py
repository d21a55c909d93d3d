"""Explanations: evidence from the measured figures, class texts, undetermined advice, pairs."""

from __future__ import annotations

import math
import re

import pytest

from model.explain import (
    Explanation,
    compare_feet,
    contradicting_wear,
    evidence_sentences,
    explain,
    percent,
)
from model.features import (
    INSOLE_FEATURES,
    QUALITY_FEATURES,
    REPORTED_WEAR_FEATURES,
    WEAR_FEATURES,
)

ZONES = ("heel", "midfoot", "forefoot", "toes")
BANDS = ("medial", "central", "lateral")
NAN = float("nan")


def metrics(**overrides: float) -> dict[str, float]:
    """A complete metrics dict of an evenly, moderately worn outsole, then the overrides."""
    base: dict[str, float] = {f"wear_{z}_{b}": 0.3 for z in ZONES for b in BANDS}
    base.update({f"mlwi_{z}": 0.0 for z in ZONES})
    base.update(
        wear_total=0.3,
        mlwi_total=0.0,
        mlwi_without_midfoot=0.0,
        wear_heel_posterolateral=0.3,
        arch_index=NAN,
        chippaux_smirak=NAN,
        staheli=NAN,
        quality_sharpness=0.8,
        quality_exposure=1.0,
        quality_object_px=800.0,
        quality_contrast=0.8,
    )
    base.update(overrides)
    return base


def overpronated() -> dict[str, float]:
    return metrics(
        mlwi_heel=0.42,
        mlwi_midfoot=0.6,
        mlwi_forefoot=0.38,
        mlwi_toes=0.3,
        mlwi_total=0.45,
        wear_heel_medial=0.55,
        wear_heel_lateral=0.15,
        wear_midfoot_medial=0.4,
        wear_midfoot_lateral=0.05,
        wear_forefoot_medial=0.6,
        wear_forefoot_lateral=0.2,
        wear_heel_posterolateral=0.1,
    )


def underpronated() -> dict[str, float]:
    return metrics(
        mlwi_heel=-0.55,
        mlwi_midfoot=-0.7,
        mlwi_forefoot=-0.45,
        mlwi_toes=-0.3,
        mlwi_total=-0.5,
        wear_heel_medial=0.1,
        wear_heel_lateral=0.6,
        wear_midfoot_medial=0.03,
        wear_midfoot_lateral=0.45,
        wear_heel_posterolateral=0.7,
    )


def insole(ai: float, **overrides: float) -> dict[str, float]:
    values = {"chippaux_smirak": 0.4, "staheli": 0.6, "wear_total": 0.45, **overrides}
    return metrics(arch_index=ai, **values)


def test_every_metric_the_analysis_reports_is_covered_by_the_fixture() -> None:
    # The explanation reads the reported metrics; the layout features are the pronation
    # model's alone (model.features.wear_layout) and never reach it.
    reported = set(WEAR_FEATURES) | set(REPORTED_WEAR_FEATURES)
    assert reported | set(INSOLE_FEATURES) | set(QUALITY_FEATURES) == set(metrics())


# --- evidence reflects the numbers --------------------------------------------------------


def test_medial_heel_wear_gives_an_inner_heel_sentence_with_its_figure() -> None:
    evidence = explain("overpronation", view="outsole", metrics=overpronated()).evidence
    heel = [s for s in evidence if "heel" in s.lower()]
    assert heel == ["Most heel wear is on the inner side (MLWI +0.42)."]


def test_lateral_wear_gives_outer_side_sentences() -> None:
    evidence = explain("underpronation", view="outsole", metrics=underpronated()).evidence
    text = " ".join(evidence)
    assert "Most heel wear is on the outer side, strongly so (MLWI -0.55)." in evidence
    assert "The outer edge of the midfoot is worn along its length" in text
    assert "joints of the little toes (MLWI -0.45)" in text
    assert "inner side" not in text


@pytest.mark.parametrize("view", ["outsole", "print"])
def test_a_flat_inner_midfoot_may_be_wear_or_a_shank(view: str) -> None:
    # Wear is tread gone flat, and many soles are flat under the arch by design (made
    # smooth, or raised off the paper as on both real scans): the sentence names both.
    evidence = evidence_sentences(overpronated(), view=view)
    (sentence,) = [s for s in evidence if "midfoot" in s]
    assert sentence.startswith("The inner edge of the midfoot (the arch side) shows no tread")
    assert "(inner 0.40, outer 0.05)" in sentence
    assert "worn flat, as when the arch touches down" in sentence
    assert "never in contact" in sentence


def test_an_insole_midfoot_sentence_speaks_of_the_imprint_not_tread() -> None:
    evidence = evidence_sentences(insole(0.3, **_MEDIAL_MIDFOOT), view="insole")
    (sentence,) = [s for s in evidence if "inner edge" in s]
    assert sentence.startswith("Under the midfoot, the imprint is darker along the inner edge")
    assert "tread" not in " ".join(evidence)


_MEDIAL_MIDFOOT = {"wear_midfoot_medial": 0.4, "wear_midfoot_lateral": 0.05}


def test_forefoot_medial_wear_names_the_big_toe_joint() -> None:
    m = metrics(mlwi_forefoot=0.5)
    evidence = evidence_sentences(m, view="outsole")
    assert (
        "Wear under the ball of the foot is concentrated under the big-toe joint (MLWI +0.50)."
        in evidence
    )


def test_evidence_is_ordered_by_strength_and_limited_to_five() -> None:
    evidence = explain("overpronation", view="outsole", metrics=overpronated()).evidence
    assert 3 <= len(evidence) <= 5
    # The midfoot contrast (0.40 vs 0.05) is the strongest, the toes (0.8 x 0.30) the weakest.
    assert evidence[0].startswith("The inner edge of the midfoot")
    figures = [float(x) for s in evidence[1:] for x in re.findall(r"MLWI ([+-]\d\.\d\d)", s)]
    assert figures == sorted(figures, reverse=True)


@pytest.mark.parametrize(
    ("ai", "expected"),
    [
        (
            0.31,
            "The arch index of the imprint is 0.31, above the 0.26 that marks a low (flat) arch.",
        ),
        (0.17, "The arch index of the imprint is 0.17, below the 0.21 that marks a high arch."),
        (0.23, "The arch index of the imprint is 0.23, within the normal range (0.21 to 0.26)."),
        (0.2604, "The arch index of the imprint is 0.26, at the limit of a low (flat) arch."),
    ],
)
def test_insole_arch_index_sentence_uses_the_clinical_thresholds(ai: float, expected: str) -> None:
    evidence = explain("overpronation", view="insole", metrics=insole(ai)).evidence
    assert evidence[0] == expected  # the established measure comes first


def test_insole_wording_speaks_of_the_imprint_not_of_wear() -> None:
    evidence = explain("overpronation", view="insole", metrics=insole(0.3, mlwi_heel=0.4)).evidence
    assert "The heel imprint is darkest on the inner side (MLWI +0.40)." in evidence
    assert not any("wear" in s.lower() for s in evidence)


def test_outsole_never_quotes_an_arch_index() -> None:
    m = metrics(arch_index=0.35)  # would be NaN in practice; the view decides anyway
    assert not any("arch index" in s for s in evidence_sentences(m, view="outsole"))


def test_light_wear_is_said_first() -> None:
    evidence = evidence_sentences(metrics(wear_total=0.05, mlwi_heel=0.3), view="print")
    assert evidence[0].startswith("Wear is light overall (average 0.05")
    assert len(evidence) <= 5
    heavy = evidence_sentences(metrics(wear_total=0.4), view="outsole")
    assert not any("light" in s for s in heavy)


def test_no_claim_without_a_figure() -> None:
    # Balanced wear: nothing leans anywhere, so no sentence may say it does.
    evidence = evidence_sentences(metrics(), view="outsole")
    text = " ".join(evidence)
    assert evidence
    assert "balanced" in text
    for claim in ("on the inner side", "on the outer side", "concentrated", "is worn"):
        assert claim not in text
    # Missing and NaN figures are skipped, not invented.
    sparse = {"mlwi_heel": NAN, "wear_total": 0.3}
    assert evidence_sentences(sparse, view="outsole") == []


def test_back_outer_heel_wear_alone_is_called_normal() -> None:
    m = metrics(
        mlwi_heel=-0.2,
        wear_heel_lateral=0.35,
        wear_heel_medial=0.2,
        wear_heel_central=0.25,
        wear_heel_posterolateral=0.5,
    )
    evidence = evidence_sentences(m, view="outsole")
    assert any("back outer corner (MLWI -0.20)" in s and "normal" in s for s in evidence)


# --- class texts --------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["neutral", "overpronation", "underpronation"])
@pytest.mark.parametrize("view", ["outsole", "insole", "print"])
def test_every_class_has_meaning_body_helps_and_disclaimer(label: str, view: str) -> None:
    m = insole(0.24) if view == "insole" else metrics()
    result = explain(label, view=view, metrics=m, probabilities={label: 0.8})
    assert isinstance(result, Explanation)
    for text in (result.meaning, result.body, result.disclaimer, *result.helps):
        assert len(text) > 20
    assert "foundation of the body" in result.body
    assert any("podiatrist" in h for h in result.helps)
    assert result.disclaimer.startswith("This is a screening aid, not a diagnosis.")
    assert "80%" in result.disclaimer
    assert result.to_dict() == {
        "evidence": result.evidence,
        "meaning": result.meaning,
        "body": result.body,
        "helps": result.helps,
        "disclaimer": result.disclaimer,
    }


def test_class_texts_follow_the_clinical_chain() -> None:
    over = explain("overpronation", view="outsole", metrics=overpronated())
    assert "flat feet" in over.meaning
    assert "knees rotate inward" in over.body
    assert "lower back" in over.body
    assert any("Custom orthotics fitted by a podiatrist" in h for h in over.helps)
    assert any("over-the-counter insoles" in h for h in over.helps)
    under = explain("underpronation", view="outsole", metrics=underpronated())
    assert "outer edge" in under.meaning
    assert "spine and hips" in under.body
    neutral = explain("neutral", view="outsole", metrics=metrics())
    assert "one leg longer than the other" in neutral.body


def test_disclaimer_is_honest_about_each_view() -> None:
    outsole = explain("overpronation", view="outsole", metrics=overpronated()).disclaimer
    assert "weaker signal than the arch index" in outsole
    assert "not proof" in outsole
    printed = explain("overpronation", view="print", metrics=overpronated()).disclaimer
    assert "weaker signal" in printed
    insole_text = explain("overpronation", view="insole", metrics=insole(0.3)).disclaimer
    assert "established measure" in insole_text
    assert "weaker signal" not in insole_text


def test_unknown_label_or_view_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="label"):
        explain("flat", view="outsole", metrics=metrics())
    with pytest.raises(ValueError, match="view"):
        explain("neutral", view="auto", metrics=metrics())


# --- undetermined -------------------------------------------------------------------------


def test_poor_quality_names_the_problems_and_how_to_retake() -> None:
    m = metrics(quality_sharpness=0.05, quality_exposure=0.3, quality_object_px=120.0)
    result = explain("undetermined", view="outsole", metrics=m, reason="poor_quality")
    assert "not good enough" in result.meaning
    for problem in ("blurred", "too dark or washed out", "too small"):
        assert problem in result.meaning
    helps = " ".join(result.helps)
    for advice in ("focus", "even daylight", "closer", "other shoe", "insole"):
        assert advice in helps


def test_poor_quality_without_a_specific_figure_still_gives_retake_advice() -> None:
    result = explain("undetermined", view="outsole", metrics=metrics(), reason="poor_quality")
    assert result.helps[0].startswith("Retake the photo")


def test_low_confidence_states_the_closest_match_and_what_to_add() -> None:
    probabilities = {"neutral": 0.35, "overpronation": 0.48, "underpronation": 0.17}
    result = explain(
        "undetermined",
        view="outsole",
        metrics=metrics(),
        probabilities=probabilities,
        reason="low_confidence",
    )
    assert "overpronation, has only 48% confidence" in result.meaning
    helps = " ".join(result.helps)
    for advice in ("Retake", "other shoe", "Photograph the insole"):
        assert advice in helps
    assert "says nothing either way" in result.body


def _conflicting_zones(
    m: dict[str, float], probabilities: dict[str, float] | None = None, view: str = "outsole"
) -> Explanation:
    return explain(
        "undetermined",
        view=view,
        metrics=m,
        probabilities=probabilities,
        reason="conflicting_zones",
    )


def test_conflicting_zones_names_the_zones_that_disagree() -> None:
    m = metrics(mlwi_heel=-0.37, mlwi_forefoot=0.7, mlwi_total=-0.02)
    result = _conflicting_zones(m)
    assert "the ball of the foot (MLWI +0.70) wears more on the inner side" in result.meaning
    assert "the heel (MLWI -0.37) on the outer side" in result.meaning
    assert any("insole" in h for h in result.helps)


def test_conflicting_zones_names_the_pattern_the_whole_sole_leans_against() -> None:
    m = metrics(mlwi_midfoot=0.54, mlwi_toes=-0.63, mlwi_total=0.24)
    probabilities = {"neutral": 0.05, "overpronation": 0.33, "underpronation": 0.62}
    result = _conflicting_zones(m, probabilities, view="outsole")
    assert "the midfoot (MLWI +0.54) wears more on the inner side" in result.meaning
    assert "the toes (MLWI -0.63) on the outer side" in result.meaning
    assert (
        "The closest pattern, underpronation (62%), does not fit the wear over the whole "
        "sole, which leans to the inner side (MLWI +0.24)." in result.meaning
    )
    assert "none is given rather than a guess" in result.meaning


def test_a_print_is_judged_by_its_lean_without_the_midfoot() -> None:
    # A print of a shoe raised under the arch: blank on the midfoot's inner side, which
    # the whole-sole figure reads as inner wear, while the heel, ball and toes lean out.
    blank_arch = metrics(
        mlwi_heel=-0.32,
        mlwi_midfoot=0.74,
        mlwi_forefoot=-0.32,
        mlwi_total=0.34,
        mlwi_without_midfoot=-0.29,
    )
    assert contradicting_wear("underpronation", blank_arch, "outsole") is not None
    assert contradicting_wear("underpronation", blank_arch, "print") is None
    assert contradicting_wear("overpronation", blank_arch, "print") is not None
    sentences = evidence_sentences(blank_arch, view="print", limit=10)
    assert (
        "Over the heel, the ball and the toes, wear leans to the outer side (MLWI -0.29)."
        in sentences
    )
    assert not any("whole sole" in s for s in sentences)
    assert "Over the whole sole, wear leans to the inner side (MLWI +0.34)." in (
        evidence_sentences(blank_arch, view="outsole", limit=10)
    )


def test_conflicting_zones_on_a_print_leaves_out_the_midfoot() -> None:
    m = metrics(
        mlwi_midfoot=0.54,
        mlwi_forefoot=0.3,
        mlwi_toes=-0.63,
        mlwi_total=0.24,
        mlwi_without_midfoot=0.2,
    )
    probabilities = {"neutral": 0.05, "overpronation": 0.33, "underpronation": 0.62}
    result = _conflicting_zones(m, probabilities, view="print")
    assert "midfoot" not in result.meaning
    assert "the ball of the foot (MLWI +0.30) wears more on the inner side" in result.meaning
    assert (
        "The closest pattern, underpronation (62%), does not fit the wear over the heel, "
        "the ball and the toes, which leans to the inner side (MLWI +0.20)." in result.meaning
    )


@pytest.mark.parametrize("view", ["outsole", "print"])
def test_a_class_is_contradicted_by_its_heel_and_ball_both_leaning_the_other_way(
    view: str,
) -> None:
    # The real right shoe's second visit: its heel and ball worn on the inner side, its
    # toes on the outer, balanced over the heel, the ball and the toes.
    m = metrics(mlwi_heel=0.17, mlwi_forefoot=0.22, mlwi_toes=-0.37, mlwi_total=0.10)
    m["mlwi_without_midfoot"] = 0.10
    assert contradicting_wear("underpronation", m, view) == (
        "the wear at the heel and under the ball of the foot, which both lean to the inner "
        "side (MLWI +0.17 and +0.22)"
    )
    assert contradicting_wear("overpronation", m, view) is None
    assert contradicting_wear("neutral", m, view) is None
    # One of the two is not enough: the toes and the heel often disagree on a sole.
    for one_zone in (metrics(mlwi_heel=0.17, mlwi_forefoot=0.14), metrics(mlwi_forefoot=0.3)):
        assert contradicting_wear("underpronation", one_zone, view) is None
    probabilities = {"neutral": 0.17, "overpronation": 0.20, "underpronation": 0.63}
    meaning = _conflicting_zones(m, probabilities, view=view).meaning
    assert (
        "The closest pattern, underpronation (63%), does not fit the wear at the heel and "
        "under the ball of the foot, which both lean to the inner side" in meaning
    )


def test_conflicting_zones_claims_only_the_conflict_the_figures_show() -> None:
    # No zone leans against another: only the whole sole against the closest pattern.
    m = metrics(mlwi_heel=0.1, mlwi_forefoot=-0.3, mlwi_total=-0.2)
    probabilities = {"neutral": 0.1, "overpronation": 0.8, "underpronation": 0.1}
    result = _conflicting_zones(m, probabilities)
    assert "Different parts" not in result.meaning
    assert result.meaning.startswith(
        "The closest pattern, overpronation (80%), does not fit the wear over the whole "
        "sole, which leans to the outer side (MLWI -0.20)."
    )


@pytest.mark.parametrize(
    ("label", "total", "contradicts"),
    [
        ("overpronation", -0.15, True),
        ("overpronation", -0.14, False),
        ("overpronation", 0.4, False),
        ("underpronation", 0.15, True),
        ("underpronation", 0.14, False),
        ("underpronation", -0.4, False),
        # Neutral wear is near balanced or leans a little outward: no lean contradicts it.
        ("neutral", 0.5, False),
        ("neutral", -0.5, False),
        ("undetermined", 0.5, False),
        ("overpronation", NAN, False),
    ],
)
def test_a_class_is_contradicted_by_a_clear_lean_the_other_way(
    label: str, total: float, contradicts: bool
) -> None:
    against = contradicting_wear(label, metrics(mlwi_total=total), "outsole")
    assert (against is not None) is contradicts
    # The evidence says so in the same words: "leans to the inner (outer) side".
    sentences = " ".join(evidence_sentences(metrics(mlwi_total=total), view="outsole"))
    if contradicts:
        side = "outer" if label == "overpronation" else "inner"
        assert f"wear leans to the {side} side" in sentences


def test_insole_undetermined_does_not_ask_for_an_insole_photo() -> None:
    result = explain("undetermined", view="insole", metrics=insole(0.24), reason="low_confidence")
    assert not any("Photograph the insole" in h for h in result.helps)
    assert any("other shoe" in h for h in result.helps)


# --- two feet -----------------------------------------------------------------------------


def test_compare_feet_stays_quiet_for_similar_feet() -> None:
    left = metrics(mlwi_total=0.05, wear_total=0.30)
    right = metrics(mlwi_total=-0.05, wear_total=0.33)
    assert compare_feet(left, right, "neutral", "neutral") == {
        "different_labels": False,
        "notes": [],
    }


def test_compare_feet_flags_every_clear_difference() -> None:
    left = insole(0.31, mlwi_total=0.40, wear_total=0.50)
    right = insole(0.24, mlwi_total=0.05, wear_total=0.25)
    result = compare_feet(left, right, "overpronation", "neutral")
    assert result["different_labels"] is True
    notes = " ".join(result["notes"])
    assert "left foot reads as overpronation and the right foot as neutral" in notes
    assert "MLWI +0.40 on the left, +0.05 on the right" in notes
    assert "0.31 on the left, 0.24 on the right" in notes
    assert "left arch sits lower" in notes
    assert "left sole is clearly more worn" in notes
    assert "one leg being longer than the other" in result["notes"][-1]


def test_compare_feet_thresholds() -> None:
    base = metrics()
    assert compare_feet(base, metrics(mlwi_total=0.2), "neutral", "neutral")["notes"] == []
    assert compare_feet(base, metrics(mlwi_total=0.3), "neutral", "neutral")["notes"]
    ai = compare_feet(insole(0.24), insole(0.27), "neutral", "neutral")
    assert ai["notes"] == []
    assert compare_feet(insole(0.22), insole(0.27), "neutral", "neutral")["notes"]


def test_an_undetermined_foot_is_not_a_different_label() -> None:
    result = compare_feet(metrics(), metrics(), "undetermined", "neutral")
    assert result["different_labels"] is False
    assert result["notes"] == []


def test_evidence_numbers_are_finite_text() -> None:
    for label, m in (("overpronation", overpronated()), ("underpronation", underpronated())):
        for sentence in explain(label, view="outsole", metrics=m).evidence:
            assert "nan" not in sentence.lower()
            for number in re.findall(r"[+-]?\d+\.\d+", sentence):
                assert math.isfinite(float(number))


def test_a_percentage_is_the_same_from_a_probability_and_from_its_json() -> None:
    # The JSON gives a probability to 4 places: 0.98503 is 0.985 there. Read from either,
    # the percentage is one figure, rounded half up (Python's round() would give 98 for
    # the 98.5 of 0.985, and 12 for the 12.5 of 0.125).
    assert percent(0.98503) == percent(0.985) == 99
    assert percent(0.98494) == 98
    assert percent(0.125) == 13
    assert (percent(0.0), percent(1.0), percent(0.6)) == (0, 100, 60)


def test_the_confidence_sentence_gives_the_percentage_the_pages_show() -> None:
    metrics = {"mlwi_total": 0.0}
    probabilities = {"neutral": 0.98503, "overpronation": 0.01, "underpronation": 0.00497}
    text = explain("neutral", view="outsole", metrics=metrics, probabilities=probabilities)
    assert "The model's confidence in this reading is 99%." in text.disclaimer
