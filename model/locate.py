"""Find each sole or insole in a photo and map it to the canonical foot frame.

The working image (see :mod:`model.imaging`) is segmented at a small scale into
"object" and "background" by how far each pixel's colour and texture stand from the
photo's border, which in a sole photo is background. Each connected object becomes a
candidate; two soles that touch are split along the narrowest neck. A candidate is mapped
to the canonical frame by a similarity transform: its long axis becomes vertical, the
wider end (the forefoot) goes to the top, and the concave side of the midfoot (the arch,
the medial side) goes to the left. Whether that needed a mirror, together with the view,
tells the side (``footshape.side_from_medial``).

The canonical image is *isotropic*: one pixel is the same distance along and across the
foot, so areas keep their meaning (the arch index needs that). The per-pixel ``u`` and
``v`` coordinates of the domain frame are computed from the outline, row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Protocol

import cv2
import numpy as np

from model.footshape import View, side_from_medial

# Segmentation runs on a small copy of the working image: the outline needs no detail.
SEGMENT_LONG_SIDE = 240
# Shares of the photo: a region that stands out from the border and is larger than
# NOT_A_SOLE_SHARE cannot be one sole; one larger than LARGE_REGION_SHARE may not be.
NOT_A_SOLE_SHARE = 0.45
LARGE_REGION_SHARE = 0.2
# Lightness (CIELAB L, 0-255) per segmentation pixel across a region's edge, as a median
# along it, below which the edge is soft: light falling off, not an object's edge. On a
# tuning corpus (seed 31337) the pools of light around missed shoes measured 1.2 to 3;
# the flower and the cup of the sample images, 8.5 and 12. A soft-edged region is kept
# as well as searched, so a true object taken for light costs only the search.
SOFT_EDGE_GRADIENT = 4.0
# A contact print photographed on a table lies on a sheet of paper that stands out from
# the table far more than the ink from the paper, so the segmenter outlines the sheet. An
# outline at least this rectangular (its area over its minimum-area rectangle's) with a
# straight side along at least SHEET_STRAIGHT_RUN of its length is searched inside for
# the prints: ink much darker than light paper, closed into sole-shaped blobs that stay
# off the sheet's edge and cover a share of it in PRINT_SHARE. On the tuning corpora
# (seeds 31337 and 27182), print macro-F1 rose from 0.788 and 0.826 to 0.858 and 0.878,
# side from 94.9% and 97.2% to 95.9% and 97.7%, with outsoles, insoles and negatives
# unchanged; a SHEET_FILL of 0.8 caught fewer sheets, 0.7 took an outsole for one.
SHEET_FILL = 0.75
SHEET_STRAIGHT_RUN = 0.6
# The segmenter can outline a sheet raggedly (the print's ink and the table's shadow bite
# into its edge), too little of a rectangle for SHEET_FILL and without a straight side;
# its convex hull is still a rectangle. A sheet is searched for prints where its hull
# fills this share of its minimum-area rectangle and runs straight as above. The hulls of
# the soles found in 120 rendered outsole photos (seed 8282) filled at most 0.88 (objects
# of a sole's size). On 800 rendered print photos (seeds 8080 and 8181) print macro-F1
# rose from 0.911 and 0.916 to 0.918 and 0.918; outsoles, insoles (400 photos each) and
# 500 negatives were unchanged.
SHEET_HULL_FILL = 0.9
PAPER_LIGHTNESS = 200
INK_CONTRAST = 100
# Ink is "much darker" when this percentile of the lightness lies INK_CONTRAST below the
# paper's (its 90th): at least 2% of the region is ink. A scanner's faint print of a
# lightly worn sole is dots within its rim, under a tenth of its sheet (the 10th
# percentile used before read two such sheets on the tuning corpora as soles, tuning
# photos 31337/228 and /367; outsoles, insoles and negatives unchanged).
INK_PERCENTILE = 2
PRINT_SHARE = (0.15, 0.7)
PRINT_ELONGATION = (1.8, 4.0)
# Ink is searched with the sheet or the print about this many pixels long: closing the ink
# with a kernel a twentieth of a sheet's length took 30 ms on a large sheet at full size.
# A print takes 3 to 4 ms here and 6 to 19 ms at 640 pixels, where its outline comes a
# little closer to the renderer's (median IoU 0.963 against 0.936 on 112 rendered prints).
INK_SEARCH_LENGTH = 320
# Ink is closed over gaps of this share of the sheet's or the print's length: the tread's.
INK_CLOSING = 0.05

# A contact print's outline is where its ink is (print_outline). The segmenter works at
# SEGMENT_LONG_SIDE pixels and outlines a real scan's print loosely: into the paper where
# the scanner's glass left a grey smudge, short of it where the rim printed faint. Turned
# by up to 4 degrees or scaled to 0.8, a real scan's segmenter outline agreed with its
# unturned copy's at IoU 0.72 to 0.95 (bench/bench_accuracy.py). The print's own ink,
# closed over the tread's gaps (INK_CLOSING) within PRINT_OUTLINE_PAD of its length of
# that outline, gives the outline instead (0.93 to 0.97 in the same benchmark, with a
# blank arch given back as print_outline says); it is kept when it overlaps the
# segmenter's by PRINT_OUTLINE_MIN_IOU at least.
PRINT_OUTLINE_PAD = 0.03
PRINT_OUTLINE_MIN_IOU = 0.6
# An outline found around a print on a sheet photographed on a table can take in part of
# the sheet too, raggedly enough that no sheet is seen (prints_on_sheet): the print's ink
# then covers under PRINT_OUTLINE_MIN_IOU of it (0.29 to 0.53 on rendered prints whose
# length it overstated by 18% to 44%). Its ink is still the outline where it lies this
# much within the outline found, covers a share of it in PRINT_SHARE's range or more, and
# is as long for its width as a print (PRINT_ELONGATION). On 800 rendered print photos
# (seeds 8080 and 8181), with SHEET_HULL_FILL, print macro-F1 went from 0.918 and 0.918
# to 0.919 and 0.922; with the print oriented in this outline too (Analyzer), see there.
PRINT_WITHIN_SHEET = 0.95

# refined_by_graph_cut: how far around an object (in square roots of its area) its
# outline may move, the graph cut's rounds, and the smallest share of the object a
# refined outline may keep. The reach is that of the colour growing the cut replaced,
# which found insoles' rims and logos within it. Measured on the tuning corpora (seeds
# 31337 and 27182): 3 rounds instead of 2 found the same share of photos' feet (98.1%)
# at 5% more analysis time on average; the cut on a copy of at most 12,000 pixels
# instead of the segmentation scale's saved 12% and found 97.5%.
REFINE_REACH = 0.5
REFINE_ROUNDS = 2
REFINED_MIN_SHARE = 0.3
# cut_from_border runs on a copy this long: the whole photo in play makes its graph cut
# slow (on 30 negative photos, median 180 ms at the segmentation scale's 240 pixels,
# 47 ms at 160); at 120 it lost one of the six photos of soles it was made for (a pair).
BORDER_CUT_LONG_SIDE = 160
# Foot length in canonical pixels; tread texture is measured at this scale.
CANONICAL_LENGTH = 320
CANONICAL_WIDTH = 160
# Bands along the foot in which the orientation model reads the outline.
ORIENTATION_BINS = 32
# Blocks of bands it reads: left edge, right edge, fill, lightness, texture.
ORIENTATION_BLOCKS = 5
ORIENTATION_FEATURES = ORIENTATION_BLOCKS * ORIENTATION_BINS
# Weight of the toe-tip cue against the arch cue when deciding which side is medial.
TIP_WEIGHT = 0.5
# Long side over short side of one sole's minimum-area rectangle.
SOLE_ELONGATION = (1.9, 3.8)


@dataclass(frozen=True)
class Candidate:
    """One object that stands out from the background.

    Attributes
    ----------
    contour : ndarray, shape (n, 2)
        Outline in working-image pixels (x, y), float32.
    mask_area : float
        Area in working-image pixels.
    touches_border : float
        Fraction of the outline lying on the image border (0 = fully inside).
    cut_from : int or None
        For one of the two pieces a blob was cut into (two soles that touch), a number
        the other piece shares; None for an object as found.
    """

    contour: np.ndarray
    mask_area: float
    touches_border: float
    cut_from: int | None = None


class Turn(IntEnum):
    """The four ways a canonical picture can be wrong about its object, and their fix.

    The outline's long axis is reliable; which end is the toe and which side is medial
    are decisions. Mirroring left-right swaps medial and lateral; flipping top-bottom
    swaps heel and toe (and, the picture being mirrored by it, the side too); turning
    half round swaps both ends and sides and keeps the side. Each undoes itself, and
    doing two is doing the XOR of their codes.
    """

    KEEP = 0
    MIRROR = 1
    FLIP = 2
    HALF_TURN = 3

    @property
    def swaps_sides(self) -> bool:
        return bool(self & 1)

    @property
    def swaps_ends(self) -> bool:
        return bool(self & 2)

    @property
    def changes_side(self) -> bool:
        """Whether the frame reads as the other foot afterwards."""
        return self in (Turn.MIRROR, Turn.FLIP)

    def then(self, other: Turn) -> Turn:
        """This turn followed by ``other``."""
        return Turn(self ^ other)

    def apply(self, picture: np.ndarray) -> np.ndarray:
        """A canonical picture (mask or image, rows x cols[, ch]) seen after this turn."""
        rows = slice(None, None, -1 if self.swaps_ends else 1)
        cols = slice(None, None, -1 if self.swaps_sides else 1)
        return picture[rows, cols]


@dataclass(frozen=True)
class FootFrame:
    """A candidate mapped to the canonical frame.

    Attributes
    ----------
    to_canonical : ndarray, shape (2, 3)
        Affine map from working-image (x, y) to canonical (col, row) pixels. Row 0 is the
        tip of the toes, row ``CANONICAL_LENGTH - 1`` the back of the heel (toe up, as a
        person looks at it); column 0 is the medial side.
    mirrored : bool
        Whether the map mirrors the photo (the medial side was on the image's right with
        the toe up).
    mask : ndarray, shape (CANONICAL_LENGTH, CANONICAL_WIDTH), bool
        The object in the canonical frame.
    u, v : ndarray, shape (CANONICAL_LENGTH, CANONICAL_WIDTH), float32
        Domain coordinates of every canonical pixel (NaN outside the object): ``u`` 0 at
        the heel to 1 at the toe, ``v`` -1 at the medial edge to +1 at the lateral edge.
    medial_edge, lateral_edge : ndarray, shape (CANONICAL_LENGTH,)
        Column of the medial and lateral edge on each row (NaN on empty rows).
    length_px : float
        Heel-to-toe length in working-image pixels.
    medial_confidence : float
        How sure the concavity test is about which side is medial, 0.5 to 1.
    toe_confidence : float
        How sure the width test is about which end is the toe, 0.5 to 1.
    side_confidence : float
        How sure the frame is of the side: from the two tests above as fitted, or the
        orientation model's probability once it has corrected the frame (see
        :func:`orientation_vector`).
    """

    to_canonical: np.ndarray
    mirrored: bool
    mask: np.ndarray
    u: np.ndarray
    v: np.ndarray
    medial_edge: np.ndarray
    lateral_edge: np.ndarray
    length_px: float
    medial_confidence: float
    toe_confidence: float
    side_confidence: float

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Map canonical (col, row) points, shape (n, 2), back to working-image (x, y)."""
        inverse = cv2.invertAffineTransform(self.to_canonical)
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return pts @ inverse[:, :2].T + inverse[:, 2]

    def toe_and_heel(self) -> tuple[np.ndarray, np.ndarray]:
        """Working-image (x, y) of the frame's toe end and heel end, on its centre line."""
        centre = CANONICAL_WIDTH / 2.0
        toe, heel = self.to_image(np.array([[centre, 0.0], [centre, CANONICAL_LENGTH - 1.0]]))
        return toe, heel

    def side(self, view: View) -> str:
        """Left or right, from the mirror needed to put the medial side left."""
        # Canonical puts the medial side on the left with the toe up; if that needed no
        # mirror, the photo had its medial edge on the image's left.
        return side_from_medial(view, medial_left=not self.mirrored)

    def turned(self, turn: Turn, *, side_confidence: float) -> FootFrame:
        """This frame with the canonical picture mirrored and/or flipped end for end."""
        if turn == Turn.KEEP:
            return replace(self, side_confidence=side_confidence)
        swap_sides, swap_ends = turn.swaps_sides, turn.swaps_ends
        flip = np.array(
            [
                [-1.0 if swap_sides else 1.0, 0.0, CANONICAL_WIDTH - 1.0 if swap_sides else 0.0],
                [0.0, -1.0 if swap_ends else 1.0, CANONICAL_LENGTH - 1.0 if swap_ends else 0.0],
            ]
        )
        to_canonical = flip @ np.vstack([self.to_canonical, [0.0, 0.0, 1.0]])
        mask = np.ascontiguousarray(turn.apply(self.mask))
        medial_edge, lateral_edge = _edges(mask)
        u, v = _frame_coordinates(mask, medial_edge, lateral_edge)
        return FootFrame(
            to_canonical=to_canonical,
            mirrored=self.mirrored != turn.changes_side,
            mask=mask,
            u=u,
            v=v,
            medial_edge=medial_edge,
            lateral_edge=lateral_edge,
            length_px=self.length_px,
            medial_confidence=self.medial_confidence,
            toe_confidence=self.toe_confidence,
            side_confidence=side_confidence,
        )

    def turned_like(self, other: FootFrame) -> FootFrame:
        """This frame turned so that its toe end and its medial side are ``other``'s (a
        frame fitted anew to another outline of the same object), with ``other``'s side
        confidence."""
        toe, heel = self.toe_and_heel()
        other_toe, other_heel = other.toe_and_heel()
        swaps_ends = float(np.dot(toe - heel, other_toe - other_heel)) < 0
        changes_side = self.mirrored != other.mirrored
        turn = Turn(int(changes_side != swaps_ends) + 2 * int(swaps_ends))
        return self.turned(turn, side_confidence=other.side_confidence)

    def canonical_image(
        self, image: np.ndarray, *, interpolation: int = cv2.INTER_LINEAR
    ) -> np.ndarray:
        """Warp ``image`` (working pixels, (rows, cols[, ch])) into the canonical frame."""
        return cv2.warpAffine(
            image,
            self.to_canonical,
            (CANONICAL_WIDTH, CANONICAL_LENGTH),
            flags=interpolation,
            borderMode=cv2.BORDER_REPLICATE,
        )


