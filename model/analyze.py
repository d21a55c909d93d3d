"""The one public entry of the core: photo bytes in, a pronation screening result out.

decode -> locate -> orient -> wear map -> features -> classify -> explain; the overlay is
drawn on demand from what the analysis kept. Training runs :func:`locate_objects` and
:func:`model.features.wear_metrics` too, so both share one feature code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from model import explain as explain_text
from model.classifier import ModelBundle, familiar, load_bundle
from model.compiled import for_serving
from model.errors import NoSoleFound, SolescanError
from model.features import (
    MIN_EXPOSURE,
    MIN_OBJECT_PX,
    MIN_SHARPNESS,
    PROFILE_BINS,
    object_features,
    object_vector,
    pronation_vector,
    surround_features,
    view_vector,
    wear_metrics,
)
from model.footshape import LABELS, VIEWS, Side, View, outline_like_a_foot
from model.imaging import DecodedPhoto, decode, encode_jpeg, encode_png
from model.locate import (
    Candidate,
    FootFrame,
    PixelModel,
    Turn,
    cut_from_border,
    find_candidates,
    fit_frame,
    longest_straight_run,
    orientation_vector,
    print_outline,
    refined_candidate,
    turn_probabilities,
    turned_orientation_vector,
)

ViewChoice = Literal["outsole", "insole", "print", "auto"]
SideChoice = Literal["left", "right", "auto"]

# A located object counts as a sole above this probability of the sole model.
SOLE_THRESHOLD = 0.5
# Beside a sole already picked, an object of about its size (area ratio in this range)
# counts as the other shoe of the pair above this lower sole probability.
PAIR_SOLE_THRESHOLD = 0.2
PAIR_AREA_RATIO = (0.7, 1.4)
# An object the sole model all but ruled out gets a second look as the other shoe when
# its outline as found is this size of the sole's (area ratio): looser than
# PAIR_AREA_RATIO, since the outline is what the look refines.
PAIR_SECOND_LOOK_AREA = (0.5, 2.0)
# A piece the locator cut from a blob, taken without the other piece, is half of
# something else when the cut runs straight along this share of its length or more. The
# splitter cuts two touching soles apart, and a sole's contact with the other shoe is
# short or the other shoe is found too; a round thing cut in two (touching coins, a
# retina, a logo: scikit-image's sample images) leaves a straight side along most of
# each half. Measured (longest straight run, locate.longest_straight_run): those three
# 0.66 to 0.77; the 31 cut pieces taken alone on the tuning corpora (seeds 31337 and
# 27182, 900 photos) at most 0.53, except one at 0.88, a sole cut lengthwise in half.
HALF_OF_SOMETHING_STRAIGHT_RUN = 0.6
# An object the sole model gives at least this, but under SOLE_THRESHOLD, is looked at
# again in an outline refined by a graph cut (Analyzer._second_look). With the colour
# growing that came before the cut, 0.02 found no more feet on the tuning corpora and
# took one more negative photo for a sole.
SECOND_LOOK_FROM = 0.05
# Where neither of the locator's opinions gives a sole, an object a graph cut of the whole
# photo parts from its border (locate.cut_from_border) is a sole from this probability.
# The cut outlines whatever differs from the floor, on a negative photo its main object:
# of 862 negative photos so rejected (throwaway script; the benchmark and tuning corpora
# and 500 negatives of seed 555), 13 gave an object of 0.5 or more, none of 0.89. The
# soles it found where the locator had found none scored 0.96 to 1.0 (one print 0.81).
BORDER_CUT_THRESHOLD = 0.95
# Two refined outlines that share more than this share of the smaller one are one foot
# (Analyzer._refined_soles). Measured on the tuning corpus of seed 31337 and the training
# corpus of seed 1 (1,200 photos; the benchmark corpora showed the same): of the photos
# read as two feet, the single soles found twice shared 0.34 to 1.0 (a floor piece
# beside the sole, a toe outlined apart), pairs at most 0.07, except two touching
# pairs whose refined outlines each took in part of the other shoe (0.28 and 0.59).
ONE_OBJECT_OVERLAP = 0.3
# The views whose picked soles are refined by the graph cut (Analyzer._refined_soles).
# Not prints: they are outlined again by their own ink once their side is known
# (locate.print_outline), and refined first they read worse (print macro-F1 0.892
# against 0.908 on the tuning corpora).
REFINED_VIEWS = ("outsole", "insole")
# A photo whose soles the shoe-top model gives at least this, on average, shows the tops
# of shoes (Analyzer._refuse_tops_of_shoes). Estimated on the feet the model before
# reported (throwaway scripts, the shoe-top model of 2026.12.07-4): of 500 rendered
# negative photos of seed 555, 496 rejected against 474 without the check; of 500 of
# seed 5151, 490 against 482; of the 224 of the benchmark corpora, 223 against 217; no
# foot of 4,187 found in photos of soles dropped (outsoles, insoles and prints of seeds
# 8282, 8383, 8080, 8686, 8181, 8484 and the benchmark corpora). Judged one sole at a
# time instead, 495, 488 and 223, and 3 insoles dropped (each outlined with a pen against
# it). Confirmed on seeds rendered after that choice: 499 of 500 negatives of seed 5252
# (498 one at a time), no foot of 400 insole photos of seed 8787 dropped.
SHOE_TOP_THRESHOLD = 0.5
# Below this calibrated probability the honest answer is "undetermined".
CONFIDENCE_FLOOR = 0.60
# The overlay's labels and lines stay crisp at this JPEG quality.
OVERLAY_JPEG_QUALITY = 90


@dataclass(frozen=True)
class LocatedObject:
    """A candidate object with its frame, canonical image and object features."""

    candidate: Candidate
    frame: FootFrame
    canonical: np.ndarray
    features: dict[str, float]

    def facing(self, side: Side, view: View) -> LocatedObject:
        """This object with its frame mirrored, if needed, to read as ``side``.

        A side given by the caller wins over the outline: it decides which edge is
        medial, and so the sign of every medial-lateral measure.
        """
        if self.frame.side(view) == side:
            return self
        return self.turned(Turn.MIRROR, side_confidence=1.0)

    def turned(self, turn: Turn, *, side_confidence: float) -> LocatedObject:
        """This object with its frame and canonical picture turned by ``turn``."""
        return replace(
            self,
            frame=self.frame.turned(turn, side_confidence=side_confidence),
            canonical=np.ascontiguousarray(turn.apply(self.canonical)),
        )

    def outlined_as(self, view: View, image: np.ndarray) -> LocatedObject:
        """This object outlined as its wear is measured when read as ``view``: a contact
        print by its own ink (:func:`model.locate.print_outline`), its frame fitted to
        that outline and turned as this one is; itself for the other views, or where the
        ink gives no outline. The object features stay those of the outline found, which
        decided what the object is. Analysis and training both measure through this."""
        if view != "print":
            return self
        contour = print_outline(image, self.candidate.contour)
        if contour is None:
            return self
        candidate = replace(
            self.candidate, contour=contour, mask_area=float(cv2.contourArea(contour))
        )
        frame = fit_frame(candidate).turned_like(self.frame)
        return replace(
            self, candidate=candidate, frame=frame, canonical=frame.canonical_image(image)
        )

    @property
    def width_profile(self) -> np.ndarray:
        """The outline's width at PROFILE_BINS places from heel to toe, in its lengths."""
        return np.array([self.features[f"shape_width_{i}"] for i in range(PROFILE_BINS)])

    @property
    def centroid(self) -> tuple[float, float]:
        """Centre of the outline in working pixels (x, y)."""
        pts = self.candidate.contour
        m = cv2.moments(pts.astype(np.float32))
        if m["m00"] == 0:
            return float(pts[:, 0].mean()), float(pts[:, 1].mean())
        return float(m["m10"] / m["m00"]), float(m["m01"] / m["m00"])