class PixelModel(Protocol):
    """What a per-pixel classifier (the segmenter, the imprint model) must offer:
    scikit-learn's predict_proba."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray: ...


def segment_small(
    image: np.ndarray, long_side: int = SEGMENT_LONG_SIDE
) -> tuple[np.ndarray, float]:
    """The working image shrunk to the segmentation scale (or another ``long_side``).

    Returns
    -------
    small : ndarray, shape (r, c, 3), uint8 BGR
        Long side ``long_side``.
    scale : float
        Small pixels per working pixel.
    """
    rows, cols = image.shape[:2]
    scale = long_side / max(rows, cols)
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


PIXEL_FEATURES: tuple[str, ...] = (
    "L",
    "a",
    "b",
    "L_blur3",
    "a_blur3",
    "b_blur3",
    "L_blur10",
    "a_blur10",
    "b_blur10",
    "texture5",
    "texture11",
    "texture21",
    "gradient",
    "border_colour_distance",
    "border_colour_distance_blur8",
    "dominant_colour_distance",
    "centre_surround",
    "border_texture_ratio",
    "border_distance",
    "saturation",
    "lightness_vs_border",
)


def pixel_features(small: np.ndarray) -> np.ndarray:
    """Per-pixel colour, texture and context features for the sole/background classifier.

    Besides a pixel's own colour and texture, the features say how far it stands from the
    photo's border colours, from the photo's dominant colour and from its surroundings:
    which colours are background changes from photo to photo, and these make the
    classifier adapt. Heavy-tailed measures enter as log(1 + x), which keeps a small
    network stable on photos unlike its training photos.

    Parameters
    ----------
    small : ndarray, shape (r, c, 3), uint8 BGR
        The image at the segmentation scale.

    Returns
    -------
    ndarray, shape (r * c, len(PIXEL_FEATURES)), float32
    """
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    blur3 = cv2.GaussianBlur(lab, (0, 0), 3.0)
    # Wide blurs are computed on a quarter-size copy: the result is smooth anyway, and a
    # sigma of 20 pixels at full size would cost more than the rest put together.
    blur10, blur20 = _wide_blur(lab, 10.0), _wide_blur(lab, 20.0)
    light = lab[:, :, 0]
    texture5 = _local_std(light, 5)
    gx = cv2.Sobel(light, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(light, cv2.CV_32F, 0, 1, ksize=3)

    shape = light.shape
    rows, cols = shape
    border = _border_mask(shape)
    border_dist = _min_distance(blur3, _kmeans(blur3[border], k=4))
    everything = blur3.reshape(-1, 3)[:: max(1, light.size // 4000)]
    dominant_dist = _min_distance(blur3, _kmeans(everything, k=3, dominant_only=True))
    border_tex = float(np.median(texture5[border]))
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float32)
    edge_dist = np.minimum(np.minimum(yy, rows - 1 - yy), np.minimum(xx, cols - 1 - xx))
    saturation = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1].astype(np.float32)
    border_light = float(np.median(blur3[:, :, 0][border]))

    columns = [
        *(lab[:, :, i] for i in range(3)),
        *(blur3[:, :, i] for i in range(3)),
        *(blur10[:, :, i] for i in range(3)),
        np.log1p(texture5),
        np.log1p(_local_std(light, 11)),
        np.log1p(_local_std(light, 21)),
        np.log1p(cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), 2.0)),
        np.log1p(border_dist),
        np.log1p(_wide_blur(border_dist, 8.0)),
        np.log1p(dominant_dist),
        np.log1p(np.sqrt(((blur3 - blur20) ** 2).sum(axis=2))),
        np.log1p(texture5 / (border_tex + 2.0)),
        edge_dist / (min(rows, cols) / 2.0),
        cv2.GaussianBlur(saturation, (0, 0), 2.0),
        blur3[:, :, 0] - border_light,
    ]
    out = np.empty((rows * cols, len(PIXEL_FEATURES)), dtype=np.float32)
    for i, column in enumerate(columns):
        out[:, i] = column.ravel()
    return out


def _wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    rows, cols = image.shape[:2]
    small = cv2.resize(image, (max(1, cols // 4), max(1, rows // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4.0)
    return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)


def _local_std(gray: np.ndarray, size: int) -> np.ndarray:
    mean = cv2.blur(gray, (size, size))
    return np.sqrt(np.maximum(cv2.blur(gray * gray, (size, size)) - mean * mean, 0.0))


def _kmeans(samples: np.ndarray, *, k: int, dominant_only: bool = False) -> np.ndarray:
    samples = np.ascontiguousarray(samples.reshape(-1, 3), dtype=np.float32)
    if samples.shape[0] > 4000:
        samples = samples[:: samples.shape[0] // 4000]
    k = min(k, samples.shape[0])
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    # A fixed seed keeps segmentation deterministic: OpenCV's k-means++ draws at random.
    cv2.setRNGSeed(12345)
    best_labels = np.zeros((samples.shape[0], 1), np.int32)
    _, labels, centres = cv2.kmeans(samples, k, best_labels, criteria, 1, cv2.KMEANS_PP_CENTERS)
    if dominant_only:
        counts = np.bincount(labels.ravel(), minlength=k)
        return centres[[int(np.argmax(counts))]]
    return centres


def _min_distance(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    flat = lab.reshape(-1, 3)
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, for all centres at once. The reductions over
    # 3 channels and over a handful of centres run as einsum and a loop of minimums:
    # numpy's sum and min along so short an axis are several times slower.
    cross = flat @ (-2.0 * centres.T)
    nearest = cross[:, 0] + float((centres[0] ** 2).sum())
    for k in range(1, centres.shape[0]):
        np.minimum(nearest, cross[:, k] + float((centres[k] ** 2).sum()), out=nearest)
    sq = nearest + np.einsum("ij,ij->i", flat, flat)
    return np.sqrt(np.maximum(sq, 0.0)).reshape(lab.shape[:2]).astype(np.float32)


def segment(small: np.ndarray, pixel_model: PixelModel) -> np.ndarray:
    """Mask of the sole and insole pixels of a photo.

    Parameters
    ----------
    small : ndarray, shape (r, c, 3), uint8 BGR
        The photo at the segmentation scale (:func:`segment_small`).
    pixel_model : PixelModel
        The fitted pixel classifier (class 1 = sole or insole).

    Returns
    -------
    ndarray, shape (r, c), uint8 in {0, 255}
        Holes filled.
    """
    proba = pixel_model.predict_proba(pixel_features(small))[:, 1].reshape(small.shape[:2])
    proba = cv2.GaussianBlur(proba.astype(np.float32), (0, 0), 1.0)
    mask = (proba > 0.5).astype(np.uint8) * 255
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disk(5))
    opened = cv2.morphologyEx(closed, cv2.MORPH_OPEN, _disk(3))
    return _fill_holes(np.asarray(opened, dtype=np.uint8))


def contrast_masks(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Objects that stand out from the photo's border by colour or texture.

    A second, model-free opinion beside the pixel classifier: it finds any object that
    differs plainly from the floor, which the classifier can miss on a photo unlike its
    training photos. A large region that differs from the border but cannot be a sole
    (a sheet of paper on a floor, a scanner bed inside its ruler frame) is searched again
    from the inside, with its own rim as the background. So is a smaller region with a
    soft edge, which light makes, not an object (a bright pool of light on the floor,
    with the shoes in it): both that region and what stands out inside it are kept, for
    the sole model to judge.

    Parameters
    ----------
    small : ndarray, shape (r, c, 3), uint8 BGR
        The image at the segmentation scale.

    Returns
    -------
    against_border, inside_regions : ndarray, shape (r, c), uint8 in {0, 255}
        What stands out from the border, and what stands out inside its larger regions.
    """
    lab = cv2.blur(cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32), (3, 3))
    texture = _local_std(lab[:, :, 0], 5)
    border = _border_mask(lab.shape)
    everything = np.ones(lab.shape[:2], dtype=bool)
    mask = _stands_out(lab, texture, background=border, region=everything)
    against_border = np.zeros_like(mask)
    inside_regions = np.zeros_like(mask)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, n):
        region = labels == i
        share = stats[i, cv2.CC_STAT_AREA] / mask.size
        if share > NOT_A_SOLE_SHARE:
            against_border |= _stands_out_inside(lab, texture, region)
            continue
        if share > LARGE_REGION_SHARE and _has_soft_edge(lab[:, :, 0], region):
            inside_regions |= _stands_out_inside(lab, texture, region)
        against_border[region] = 255
    return against_border, inside_regions


def _stands_out_inside(lab: np.ndarray, texture: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Pixels of ``region`` that stand out from its own rim."""
    rim = region & ~cv2.erode(region.astype(np.uint8), _disk(7)).astype(bool)
    return _stands_out(lab, texture, background=rim, region=region)


def _has_soft_edge(lightness: np.ndarray, region: np.ndarray) -> bool:
    """Whether the lightness changes gently across the region's edge (SOFT_EDGE_GRADIENT)."""
    smooth = cv2.GaussianBlur(lightness, (0, 0), 1.0)
    # Sobel's 3x3 kernels weigh a step by 8: divided, this is lightness per pixel.
    gradient = cv2.magnitude(
        cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    )
    band = region.astype(np.uint8)
    edge = cv2.dilate(band, _disk(3)) > cv2.erode(band, _disk(3))
    return float(np.median(gradient[edge])) / 8.0 < SOFT_EDGE_GRADIENT


def _stands_out(
    lab: np.ndarray, texture: np.ndarray, *, background: np.ndarray, region: np.ndarray
) -> np.ndarray:
    """Pixels of ``region`` whose colour or texture differs from the ``background`` sample."""
    dist = _min_distance(lab, _kmeans(lab[background], k=4))
    tex_floor = max(float(np.percentile(texture[background], 90)), 2.0)
    score = dist / max(float(np.percentile(dist[background], 95)), 6.0)
    score += np.maximum(texture - tex_floor, 0.0) / tex_floor * 0.5
    score = np.asarray(cv2.GaussianBlur(score, (0, 0), 1.2), dtype=np.float32)
    raw = ((score > 1.6) & region).astype(np.uint8) * 255
    closed = cv2.morphologyEx(raw, cv2.MORPH_CLOSE, _disk(5))
    mask = np.asarray(cv2.morphologyEx(closed, cv2.MORPH_OPEN, _disk(3)), dtype=np.uint8)
    mask[~region] = 0
    return _fill_holes(np.asarray(mask, dtype=np.uint8))


def _disk(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _border_mask(shape: tuple[int, ...]) -> np.ndarray:
    """The photo's border, 3% of its long side wide (at least 2 pixels): the floor's
    sample for the pixel features, the contrast mask and the cut from the border."""
    width = max(2, round(0.03 * max(shape[:2])))
    border = np.zeros(shape[:2], dtype=bool)
    border[:width, :] = True
    border[-width:, :] = True
    border[:, :width] = True
    border[:, -width:] = True
    return border


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled


def refined_by_graph_cut(small: np.ndarray, piece: np.ndarray) -> np.ndarray | None:
    """The object ``piece`` outlines, its outline settled on the object's edge by a graph
    cut (OpenCV's GrabCut), or None.

    The pixel classifier judges each pixel alone at 240 pixels along the photo. It can
    find only part of an insole (the darker imprint without the lighter rim, the foam
    without its printed logo), and it can take in floor that looks like the object (tile
    grout beside a dark outsole, the streaks of brushed metal around a green insole).
    The graph cut learns the colours of the object (what the classifier found) and of
    the floor around it (out to REFINE_REACH square roots of its area, and beyond that
    floor for sure), and moves the outline to where those colours part along the
    picture's edges: the outline can grow over the rest of an object and shrink off
    floor alike.

    Parameters
    ----------
    small : ndarray, shape (r, c, 3), uint8 BGR
        The photo at the segmentation scale.
    piece : ndarray, shape (r, c), uint8 in {0, 1}
        The object found.

    Returns
    -------
    ndarray, shape (r, c), uint8 in {0, 1}, or None
        The largest object the cut leaves, holes filled; None where it keeps less than
        REFINED_MIN_SHARE of the object (it has lost the object), or where there is too
        little object to learn from.
    """
    area = int(piece.sum())
    if area < 20:
        return None
    near = cv2.dilate(piece, _disk(2 * round(REFINE_REACH * np.sqrt(area)) + 1))
    # Only the box around the reach takes part: the rest of the photo is floor for sure
    # and would cost time (the cut's cost grows with its pixels).
    x, y, w, h = cv2.boundingRect(near)
    x0, y0 = max(x - 3, 0), max(y - 3, 0)
    x1, y1 = min(x + w + 3, piece.shape[1]), min(y + h + 3, piece.shape[0])
    labels = np.full((y1 - y0, x1 - x0), cv2.GC_BGD, np.uint8)
    labels[near[y0:y1, x0:x1] > 0] = cv2.GC_PR_BGD
    labels[piece[y0:y1, x0:x1] > 0] = cv2.GC_PR_FGD
    if not _graph_cut(np.ascontiguousarray(small[y0:y1, x0:x1]), labels):
        return None
    kept = np.zeros_like(piece)
    kept[y0:y1, x0:x1] = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    n, components, stats, _ = cv2.connectedComponentsWithStats(kept, connectivity=8)
    if n < 2:
        return None
    largest = (components == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    refined = _fill_holes(largest * 255) // 255
    if refined.sum() < REFINED_MIN_SHARE * area:
        return None
    return refined


def _graph_cut(picture: np.ndarray, labels: np.ndarray) -> bool:
    """Run OpenCV's GrabCut on ``picture``, started from ``labels`` (GC_* per pixel),
    which it rewrites in place; False where it cannot learn its colour models (too few
    distinct pixels)."""
    # GrabCut starts its colour models with k-means seeded from OpenCV's random number
    # generator (one per thread): seeded here, the same photo gives the same outline.
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(
            picture,
            labels,
            (0, 0, picture.shape[1], picture.shape[0]),  # unused: the labels start the cut
            np.zeros((1, 65)),
            np.zeros((1, 65)),
            REFINE_ROUNDS,
            cv2.GC_INIT_WITH_MASK,
        )
    except cv2.error:
        return False
    return True


def cut_from_border(image: np.ndarray, *, min_area_fraction: float = 0.01) -> list[Candidate]:
    """Objects a graph cut of the whole photo parts from its border, touching soles split
    apart: a third opinion, asked only where the other two give no sole
    (``Analyzer._pick_soles``).

    The pixel classifier and the contrast mask can both miss a light sole on a light,
    patterned floor: on a white insole on pale tiles the classifier outlines the grout
    and the insole's shaded edge, and the contrast mask's sample of the border holds the
    tiles' light and the grout's dark alike, so the insole does not stand out from it.
    The graph cut takes the border as floor for sure and the rest of the photo as
    object, learns the colours of both, and lets go of what in the middle has the
    floor's colours (the tiles, the grout) along the picture's edges.

    ``image`` is the working image (uint8 BGR); the objects come largest first.
    """
    small, scale = segment_small(image, BORDER_CUT_LONG_SIDE)
    labels = np.full(small.shape[:2], cv2.GC_PR_FGD, np.uint8)
    labels[_border_mask(small.shape)] = cv2.GC_BGD
    if not _graph_cut(small, labels):
        return []
    found = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8) * 255
    # Specks of object colour in the floor (a tile's fleck) are no object.
    found = _fill_holes(np.asarray(cv2.morphologyEx(found, cv2.MORPH_OPEN, _disk(3)), np.uint8))
    candidates: list[Candidate] = []
    for blob, pieces in enumerate(_large_components(found, min_area_fraction * found.size)):
        cut_from = blob if len(pieces) == 2 else None
        candidates.extend(_candidate(piece, scale, cut_from) for piece in pieces)
    return sorted(candidates, key=lambda c: -c.mask_area)


def _large_components(
    mask: np.ndarray, min_area: float, max_components: int = 6
) -> list[list[np.ndarray]]:
    """The largest components of ``mask`` of at least ``min_area`` pixels, largest
    first, each as the pieces ``_split_touching`` leaves: itself, or two touching soles."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [
        _split_touching((labels == i).astype(np.uint8), min_area=min_area)
        for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:max_components] + 1
        if stats[i, cv2.CC_STAT_AREA] >= min_area
    ]


def find_candidates(
    image: np.ndarray,
    pixel_model: PixelModel,
    *,
    min_area_fraction: float = 0.01,
    max_candidates: int = 6,
) -> list[Candidate]:
    """Objects in the photo large enough to be a sole, touching soles split apart.

    Objects come from two opinions: the pixel classifier and the model-free contrast
    mask. An object both find is kept once (the classifier's outline); what only one
    finds is kept too, and the sole classifier decides later what is a sole. A sheet of
    paper with contact prints on it gives the prints instead (:func:`prints_on_sheet`).

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.

    Returns
    -------
    list of Candidate
        Largest first, at most ``max_candidates``.
    """
    small, scale = segment_small(image)
    mask = segment(small, pixel_model)
    min_area = min_area_fraction * mask.size
    pieces: list[tuple[np.ndarray, int | None]] = []
    blobs_cut = 0
    for source in (mask, *contrast_masks(small)):
        for split in _large_components(source, min_area, max_candidates):
            cut_from = None
            if len(split) == 2:
                cut_from = blobs_cut
                blobs_cut += 1
            for piece in split:
                if not any(mask_iou(piece, kept) > 0.5 for kept, _ in pieces):
                    pieces.append((piece, cut_from))
    candidates: list[Candidate] = []
    for piece, cut_from in pieces:
        candidate = _candidate(piece, scale, cut_from)
        # A piece cut from a blob runs straight along the cut, as a sheet's side does.
        prints = prints_on_sheet(image, candidate.contour) if cut_from is None else []
        if prints:
            # The prints stand for the sheet. Each stays off the sheet's edge, so it is
            # counted as off the photo's border, which a sheet running past the photo's
            # edge would make wrong (a print there is not measured against the border).
            candidates.extend(
                Candidate(contour=p, mask_area=float(cv2.contourArea(p)), touches_border=0.0)
                for p in prints
            )
            continue
        candidates.append(candidate)
    candidates.sort(key=lambda c: -c.mask_area)
    return candidates[:max_candidates]


def _candidate(piece: np.ndarray, scale: float, cut_from: int | None) -> Candidate:
    """The object a mask at the segmentation scale holds, in working pixels."""
    rows, cols = piece.shape
    contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea).reshape(-1, 2)
    on_border = (
        (contour[:, 0] <= 1)
        | (contour[:, 1] <= 1)
        | (contour[:, 0] >= cols - 2)
        | (contour[:, 1] >= rows - 2)
    )
    # Segmentation pixel centres sit half a pixel in from their corners.
    working = ((contour.astype(np.float32) + 0.5) / scale - 0.5).astype(np.float32)
    return Candidate(
        contour=working,
        mask_area=float(piece.sum()) / scale**2,
        touches_border=float(on_border.mean()),
        cut_from=cut_from,
    )


def refined_candidate(image: np.ndarray, candidate: Candidate) -> Candidate | None:
    """``candidate`` with its outline settled on the object's edge
    (:func:`refined_by_graph_cut`, at the segmentation scale), or None where the cut
    loses the object. A piece cut from a blob stays marked as one.

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.
    """
    small, scale = segment_small(image)
    piece = np.zeros(small.shape[:2], np.uint8)
    outline = (candidate.contour + 0.5) * scale - 0.5
    cv2.fillPoly(piece, [np.round(outline).astype(np.int32)], 1)
    refined = refined_by_graph_cut(small, piece)
    return None if refined is None else _candidate(refined, scale, candidate.cut_from)


def prints_on_sheet(image: np.ndarray, contour: np.ndarray) -> list[np.ndarray]:
    """Outlines of the contact prints on a sheet of paper outlined by ``contour``.

    Empty unless the outline is sheet-like (SHEET_FILL, SHEET_STRAIGHT_RUN) and holds dark
    ink on light paper closing into one or two sole-shaped blobs (see SHEET_FILL).

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.
    contour : ndarray, shape (n, 2)
        An object's outline in working pixels (x, y).

    Returns
    -------
    list of ndarray, shape (m, 2), float32
        At most two outlines in working pixels, largest first.
    """
    outline = np.asarray(contour, dtype=np.float32)
    if not _sheet_like(outline):
        return []
    (_, _), (w, h), _ = cv2.minAreaRect(outline)
    area = float(cv2.contourArea(outline))
    length = max(w, h)
    crop = _SearchCrop.around(image, outline, length=length, search_length=INK_SEARCH_LENGTH)
    sheet = crop.filled(outline)
    # Keep off the sheet's edge, where the table's shadow and the outline's error lie.
    margin = max(2, round(0.03 * min(w, h) * crop.scale))
    inner = cv2.erode(sheet, _disk(2 * margin + 1)) > 0
    if not inner.any():
        return []
    blobs = _ink_blobs(crop.image, inner, closing=round(INK_CLOSING * length * crop.scale))
    if blobs is None:
        return []
    rim = inner & ~(cv2.erode(inner.astype(np.uint8), _disk(3)) > 0)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    sheet_area = area * float(crop.factor[0] * crop.factor[1])
    prints = []
    for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA]) + 1:
        share = stats[i, cv2.CC_STAT_AREA] / sheet_area
        if share < PRINT_SHARE[0]:
            break
        blob = labels == i
        # A blob that fills the sheet or runs along its edge is the sheet's own content.
        if share > PRINT_SHARE[1] or (blob & rim).sum() > 0.25 * rim.sum():
            return []
        outline_found = crop.outline_of(blob)
        if not PRINT_ELONGATION[0] <= _elongation(outline_found) <= PRINT_ELONGATION[1]:
            return []
        prints.append(outline_found)
    return prints[:2]


def _sheet_like(outline: np.ndarray) -> bool:
    """Whether an outline (float32, (n, 2)) is rectangular enough to be a sheet of paper,
    with a straight side: itself (SHEET_FILL) or its convex hull (SHEET_HULL_FILL)."""
    (_, _), (w, h), _ = cv2.minAreaRect(outline)
    length = max(w, h)
    hull = cv2.convexHull(outline).reshape(-1, 2)
    return any(
        float(cv2.contourArea(shape)) >= fill * w * h
        and longest_straight_run(shape, length, 0.02) >= SHEET_STRAIGHT_RUN
        for shape, fill in ((outline, SHEET_FILL), (hull, SHEET_HULL_FILL))
    )


def print_outline(image: np.ndarray, contour: np.ndarray) -> np.ndarray | None:
    """The outline of a contact print from its own ink (see PRINT_OUTLINE_PAD).

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.
    contour : ndarray, shape (n, 2)
        The print's outline as the locator found it, working pixels (x, y).

    Returns
    -------
    ndarray, shape (m, 2), float32, or None
        The outline of the closed ink in working pixels; None where the outline holds no
        dark ink on light paper or the ink closes into a shape unlike the outline found.
    """
    outline = np.asarray(contour, dtype=np.float32)
    (_, _), (w, h), _ = cv2.minAreaRect(outline)
    length = max(w, h)
    crop = _SearchCrop.around(
        image,
        outline,
        length=length,
        search_length=INK_SEARCH_LENGTH,
        pad=round(PRINT_OUTLINE_PAD * length) + 2,
    )
    found = crop.filled(outline) > 0
    reach = max(1, round(PRINT_OUTLINE_PAD * length * crop.scale))
    region = cv2.dilate(found.astype(np.uint8), _disk(2 * reach + 1)) > 0
    blobs = _ink_blobs(crop.image, region, closing=round(INK_CLOSING * length * crop.scale))
    if blobs is None:
        return None
    # The print is the blob over most of the outline found.
    count, labels = cv2.connectedComponents(blobs, connectivity=8)
    if count < 2:
        return None
    overlaps = np.bincount(labels[found], minlength=count)[1:]
    blob = labels == int(np.argmax(overlaps)) + 1
    if mask_iou(blob, found) < PRINT_OUTLINE_MIN_IOU and not _on_its_sheet(blob, found):
        return None
    # Where a recessed shank kept the sole off the paper and the rim printed faint, the
    # ink leaves a bite out of the print's inner side. Give back what of the ink's convex
    # hull the outline found covers: the sole's own arch concavity lies outside that
    # outline, so it stays. On the left real scan's first visit the bite took a third of
    # the midfoot's width (turned copies agreed at IoU 0.86 to 0.87; with the bite given
    # back, 0.93 to 0.95); eroding the outline found by PRINT_OUTLINE_PAD first, against
    # its looseness, gave back only part of it. An outline found that took in the
    # print's sheet (_on_its_sheet) gives back the whole hull, the arch's concavity too:
    # on 800 rendered prints (seeds 8080 and 8181) that read better than the ink alone
    # (print macro-F1 0.942 and 0.933 against 0.939 and 0.925), as the model learned
    # from prints outlined loosely at the arch.
    hull = np.zeros_like(blobs)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(blob.astype(np.uint8))), 255)
    blob |= (hull > 0) & found
    return crop.outline_of(blob)


def _on_its_sheet(blob: np.ndarray, found: np.ndarray) -> bool:
    """Whether the print ``blob`` lies within the outline ``found`` as a print on the
    sheet the outline took in (see PRINT_WITHIN_SHEET); both bool masks of one crop."""
    size = int(blob.sum())
    elongation = _elongation(cv2.findNonZero(blob.astype(np.uint8)))
    return bool(
        np.count_nonzero(blob & found) >= PRINT_WITHIN_SHEET * size
        and size >= PRINT_SHARE[0] * int(found.sum())
        and PRINT_ELONGATION[0] <= elongation <= PRINT_ELONGATION[1]
    )


@dataclass(frozen=True)
class _SearchCrop:
    """A box of the working image around an outline, shrunk so the outline is about
    ``search_length`` pixels long (never enlarged); maps outlines in and out of it."""

    image: np.ndarray
    corner: np.ndarray  # working (x, y) of the box's top-left pixel
    factor: np.ndarray  # crop pixels per working pixel, (x, y): rounding makes them differ

    @property
    def scale(self) -> float:
        return float(self.factor.mean())

    @classmethod
    def around(
        cls,
        image: np.ndarray,
        outline: np.ndarray,
        *,
        length: float,
        search_length: int,
        pad: int = 0,
    ) -> _SearchCrop:
        x, y, bw, bh = cv2.boundingRect(outline)
        x0, y0 = max(x - pad, 0), max(y - pad, 0)
        x1 = min(x + bw + pad, image.shape[1])
        y1 = min(y + bh + pad, image.shape[0])
        full = image[y0:y1, x0:x1]
        scale = min(1.0, search_length / max(length, 1.0))
        size = (max(1, round(full.shape[1] * scale)), max(1, round(full.shape[0] * scale)))
        crop = cv2.resize(full, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else full
        factor = np.array(
            [crop.shape[1] / full.shape[1], crop.shape[0] / full.shape[0]], np.float32
        )
        return cls(image=crop, corner=np.array([x0, y0], np.float32), factor=factor)

    def filled(self, outline: np.ndarray) -> np.ndarray:
        """``outline`` (working pixels) filled in the crop, uint8 in {0, 1}."""
        mask = np.zeros(self.image.shape[:2], np.uint8)
        # Pixel centres sit half a pixel in from their corners.
        local = (outline - self.corner + 0.5) * self.factor - 0.5
        cv2.fillPoly(mask, [np.round(local).astype(np.int32)], 1)
        return mask

    def outline_of(self, blob: np.ndarray) -> np.ndarray:
        """The outer outline of ``blob`` (crop pixels) in working pixels, float32."""
        found, _ = cv2.findContours(blob.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        outline = max(found, key=cv2.contourArea).reshape(-1, 2).astype(np.float32)
        return np.asarray((outline + 0.5) / self.factor - 0.5 + self.corner, np.float32)


def _ink_blobs(image: np.ndarray, region: np.ndarray, *, closing: int) -> np.ndarray | None:
    """Dark ink on light paper inside ``region``, closed over gaps of about ``closing``
    pixels, filled, and opened as much to drop the thin strays the closing left: uint8
    in {0, 255}. None unless ``region`` holds light paper and ink much darker than it
    (PAPER_LIGHTNESS, INK_CONTRAST, INK_PERCENTILE)."""
    lightness = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)[:, :, 0]
    values = lightness[region]
    paper, darkest = np.percentile(values, [90, INK_PERCENTILE])
    if paper < PAPER_LIGHTNESS or paper - darkest < INK_CONTRAST:
        return None
    # Otsu splits the lightness between ink and paper; it puts the threshold on the ink
    # side (cv2.threshold keeps values above it).
    threshold, _ = cv2.threshold(values.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = ((lightness <= threshold) & region).astype(np.uint8) * 255
    # Nothing lies beyond the crop: a closing that took the crop's edge for ink drew the
    # box's straight sides onto prints near it.
    kernel = _disk(max(3, closing | 1))
    closed = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    filled = _fill_holes(np.asarray(closed, dtype=np.uint8))
    return np.asarray(cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel), dtype=np.uint8)


def longest_straight_run(contour: np.ndarray, length: float, tolerance: float = 0.005) -> float:
    """The longest stretch of an outline that runs straight, in units of ``length``.

    The outline is simplified to a polygon that stays within ``tolerance`` times
    ``length`` of it (cv2.approxPolyDP); the answer is its longest side over ``length``.

    Parameters
    ----------
    contour : ndarray, shape (n, 2)
        A closed outline, (x, y) pixels.
    length : float
        The object's length in the same pixels.
    tolerance : float
        How far the polygon may stray from the outline, in units of ``length``: half a
        percent follows a sole's curves; two percent rides over a ragged outline's steps.
    """
    points = np.asarray(contour, dtype=np.float32).reshape(-1, 1, 2)
    polygon = cv2.approxPolyDP(points, tolerance * length, True).reshape(-1, 2).astype(np.float64)
    sides = np.linalg.norm(np.roll(polygon, -1, axis=0) - polygon, axis=1)
    return float(sides.max()) / max(length, 1e-9)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two masks of one shape (bool, or uint8 with 0 for none)."""
    inter = float(np.count_nonzero(a & b))
    return inter / max(float(np.count_nonzero(a | b)), 1.0)


def _elongation(points: np.ndarray) -> float:
    """Long side over short side of the points' minimum-area rectangle."""
    (_, _), (w, h), _ = cv2.minAreaRect(points)
    return float(max(w, h) / max(min(w, h), 1.0))


def _sole_shaped(piece: np.ndarray) -> bool:
    """Whether a mask (uint8, 0 or 1) is as long for its width as one sole
    (SOLE_ELONGATION)."""
    low, high = SOLE_ELONGATION
    return low <= _elongation(cv2.findNonZero(piece)) <= high


def _split_touching(component: np.ndarray, *, min_area: float) -> list[np.ndarray]:
    """Split a blob of two soles that touch or overlap a little into two pieces.

    A single sole is about 2.2 to 3.2 times as long as it is wide; a pair side by side is
    squarer, a pair toe to heel longer. Such a blob is cut along a line between two deep
    notches of its outline, where the soles meet (_cut_at_notches); failing that, eroded
    until it falls into two large parts, each pixel going to the nearer part.
    """
    if _sole_shaped(component):
        return [component]
    for parts in (_cut_at_notches(component), _split_by_erosion(component)):
        if len(parts) == 2 and all(p.sum() >= max(min_area, 0.2 * component.sum()) for p in parts):
            return parts
    return [component]


def _cut_at_notches(component: np.ndarray) -> list[np.ndarray]:
    """The two pieces of a cut between two deep notches: of the cuts from the deepest
    notch that leave two pieces each shaped like a sole (SOLE_ELONGATION), the one whose
    pieces are closest in size (two shoes of a pair are); failing that, the first cut,
    deepest notches first, that leaves two pieces of comparable size; or none.

    Where two soles meet, the deepest notch is one end of the cut; the other end need not
    be the next deepest. Taking the two deepest cut an overlapping pair of outsoles across
    one of them (seed 90210, photo 49): one piece held a sole and a half. Cuts not from the
    deepest notch found sole-shaped pieces in round things too (the coins and the
    landscape among the sample images).
    """
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(contour, returnPoints=False)
    defects = cv2.convexityDefects(contour, hull)
    if defects is None or len(defects) < 2:
        return []
    size = float(np.sqrt(cv2.contourArea(contour)))
    deep = sorted(
        (d for d in defects.reshape(-1, 4) if d[3] / 256.0 > 0.06 * size), key=lambda d: -d[3]
    )
    first_cut: list[np.ndarray] = []
    best_cut: list[np.ndarray] = []
    best_balance = 0.0
    for i, first in enumerate(deep):
        if i > 0 and first_cut:  # only cuts from the deepest notch are weighed
            break
        for second in deep[i + 1 :]:
            a, b = contour[first[2], 0], contour[second[2], 0]
            cut = component.copy()
            cv2.line(cut, tuple(int(c) for c in a), tuple(int(c) for c in b), 0, 2)
            n, labels, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=4)
            if n - 1 < 2:
                continue
            largest = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:2] + 1
            larger, smaller = stats[largest, cv2.CC_STAT_AREA]
            # Two soles: the cut must leave two pieces of comparable size.
            if smaller < 0.3 * component.sum():
                continue
            parts = [(labels == j).astype(np.uint8) for j in largest]
            first_cut = first_cut or parts
            balance = smaller / larger
            if i == 0 and balance > best_balance and all(_sole_shaped(p) for p in parts):
                best_cut, best_balance = parts, balance
    return best_cut or first_cut


def _split_by_erosion(component: np.ndarray) -> list[np.ndarray]:
    area = float(component.sum())
    for radius in (2, 3, 5, 7, 9, 12, 15, 19, 24):
        eroded = cv2.erode(component, _disk(2 * radius + 1))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(eroded, connectivity=8)
        big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] > 0.12 * area]
        if len(big) < 2:
            continue
        markers = np.zeros(component.shape, dtype=np.uint8)
        for j, i in enumerate(sorted(big, key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:2]):
            markers[labels == i] = j + 1
        # Nearest marker for every pixel: a distance transform that carries labels.
        _, nearest = cv2.distanceTransformWithLabels(
            (markers == 0).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP
        )
        owner = np.zeros_like(markers)
        for j in (1, 2):
            owner[np.isin(nearest, np.unique(nearest[markers == j]))] = j
        return [((owner == j) & (component > 0)).astype(np.uint8) for j in (1, 2)]
    return []