def locate_objects(photo: DecodedPhoto, pixel_model: PixelModel) -> list[LocatedObject]:
    """Every candidate object in a decoded photo, mapped to the canonical frame."""
    return [located(photo, c) for c in find_candidates(photo.image, pixel_model)]


def located(photo: DecodedPhoto, candidate: Candidate) -> LocatedObject:
    """One candidate object mapped to the canonical frame, with its object features."""
    frame = fit_frame(candidate)
    canonical = frame.canonical_image(photo.image)
    return LocatedObject(
        candidate=candidate,
        frame=frame,
        canonical=canonical,
        features=object_features(photo.image, candidate, frame, canonical),
    )


@dataclass(frozen=True)
class FootResult:
    """The result for one foot (one sole or insole in the photo)."""

    side: Side
    side_source: Literal["given", "detected"]
    side_confidence: float
    label: str
    undetermined_reason: str | None
    probabilities: dict[str, float]
    confidence: float
    center: tuple[float, float]
    metrics: dict[str, float]
    explanation: explain_text.Explanation
    located: LocatedObject = field(repr=False)
    wear: np.ndarray = field(repr=False)
    # Where the foot pressed an insole, in the canonical frame (None for other views):
    # the insole indices are read from it, and the overlay outlines it.
    imprint: np.ndarray | None = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "side_source": self.side_source,
            "side_confidence": round(self.side_confidence, explain_text.PROBABILITY_PLACES),
            "label": self.label,
            "undetermined_reason": self.undetermined_reason,
            "probabilities": {
                k: round(v, explain_text.PROBABILITY_PLACES) for k, v in self.probabilities.items()
            },
            "confidence": round(self.confidence, explain_text.PROBABILITY_PLACES),
            "center": [round(self.center[0], 1), round(self.center[1], 1)],
            "metrics": {
                k: (None if not np.isfinite(v) else round(v, 4)) for k, v in self.metrics.items()
            },
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True)
class AnalysisResult:
    """The analysis of one photo."""

    view: View
    view_source: Literal["given", "detected"]
    model_version: str
    image_size: tuple[int, int]
    feet: list[FootResult]
    comparison: dict[str, Any] | None
    photo: DecodedPhoto = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON schema shared by ``solescan analyze --json`` and the HTTP API."""
        return {
            "status": "ok",
            "error": None,
            "view": self.view,
            "view_source": self.view_source,
            "model_version": self.model_version,
            "image": {"width": self.image_size[0], "height": self.image_size[1]},
            "feet": [f.to_dict() for f in self.feet],
            "comparison": self.comparison,
        }

    def overlay_image(self) -> np.ndarray:
        """The overlay picture (BGR, working size): outlines, zones, wear heat map, medial
        arrows, labels."""
        from model.overlay import draw_overlay

        return draw_overlay(self)

    def overlay_png(self) -> bytes:
        """The overlay picture as PNG bytes (lossless; about 40 ms and 1 MB a photo)."""
        return encode_png(self.overlay_image())

    def overlay_jpeg(self) -> bytes:
        """The overlay picture as JPEG bytes (a few ms and about 80 kB a photo)."""
        return encode_jpeg(self.overlay_image(), quality=OVERLAY_JPEG_QUALITY)


def _pair_turns(soles: list[LocatedObject], probas: np.ndarray) -> list[tuple[Turn, float]]:
    """The turns that make two soles one left and one right foot, with the confidence.

    A photo of two shoes is a pair. Deciding each side alone, the orientation model
    sometimes called both the same foot. Deciding them together, side was right for
    97.2% of the feet of one tuning corpus (seed 27182) against 96.3%, and for the same
    95.1% of the other (seed 31337). Of the two ways to split the pair, the one the
    model finds likelier wins; the confidence is its share of the two. Each sole keeps
    the toe end the model likes best for the side it gets.
    """
    # A frame reads as the other foot after a turn that changes the side; two frames are
    # opposite feet when exactly one of them ends up mirrored.
    mirrored_after = [
        np.array([obj.frame.mirrored != t.changes_side for t in Turn]) for obj in soles
    ]
    mass = [
        {m: float(proba[after == m].sum()) for m in (False, True)}
        for proba, after in zip(probas, mirrored_after, strict=True)
    ]
    # How likely each split is: the first sole ends up plain and the second mirrored, or
    # the other way round.
    first_plain = mass[0][False] * mass[1][True]
    first_mirrored = mass[0][True] * mass[1][False]
    mirror_first = first_plain < first_mirrored
    confidence = max(first_plain, first_mirrored) / max(first_plain + first_mirrored, 1e-12)
    chosen = []
    for proba, after, mirrored in zip(
        probas, mirrored_after, (mirror_first, not mirror_first), strict=True
    ):
        allowed = np.where(after == mirrored, proba, -1.0)
        chosen.append((Turn(int(np.argmax(allowed))), confidence))
    return chosen


def rejection_dict(error: SolescanError) -> dict[str, Any]:
    """The result of a photo that could not be analysed, in the same schema."""
    detail: dict[str, Any] = {"code": error.code, "message": error.message}
    if isinstance(error, NoSoleFound):
        detail["reason"] = error.reason
    return {"status": "rejected", "error": detail, "feet": []}


class Analyzer:
    """A loaded model, ready to analyse photos. Thread-safe: it holds no mutable state."""

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        # The tree models predict through compiled copies: same results, a fraction of
        # scikit-learn's per-call cost on the few rows of one photo (model.compiled).
        self._sole = for_serving(bundle.sole)
        self._view = for_serving(bundle.view)
        self._orientation = for_serving(bundle.orientation)
        self._pronation = for_serving(bundle.pronation)
        self._shoe_top = for_serving(bundle.shoe_top)

    @property
    def version(self) -> str:
        return self.bundle.version

    @property
    def model_card(self) -> dict[str, Any]:
        return self.bundle.card

    def analyze(
        self, data: bytes, *, view: ViewChoice = "auto", side: SideChoice = "auto"
    ) -> AnalysisResult:
        """Analyse one photo.

        Raises
        ------
        SolescanError
            The photo cannot be read (``InvalidPhoto`` and its kinds) or shows no sole
            or insole (``NoSoleFound``, with a reason).
        """
        if view not in (*VIEWS, "auto"):
            raise ValueError(f"view must be one of {VIEWS} or auto, not {view!r}")
        if side not in ("left", "right", "auto"):
            raise ValueError(f"side must be left, right or auto, not {side!r}")
        photo = decode(data)
        soles = self._pick_soles(photo, locate_objects(photo, self.bundle.pixels))
        # Each sole's view row, kept for the second reading: a sole the graph cut leaves
        # in its outline is read in both.
        view_rows: dict[int, np.ndarray] = {}
        if view == "auto":
            used_view = self._detect_view(photo, soles, view_rows)
            view_source: Literal["given", "detected"] = "detected"
        else:
            used_view, view_source = view, "given"
        if used_view in REFINED_VIEWS:
            refined = self._refined_soles(photo, soles)
            if view == "auto":
                # Read again in both outlines of each sole, the classifier's and the
                # graph cut's (``_detect_view``). Where that makes it a print, the soles
                # stay in the classifier's outlines, as every print's do.
                used_view = self._detect_view(photo, soles + refined, view_rows)
            if used_view in REFINED_VIEWS:
                soles = refined
        self._refuse_tops_of_shoes(soles)
        feet = self._classify_feet(photo, soles, view=used_view, side=side)
        # Left foot first, as a clinician reads a pair.
        feet.sort(key=lambda f: (f.side != "left", f.center[0]))
        comparison = None
        if len(feet) == 2:
            comparison = explain_text.compare_feet(
                feet[0].metrics, feet[1].metrics, feet[0].label, feet[1].label
            )
        return AnalysisResult(
            view=used_view,
            view_source=view_source,
            model_version=self.version,
            image_size=(photo.original_width, photo.original_height),
            feet=feet,
            comparison=comparison,
            photo=photo,
        )

    def sole_probabilities(self, objects: list[LocatedObject]) -> np.ndarray:
        """Probability that each object is a sole or insole, shape (len(objects),)."""
        if not objects:
            return np.zeros(0)
        rows = _object_rows(objects)
        return self._sole.predict_proba(rows)[:, 1]

    def _pick_soles(self, photo: DecodedPhoto, objects: list[LocatedObject]) -> list[LocatedObject]:
        """The one or two soles among the objects the locator found, each given a second
        look where doubted; failing any, those a graph cut of the whole photo parts from
        its border, if the sole model is sure of one (BORDER_CUT_THRESHOLD). The cut
        costs about 50 ms, so it is asked only of a photo that would be rejected."""
        soles: list[LocatedObject] = []
        probs = self.sole_probabilities(objects)
        if objects:
            objects, probs, typical = self._second_look(photo, objects, probs)
            soles = self._chosen(photo, objects, probs, typical, SOLE_THRESHOLD)
        if not soles:
            cut = [located(photo, candidate) for candidate in cut_from_border(photo.image)]
            sure = _sure_of_whole_blobs(cut, self.sole_probabilities(cut))
            soles = self._chosen(photo, cut, sure, self._could_be_soles(cut), BORDER_CUT_THRESHOLD)
        if soles:
            return soles
        if not objects:
            raise NoSoleFound(
                "No sole or insole found: nothing in the photo stands out from the "
                "background. Photograph the bottom of the shoe on a plain surface, "
                "filling most of the frame.",
                reason="no_object",
            )
        best = objects[int(np.argmax(probs))]
        if best.candidate.touches_border > 0.08:
            raise NoSoleFound(
                "No whole sole found: the object runs off the edge of the photo. Step "
                "back so the whole sole or insole is inside the frame.",
                reason="object_cut_off",
            )
        raise NoSoleFound(
            "No sole or insole found: photograph the bottom of the shoe (or the top of "
            "the insole), filling most of the frame.",
            reason="not_a_sole",
        )

    def _refuse_tops_of_shoes(self, soles: list[LocatedObject]) -> None:
        """Refuse a photo whose soles are tops of shoes: the shoe-top model's
        probability, averaged over the soles (SHOE_TOP_THRESHOLD), read in the outlines the
        feet are measured in.

        Seen from above, a shoe has a foot's outline and an upper of an insole's colours;
        the sole model took a tenth of the tops of shoes among rendered negative photos
        for insoles (``model.training.shoe_top_rows``). The two soles of a photo are a
        pair, of one kind, as ``_detect_view`` reads them: judged one by one, a pair of
        tops could lose one shoe and have the other read as an insole, and an insole
        outlined with a pen lying against it be dropped from its pair.

        Raises
        ------
        NoSoleFound
            ``top_of_shoe``.
        """
        rows = _object_rows(soles)
        if self._shoe_top.predict_proba(rows)[:, 1].mean() >= SHOE_TOP_THRESHOLD:
            raise NoSoleFound(
                "This looks like the top of a shoe, not its sole: turn the shoe over and "
                "photograph its sole, or take the insole out and photograph its top.",
                reason="top_of_shoe",
            )

    def _chosen(
        self,
        photo: DecodedPhoto,
        objects: list[LocatedObject],
        probs: np.ndarray,
        typical: np.ndarray,
        threshold: float,
    ) -> list[LocatedObject]:
        """The one or two soles among ``objects`` (with their sole probabilities and
        whether each could be a sole at all, ``_could_be_soles``): the likeliest ones
        from ``threshold`` up that could be soles, each once, with the other shoe of a
        pair beside a single sole, and without a half of something."""
        if not objects:
            return []
        ranked = sorted(zip(probs, range(len(objects)), strict=True), reverse=True)
        soles: list[LocatedObject] = []
        for p, i in ranked:
            if p < threshold or len(soles) == 2:
                break
            if not typical[i]:
                continue
            # The locator's two opinions can outline one sole twice, or a piece of it
            # beside the whole: an object overlapping a sole already chosen is that sole.
            if not any(_overlap(objects[i], sole) for sole in soles):
                soles.append(objects[i])
        if len(soles) == 1:
            soles += self._other_shoe_of_a_pair(photo, soles[0], objects, probs, typical)
        return [sole for sole in soles if not _half_of_something(sole, soles)]

    def _second_look(
        self, photo: DecodedPhoto, objects: list[LocatedObject], probs: np.ndarray
    ) -> tuple[list[LocatedObject], np.ndarray, np.ndarray]:
        """The objects, each one the sole model doubts or the familiarity and outline
        checks turn down replaced by its outline refined by a graph cut, where the sole
        model likes that better; their sole probabilities; whether each could be a sole
        at all (``_could_be_soles``, judged again only for an object replaced).

        The pixel classifier can outline only part of an insole, or take in floor beside
        a shoe (:func:`model.locate.refined_by_graph_cut`). The sole model rightly
        doubts such an outline (ragged, narrow, short of a foot), and the familiarity
        check turns down one unlike every sole it learned from. Refined, most are whole
        soles again. On the tuning corpora (seeds 31337 and 27182, 1,000 photos) photos
        of soles with the right number of feet went from 96.4% to 98.1%, insoles found from
        94.3% to 97.6%, with 3 of 227 negative photos more taken for a sole (95.6%
        rejected, 96.9% before). Of the objects not picked, only these are refined: the
        cut costs about 40 ms an object (the picked ones: ``_refined_soles``).

        Training is unchanged: its tables hold every object the locator finds, and this,
        like the pair rule, is part of choosing among them.
        """
        objects, probs = list(objects), probs.copy()
        typical = self._could_be_soles(objects)
        for i, obj in enumerate(objects):
            doubted = SECOND_LOOK_FROM <= probs[i] < SOLE_THRESHOLD
            turned_down = probs[i] >= SOLE_THRESHOLD and not typical[i]
            if doubted or turned_down:
                objects[i], probs[i] = self._refined_if_likelier(photo, obj, float(probs[i]))
                if objects[i] is not obj:
                    typical[i] = self._could_be_soles([objects[i]])[0]
        return objects, probs, typical

    def _refined_soles(
        self, photo: DecodedPhoto, soles: list[LocatedObject]
    ) -> list[LocatedObject]:
        """The soles picked, each refined by a graph cut where the sole model likes the
        refined outline better (as in ``_second_look``, here for the soles it was sure of).

        A foot is read in a frame fitted to its outline. An outsole photographed at an
        angle shows its upper around it, and the pixel classifier takes the upper in: the
        outline's shape then points the wrong way, and in a pair both feet swap sides
        (and overpronation with underpronation). An insole's outline short of its rim or
        toe misplaces the zones its arch index is read in. On the tuning corpora (seeds
        31337 and 27182), refining the picked outsoles too, not only the insoles: side
        right 98.5% against 97.5% of found feet, outsole macro-F1 0.945 against 0.916,
        at about 20% more analysis time on average.

        Refined, two outlines can turn out to be one object: a sole and a piece of floor or
        shadow cut from beside it (the cut piece grows over the sole), or one sole
        outlined twice. Two refined outlines overlapping by more than
        ONE_OBJECT_OVERLAP of the smaller are one foot, the one the sole model is
        surer of.
        """
        refined = [
            self._refined_if_likelier(photo, obj, float(p))
            for obj, p in zip(soles, self.sole_probabilities(soles), strict=True)
        ]
        if len(refined) == 2:
            (first, p_first), (second, p_second) = refined
            if _overlap_share(first, second) > ONE_OBJECT_OVERLAP:
                return [first if p_first >= p_second else second]
        return [obj for obj, _ in refined]

    def _refined_if_likelier(
        self, photo: DecodedPhoto, obj: LocatedObject, probability: float
    ) -> tuple[LocatedObject, float]:
        """``obj`` in its outline refined by a graph cut
        (:func:`model.locate.refined_candidate`), with its sole probability, where the
        sole model gives the refined outline more than ``probability``; else ``obj`` and
        ``probability``."""
        refined = refined_candidate(photo.image, obj.candidate)
        if refined is None:
            return obj, probability
        second = located(photo, refined)
        refined_probability = float(self.sole_probabilities([second])[0])
        if refined_probability > probability:
            return second, refined_probability
        return obj, probability

    def _could_be_soles(self, objects: list[LocatedObject]) -> np.ndarray:
        """Whether each object could be a sole at all, whatever the sole model makes of it.

        Not if it is unlike every sole the model learned from (the familiarity check) or
        pinched in as no foot is (touching coins): either is a photo of something else.
        """
        if not objects:
            return np.zeros(0, dtype=bool)
        return familiar(self.bundle, _object_rows(objects)) & np.array(
            [outline_like_a_foot(o.width_profile) for o in objects]
        )

    def _other_shoe_of_a_pair(
        self,
        photo: DecodedPhoto,
        sole: LocatedObject,
        objects: list[LocatedObject],
        probs: np.ndarray,
        typical: np.ndarray,
    ) -> list[LocatedObject]:
        """The second shoe of a pair photo, which the sole model alone doubted.

        Next to a sole it is sure of, an object of about the same size that it gives at
        least PAIR_SOLE_THRESHOLD is most likely the other shoe. The thresholds were tuned on
        400 synthetic photos of a seed used neither in training nor in the accuracy
        benchmark (31337): there they found 6 second shoes the sole model had missed and
        took nothing else for a foot.

        Failing that, an object the sole model all but ruled out (under SECOND_LOOK_FROM,
        so ``_second_look`` left its outline as found) gets that second look here, if
        it is within PAIR_SECOND_LOOK_AREA of the sole's size: an insole outlined with a
        spur of floor or the other shoe's shadow is often such an object, and refined it
        is the other shoe.
        """
        area = sole.candidate.mask_area
        others = [
            int(i)
            for i in np.argsort(-probs)
            if objects[int(i)] is not sole and not _overlap(objects[int(i)], sole)
        ]
        for i in others:
            if probs[i] >= PAIR_SOLE_THRESHOLD and typical[i] and _pair_sized(objects[i], area):
                return [objects[i]]
        for i in others:
            if probs[i] >= SECOND_LOOK_FROM or not _pair_sized(
                objects[i], area, PAIR_SECOND_LOOK_AREA
            ):
                continue
            refined, p = self._refined_if_likelier(photo, objects[i], float(probs[i]))
            if (
                p >= PAIR_SOLE_THRESHOLD
                and _pair_sized(refined, area)
                and not _overlap(refined, sole)
                and self._could_be_soles([refined])[0]
            ):
                return [refined]
        return []

    def _detect_view(
        self, photo: DecodedPhoto, soles: list[LocatedObject], rows_read: dict[int, np.ndarray]
    ) -> View:
        """The view the view model gives the most probability, averaged over ``soles``.

        ``analyze`` asks twice for an outsole or insole: first in the pixel classifier's
        outlines, then in those and the graph cut's together. An outsole photographed at
        an angle shows its upper, which the classifier's outline takes in and the graph
        cut cuts off, and neither outline alone is always read right: a black herringbone
        outsole on concrete (the 300-photo benchmark corpus of seed 90210, photo 266) is
        an insole in the classifier's outline (0.73) and an outsole in the graph cut's
        (0.95); a black outsole on tiles (seed 4711, photo 263) is the other way round.
        Averaged, both are outsoles; of 1,300 benchmark and tuning photos (seeds 90210,
        4711 and 31337), no other photo's view changed.

        The view model reads each sole's object features and how its colours compare
        with what lies around it (``model.features.surround_features``, about 7 ms a
        sole at 12 MP). ``rows_read`` holds the rows read so far, by ``id`` of the sole:
        each is measured once.
        """
        for obj in soles:
            if id(obj) not in rows_read:
                surround = surround_features(photo.image, obj.candidate, obj.frame.length_px)
                rows_read[id(obj)] = view_vector(obj.features, surround)
        rows = np.stack([rows_read[id(obj)] for obj in soles])
        probs = self._view.predict_proba(rows).mean(axis=0)
        classes = list(self._view.classes_)
        return classes[int(np.argmax(probs))]

    def _orient(
        self, soles: list[LocatedObject], *, also_read: list[LocatedObject] | None = None
    ) -> list[LocatedObject]:
        """Each sole turned the way the orientation model reads its outline.

        The outline rules of ``fit_frame`` pick the toe end and the medial side; the
        model, trained on the true orientation of many outlines, corrects them. The side
        confidence is its probability of the side it chose, whichever end is the toe.
        Two soles in one photo are a pair: one left and one right (``_pair_turns``).

        ``also_read``: the same soles in other outlines, their frames turned as these
        are (``LocatedObject.outlined_as``); the model's readings of both are averaged.
        """
        probas = self._turn_probabilities(soles)
        if also_read is not None:
            probas = (probas + self._turn_probabilities(also_read)) / 2
        if len(soles) == 2:
            chosen = _pair_turns(soles, probas)
        else:
            chosen = []
            for proba in probas:
                turn = Turn(int(np.argmax(proba)))
                same_side = sum(proba[t] for t in Turn if t.changes_side == turn.changes_side)
                chosen.append((turn, float(same_side)))
        return [
            obj.turned(turn, side_confidence=confidence)
            for obj, (turn, confidence) in zip(soles, chosen, strict=True)
        ]

    def _turn_probabilities(self, soles: list[LocatedObject]) -> np.ndarray:
        """How likely each turn of Turn puts each sole right, shape (len(soles), 4)."""
        found = [orientation_vector(obj.frame.mask, obj.canonical) for obj in soles]
        rows = np.stack([turned_orientation_vector(v, turn) for v in found for turn in Turn])
        shown = self._orientation.predict_proba(rows).reshape(len(soles), len(Turn), -1)
        return turn_probabilities(shown)

    def _classify_feet(
        self, photo: DecodedPhoto, soles: list[LocatedObject], *, view: View, side: SideChoice
    ) -> list[FootResult]:
        # A print is oriented in its own ink's outline and in the segmenter's, the two
        # readings averaged. The segmenter's can take in the sheet the print lies on (a
        # rectangle says nothing of the side) or outline the print loosely; the ink's
        # can miss a part of a scanner's print that printed faint. On 893 rendered print
        # photos (seeds 8080 and 8181, 400 prints each, and the 93 of seed 4711) side
        # was right for 92.7%, 94.5% and 97.2% of the found feet in the segmenter's
        # outline, 96.4%, 96.2% and 95.3% in the ink's, 96.4%, 96.2% and 98.1% in both,
        # print macro-F1 0.911, 0.916, 0.962; 0.942, 0.933, 0.947; 0.941, 0.940, 0.971
        # (with locate.SHEET_HULL_FILL and PRINT_WITHIN_SHEET in the last two).
        outlined = [obj.outlined_as(view, photo.image) for obj in soles]
        soles = self._orient(outlined, also_read=soles if view == "print" else None)
        if side != "auto":
            soles = [obj.facing(side, view) for obj in soles]
        measured = [
            wear_metrics(
                obj.canonical,
                obj.frame,
                view=view,
                length_original_px=obj.frame.length_px / photo.scale,
                imprint_model=self.bundle.imprint,
            )
            for obj in soles
        ]
        # One call for both feet: a tree ensemble's per-call overhead is most of its cost.
        rows = np.stack([pronation_vector(m.metrics, m.layout, view) for m in measured])
        probas = self._pronation.predict_proba(rows)
        classes = list(self._pronation.classes_)
        feet = []
        for obj, measurement, proba in zip(soles, measured, probas, strict=True):
            metrics = measurement.metrics
            probabilities: dict[str, float] = {
                label: float(proba[classes.index(label)]) for label in LABELS
            }
            best = max(probabilities, key=lambda k: probabilities[k])
            confidence = probabilities[best]
            reason = _undetermined_reason(metrics, best, confidence, view)
            label = best if reason is None else "undetermined"
            if side == "auto":
                foot_side: Side = obj.frame.side(view)  # type: ignore[assignment]
                side_source: Literal["given", "detected"] = "detected"
                side_confidence = obj.frame.side_confidence
            else:
                foot_side, side_source, side_confidence = side, "given", 1.0
            cx, cy = obj.centroid
            feet.append(
                FootResult(
                    side=foot_side,
                    side_source=side_source,
                    side_confidence=side_confidence,
                    label=label,
                    undetermined_reason=reason,
                    probabilities=probabilities,
                    confidence=confidence,
                    center=(cx / photo.scale, cy / photo.scale),
                    metrics=metrics,
                    explanation=explain_text.explain(
                        label,
                        view=view,
                        probabilities=probabilities,
                        metrics=metrics,
                        reason=reason,
                    ),
                    located=obj,
                    wear=measurement.wear,
                    imprint=measurement.imprint,
                )
            )
        return feet


def _object_rows(objects: list[LocatedObject]) -> np.ndarray:
    """The object features of ``objects`` as the sole, familiarity and shoe-top models
    read them, one row each."""
    return np.stack([object_vector(o.features) for o in objects])


def _pair_sized(
    other: LocatedObject, sole_area: float, ratios: tuple[float, float] = PAIR_AREA_RATIO
) -> bool:
    """Whether ``other``'s area over ``sole_area`` lies within ``ratios``: about a sole's
    size (PAIR_AREA_RATIO), or near enough to look at again (PAIR_SECOND_LOOK_AREA)."""
    return ratios[0] <= other.candidate.mask_area / sole_area <= ratios[1]


def _overlap_share(a: LocatedObject, b: LocatedObject) -> float:
    """The area the two objects' outlines share, over the smaller outline's area."""
    contours = [np.round(o.candidate.contour).astype(np.int32) for o in (a, b)]
    x, y, w, h = cv2.boundingRect(np.concatenate(contours))
    masks = []
    for contour in contours:
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [contour - (x, y)], 1)
        masks.append(mask)
    smaller = min(int(m.sum()) for m in masks)
    return float(np.count_nonzero(masks[0] & masks[1])) / max(smaller, 1)


def _overlap(a: LocatedObject, b: LocatedObject) -> bool:
    """Whether either object's centre lies inside the other's outline."""
    return any(
        cv2.pointPolygonTest(outer.candidate.contour.reshape(-1, 1, 2), inner.centroid, False) >= 0
        for outer, inner in ((a, b), (b, a))
    )


def _sure_of_whole_blobs(objects: list[LocatedObject], probs: np.ndarray) -> np.ndarray:
    """``probs``, with 0 for both pieces of a blob cut in two (``Candidate.cut_from``)
    unless the sole model is sure of both (BORDER_CUT_THRESHOLD).

    The cut from the border outlines what differs from the floor, on a photo of a scene
    its large regions, which the splitter may cut in two: the sky and the lake beside a
    temple (scikit-learn's china.jpg), cut in two, gave one piece of 0.99 and one of 0.34.
    Two touching soles are two sure pieces (0.99 and 1.0 on benchmark photo 90210/21).
    """
    probs = probs.copy()
    for blob in {obj.candidate.cut_from for obj in objects} - {None}:
        pieces = [i for i, obj in enumerate(objects) if obj.candidate.cut_from == blob]
        if probs[pieces].min() < BORDER_CUT_THRESHOLD:
            probs[pieces] = 0.0
    return probs


def _half_of_something(piece: LocatedObject, soles: list[LocatedObject]) -> bool:
    """Whether ``piece`` is one half of a blob the locator cut, taken without the other
    half, with the cut running along most of it (see HALF_OF_SOMETHING_STRAIGHT_RUN).

    The other half counts only as itself, the piece of the same cut: where another of the
    locator's opinions outlined it first (and so the piece itself was not kept), a foot
    standing in its place does not count. Counting any foot that holds the other half's
    centre instead let a dark patch cut from beside an insole through as a second foot
    (seed 4711, photo 460: feet count 96.4% against 96.6%) and changed nothing else on
    the 1,800 rendered photos of the tuning and benchmark corpora.
    """
    cut_from = piece.candidate.cut_from
    if cut_from is None or any(
        sole is not piece and sole.candidate.cut_from == cut_from for sole in soles
    ):
        return False
    straight = longest_straight_run(piece.candidate.contour, piece.frame.length_px)
    return straight >= HALF_OF_SOMETHING_STRAIGHT_RUN


def _undetermined_reason(
    metrics: dict[str, float], best: str, confidence: float, view: View
) -> str | None:
    """Why the closest class ``best`` is not given, or None when it is."""
    if (
        metrics["quality_sharpness"] < MIN_SHARPNESS
        or metrics["quality_exposure"] < MIN_EXPOSURE
        or metrics["quality_object_px"] < MIN_OBJECT_PX
    ):
        return "poor_quality"
    if confidence < CONFIDENCE_FLOOR:
        return "low_confidence"
    # The model seldom names overpronation or underpronation while the wear clearly
    # leans the other way (explain.contradicting_wear): of the feet found in rendered
    # photos of seeds 8080, 8181 and 8484 (prints) and 8282 (outsoles), on 2 of the
    # 1,407 read as prints, both readings wrong, and on none of the 596 read as
    # outsoles; on none of them do the heel and the ball both lean against the class.
    # On a real print they do (the right shoe's second visit, underpronation 0.63 with
    # its heel and ball worn on the inner side). Such a reading is outside what the
    # model learned, and its own evidence contradicts it. An insole is read by its arch
    # index, the established measure, not by the imprint's lean.
    if view != "insole" and explain_text.contradicting_wear(best, metrics, view) is not None:
        return "conflicting_zones"
    return None


def use_one_thread() -> None:
    """Run OpenCV, BLAS and OpenMP (the trees) on one thread in this process.

    solescan gets its parallelism from processes, one per core (service workers, training
    and evaluation pools). Threads inside each would oversubscribe the cores, and for one
    photo at a time the thread start-up costs more than it saves.
    """
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    threadpool_limits(1)


def load_analyzer(path: Path | None = None, *, version: str | None = None) -> Analyzer:
    """Load the model (the shipped one by default) into an :class:`Analyzer`.

    Raises
    ------
    ModelArtifactError
        The artifact is missing, corrupt or from another scikit-learn version.
    """
    return Analyzer(load_bundle(path, version=version))


def analyze(
    data: bytes,
    *,
    view: ViewChoice = "auto",
    side: SideChoice = "auto",
    analyzer: Analyzer | None = None,
) -> AnalysisResult:
    """Analyse one photo with ``analyzer`` (default: the shipped model, loaded per call)."""
    return (analyzer or load_analyzer()).analyze(data, view=view, side=side)