def fit_frame(candidate: Candidate) -> FootFrame:
    """Map a candidate to the canonical frame: toe up, medial side on the left.

    The long axis comes from the outline's second moments. The forefoot is wider than the
    heel, which tells the toe end; the medial midfoot edge is concave (the arch) while the
    lateral edge is nearly straight, which tells the medial side.
    """
    contour = candidate.contour.astype(np.float64)
    moments = cv2.moments(contour.astype(np.float32))
    cx, cy = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    mu20, mu02, mu11 = moments["mu20"], moments["mu02"], moments["mu11"]
    theta = 0.5 * np.arctan2(2 * mu11, mu20 - mu02)
    e1 = np.array([np.cos(theta), np.sin(theta)])
    e2 = np.array([-e1[1], e1[0]])
    rel = contour - (cx, cy)
    s = rel @ e1
    length = float(s.max() - s.min())
    s_mid = float(s.max() + s.min()) / 2.0
    k = (CANONICAL_LENGTH - 8) / max(length, 1.0)

    def affine(mx: float, my: float) -> np.ndarray:
        # col = cx0 + k*mx*t ; row = cy0 - k*my*(s - s_mid), with (s, t) the axis coordinates.
        lin = np.array([[mx * e2[0], mx * e2[1]], [-my * e1[0], -my * e1[1]]]) * k
        offset = np.array([CANONICAL_WIDTH / 2.0, CANONICAL_LENGTH / 2.0 + k * my * s_mid])
        offset -= lin @ np.array([cx, cy])
        return np.hstack([lin, offset[:, None]])

    mask = _canonical_mask(contour, affine(1.0, 1.0))
    medial_edge, lateral_edge = _edges(mask)
    widths = lateral_edge - medial_edge
    # Rows run from the top (row 0) down; u grows upwards, toward row 0.
    rows = np.arange(CANONICAL_LENGTH)
    filled = np.isfinite(widths)
    top, bottom = rows[filled][0], rows[filled][-1]
    u_of_row = (bottom - rows) / max(bottom - top, 1)
    # The ball of the foot is the widest part: compare the widest row of each half.
    fore = np.nanmax(np.where((u_of_row > 0.5) & (u_of_row < 0.92), widths, np.nan))
    heel = np.nanmax(np.where((u_of_row > 0.05) & (u_of_row <= 0.5), widths, np.nan))
    toe_ratio = float(np.log(max(fore, 1e-3) / max(heel, 1e-3)))
    my = 1.0 if toe_ratio >= 0 else -1.0
    toe_confidence = _sigmoid(abs(toe_ratio) / 0.05)
    if my < 0:
        mask = mask[::-1, ::-1]
        medial_edge, lateral_edge = _edges(mask)
        top, bottom = CANONICAL_LENGTH - 1 - bottom, CANONICAL_LENGTH - 1 - top

    # The concave side: how far each edge dips inward at the midfoot below the chord from
    # heel to ball.
    dip_left = _edge_dip(medial_edge, left=True, top=top, bottom=bottom)
    dip_right = _edge_dip(lateral_edge, left=False, top=top, bottom=bottom)
    # The longest toe sits medially of the ball's centre: a second, independent cue.
    tip_shift = _tip_shift(mask, medial_edge, lateral_edge, top=top, bottom=bottom)
    medial_score = (dip_left - dip_right + TIP_WEIGHT * tip_shift) / CANONICAL_LENGTH
    mx = my if medial_score >= 0 else -my
    medial_confidence = _sigmoid(abs(medial_score) / 0.012)
    to_canonical = affine(mx, my)
    mask = _canonical_mask(contour, to_canonical)
    medial_edge, lateral_edge = _edges(mask)
    u, v = _frame_coordinates(mask, medial_edge, lateral_edge)
    return FootFrame(
        to_canonical=to_canonical,
        mirrored=bool(mx * my < 0),
        mask=mask,
        u=u,
        v=v,
        medial_edge=medial_edge,
        lateral_edge=lateral_edge,
        length_px=length,
        medial_confidence=medial_confidence,
        toe_confidence=toe_confidence,
        # Both the toe end and the medial side must be right for the side to be.
        side_confidence=medial_confidence * toe_confidence
        + (1 - medial_confidence) * (1 - toe_confidence),
    )


def orientation_vector(mask: np.ndarray, canonical: np.ndarray) -> np.ndarray:
    """A canonical picture as the orientation model reads it.

    Per band of rows from the heel end (bottom) to the toe end (top): the mean left and
    right edge, measured from the picture's centre line in object lengths, and how much
    of the span between them the object fills (a contact print's midfoot is partly
    empty); then, across each whole band, how light and how textured the object is
    against its own average (a heel block, a heel cup, a logo). The appearance is
    averaged across the foot on purpose: wear differs between the medial and lateral
    sides with the label, and a side read from wear would turn overpronation into
    underpronation when it errs; so only the outline tells medial from lateral.

    Parameters
    ----------
    mask : ndarray, shape (CANONICAL_LENGTH, CANONICAL_WIDTH), bool
    canonical : ndarray, shape (CANONICAL_LENGTH, CANONICAL_WIDTH, 3), uint8

    Returns
    -------
    ndarray, shape (ORIENTATION_FEATURES,)
        Left edges, right edges, fill, lightness, texture; NaN for a band without rows.
    """
    left, right = _edges(mask)
    rows = np.flatnonzero(np.isfinite(left))
    if rows.size == 0:
        return np.full(ORIENTATION_FEATURES, np.nan)
    top, bottom = int(rows[0]), int(rows[-1])
    span = float(max(bottom - top, 1))
    band = np.minimum(
        ((bottom - rows) / span * ORIENTATION_BINS).astype(np.int64), ORIENTATION_BINS - 1
    )
    centre = (mask.shape[1] - 1) / 2.0
    inside = mask[rows]
    gray = cv2.cvtColor(canonical, cv2.COLOR_BGR2GRAY).astype(np.float32)
    texture = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=3))
    gray_in, texture_in = gray[mask], texture[mask]
    lightness = (gray[rows] - gray_in.mean()) / max(float(gray_in.std()), 1.0)
    roughness = texture[rows] / max(float(texture_in.mean()), 1.0)
    pixels = inside.sum(axis=1).astype(np.float64)
    per_row = (
        (left[rows] - centre) / span,
        (right[rows] - centre) / span,
        pixels / (right[rows] - left[rows] + 1.0),
        (lightness * inside).sum(axis=1) / np.maximum(pixels, 1.0),
        (roughness * inside).sum(axis=1) / np.maximum(pixels, 1.0),
    )
    count = np.bincount(band, minlength=ORIENTATION_BINS).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_band = [
            np.bincount(band, weights=values, minlength=ORIENTATION_BINS) / count
            for values in per_row
        ]
    return np.concatenate(per_band)


def turned_orientation_vector(vector: np.ndarray, turn: Turn) -> np.ndarray:
    """What :func:`orientation_vector` reads of a picture turned by ``turn``, from what it
    read of the picture as it is: mirrored, the left edges are the right edges seen from
    the other side; flipped end for end, the bands come in the other order."""
    left, right, *across = np.split(np.asarray(vector, dtype=np.float64), ORIENTATION_BLOCKS)
    if turn.swaps_sides:
        left, right = -right, -left
    blocks = [left, right, *across]
    if turn.swaps_ends:
        blocks = [block[::-1] for block in blocks]
    return np.concatenate(blocks)


def turn_probabilities(probas: np.ndarray) -> np.ndarray:
    """How likely each turn puts an outline right, from the model's reading of it shown
    all four ways round.

    The orientation model learned every outline turned each way, but its trees are not
    exactly consistent: shown the same outline mirrored, they may not answer the mirror
    of what they answered before. Averaging over the four ways makes the answer the same
    whichever way round the locator left the outline.

    Parameters
    ----------
    probas : ndarray, shape (n, 4, 4)
        Per object, the model's probabilities of each turn (columns, by ``Turn`` code)
        for the outline as found turned by each turn (rows, by code).

    Returns
    -------
    ndarray, shape (n, 4)
        Per object, the probability of each turn (by code) for the outline as found.
    """
    codes = np.arange(len(Turn))
    # Shown turned by s, an outline that needs t as found needs t ^ s.
    needed = codes[None, :] ^ codes[:, None]
    return np.asarray(probas[:, codes[:, None], needed].mean(axis=1))


def _tip_shift(
    mask: np.ndarray, left_edge: np.ndarray, right_edge: np.ndarray, *, top: int, bottom: int
) -> float:
    """How far left of the ball's centre the toe tip lies, in canonical pixels."""
    span = bottom - top
    tip_rows = slice(top, top + max(2, int(0.06 * span)))
    cols = np.nonzero(mask[tip_rows])[1]
    ball_rows = slice(int(bottom - 0.8 * span), int(bottom - 0.55 * span))
    centres = (left_edge[ball_rows] + right_edge[ball_rows]) / 2.0
    if cols.size == 0 or not np.isfinite(centres).any():
        return 0.0
    return float(np.nanmean(centres) - cols.mean())


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _canonical_mask(contour: np.ndarray, to_canonical: np.ndarray) -> np.ndarray:
    pts = contour @ to_canonical[:, :2].T + to_canonical[:, 2]
    mask = np.zeros((CANONICAL_LENGTH, CANONICAL_WIDTH), dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 4).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=2)
    return mask.astype(bool)


def _edges(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last object column of each row (NaN where the row is empty)."""
    any_row = mask.any(axis=1)
    first = np.argmax(mask, axis=1).astype(np.float32)
    last = (mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)).astype(np.float32)
    first[~any_row] = np.nan
    last[~any_row] = np.nan
    return first, last


def _edge_dip(edge: np.ndarray, *, left: bool, top: int, bottom: int) -> float:
    """How far an edge bows inward at the midfoot, below the chord from heel to ball.

    The mean over the midfoot, on a row-median-filtered edge, so that a notch the
    segmentation bit out of one edge does not pass for an arch.
    """
    span = bottom - top
    filled = np.where(np.isfinite(edge), edge, np.nanmedian(edge)).astype(np.float32)
    smooth = cv2.medianBlur(filled.reshape(-1, 1), 5).ravel()
    smooth = np.convolve(np.pad(smooth, 10, mode="edge"), np.ones(21) / 21, mode="valid")

    def col_at(u: float) -> float:
        return float(smooth[int(round(bottom - u * span))])

    c0, c1 = col_at(0.2), col_at(0.7)
    us = np.linspace(0.33, 0.58, 11)
    chord = c0 + (c1 - c0) * (us - 0.2) / 0.5
    cols = np.array([col_at(float(u)) for u in us])
    inward = (cols - chord) if left else (chord - cols)
    return float(np.mean(inward))


def _frame_coordinates(
    mask: np.ndarray, medial_edge: np.ndarray, lateral_edge: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(mask.shape[0], dtype=np.float32)
    filled = np.isfinite(medial_edge)
    top, bottom = rows[filled][0], rows[filled][-1]
    u_row = (bottom - rows) / max(bottom - top, 1.0)
    cols = np.arange(mask.shape[1], dtype=np.float32)
    mid = (medial_edge + lateral_edge) / 2.0
    half = np.maximum((lateral_edge - medial_edge) / 2.0, 0.5)
    v = (cols[None, :] - mid[:, None]) / half[:, None]
    u = np.broadcast_to(u_row[:, None], mask.shape).copy()
    u[~mask] = np.nan
    v[~mask] = np.nan
    return u.astype(np.float32), np.clip(v, -1.0, 1.0).astype(np.float32)
