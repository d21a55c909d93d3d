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

from dataclasses import dataclass

import cv2
import numpy as np

from model.footshape import View, side_from_medial

# Segmentation runs on a small copy of the working image: the outline needs no detail.
SEGMENT_LONG_SIDE = 320
# Foot length in canonical pixels; tread texture is measured at this scale.
CANONICAL_LENGTH = 320
CANONICAL_WIDTH = 160
PROFILE_BINS = 24


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
    """

    contour: np.ndarray
    mask_area: float
    touches_border: float


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

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Map canonical (col, row) points, shape (n, 2), back to working-image (x, y)."""
        inverse = cv2.invertAffineTransform(self.to_canonical)
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return pts @ inverse[:, :2].T + inverse[:, 2]

    def side(self, view: View) -> str:
        """Left or right, from the mirror needed to put the medial side left."""
        # Canonical puts the medial side on the left with the toe up; if that needed no
        # mirror, the photo had its medial edge on the image's left.
        return side_from_medial(view, medial_left=not self.mirrored)

    @property
    def side_confidence(self) -> float:
        """Confidence in the side: both the toe end and the medial side must be right."""
        return float(
            self.medial_confidence * self.toe_confidence
            + (1 - self.medial_confidence) * (1 - self.toe_confidence)
        )

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


def segment(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Foreground mask of objects that stand out from their surroundings.

    The photo's border is taken as background. A large region that differs from the
    border but is not itself the object (a sheet of paper on a floor, the white bed of a
    scanner inside its ruler frame) is segmented again from the inside, with its own rim
    as the background.

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.

    Returns
    -------
    mask : ndarray, shape (r, c), uint8 in {0, 255}
        Foreground at the segmentation scale (long side ``SEGMENT_LONG_SIDE``).
    scale : float
        Segmentation pixels per working pixel.
    """
    rows, cols = image.shape[:2]
    scale = SEGMENT_LONG_SIDE / max(rows, cols)
    small = cv2.resize(
        image,
        (max(1, round(cols * scale)), max(1, round(rows * scale))),
        interpolation=cv2.INTER_AREA,
    )
    lab = cv2.blur(cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32), (3, 3))
    gray = lab[:, :, 0]
    # Texture: local standard deviation of lightness; a tread or an imprint stands out
    # from a plain floor even where the colours are alike.
    mean = cv2.blur(gray, (5, 5))
    texture = np.sqrt(np.maximum(cv2.blur(gray * gray, (5, 5)) - mean * mean, 0.0))

    everything = np.ones(gray.shape, dtype=bool)
    border = _border_mask(gray.shape, width=max(3, round(0.03 * max(gray.shape))))
    mask = _foreground(lab, texture, background=border, region=everything)
    total = float(gray.size)
    out = np.zeros_like(mask)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] > 0.45 * total:
            # Too big to be a sole at the framing we ask for: a sheet, a tray or a
            # scanner bed. Look inside it, with its own rim as the background.
            region = labels == i
            rim = region & ~cv2.erode(region.astype(np.uint8), _disk(9)).astype(bool)
            inner = _foreground(lab, texture, background=rim, region=region)
            out |= inner
        else:
            out[labels == i] = 255
    return out, scale


def _foreground(
    lab: np.ndarray, texture: np.ndarray, *, background: np.ndarray, region: np.ndarray
) -> np.ndarray:
    """Pixels of ``region`` whose colour or texture differs from the ``background`` sample."""
    samples = lab[background].reshape(-1, 3)
    if samples.shape[0] > 6000:
        samples = samples[:: samples.shape[0] // 6000]
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 15, 0.5)
    k = min(4, samples.shape[0])
    _, _, centers = cv2.kmeans(
        np.ascontiguousarray(samples), k, None, criteria, 1, cv2.KMEANS_PP_CENTERS
    )
    dist = np.full(lab.shape[:2], np.inf, dtype=np.float32)
    for c in centers:
        dist = np.minimum(dist, np.sqrt(((lab - c) ** 2).sum(axis=2)))
    bg_tex = texture[background]
    tex_floor = max(float(np.percentile(bg_tex, 90)), 2.0)
    score = dist / max(float(np.percentile(dist[background], 95)), 6.0)
    score += np.maximum(texture - tex_floor, 0.0) / tex_floor * 0.5
    score = cv2.GaussianBlur(score, (0, 0), 1.5)
    mask = ((score > 1.6) & region).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disk(7))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disk(5))
    mask[~region] = 0
    return _fill_holes(mask)


def _disk(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def _border_mask(shape: tuple[int, ...], *, width: int) -> np.ndarray:
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


def find_candidates(
    image: np.ndarray, *, min_area_fraction: float = 0.01, max_candidates: int = 6
) -> list[Candidate]:
    """Objects in the photo large enough to be a sole, touching soles split apart.

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8 BGR
        The working image.

    Returns
    -------
    list of Candidate
        Largest first, at most ``max_candidates``.
    """
    mask, scale = segment(image)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    min_area = min_area_fraction * mask.size
    pieces: list[np.ndarray] = []
    for i in np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:max_candidates] + 1:
        if stats[i, cv2.CC_STAT_AREA] < min_area:
            continue
        component = (labels == i).astype(np.uint8)
        pieces.extend(_split_touching(component, min_area=min_area))
    candidates = []
    rows, cols = mask.shape
    for piece in pieces:
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
        candidates.append(
            Candidate(
                contour=working,
                mask_area=float(piece.sum()) / scale**2,
                touches_border=float(on_border.mean()),
            )
        )
    candidates.sort(key=lambda c: -c.mask_area)
    return candidates[:max_candidates]


def _split_touching(component: np.ndarray, *, min_area: float) -> list[np.ndarray]:
    """Split a blob of two soles that touch or overlap a little into two pieces.

    A single sole is about 2.2 to 3.2 times as long as it is wide; a pair side by side is
    squarer, a pair toe to heel longer. Such a blob is eroded until it falls into two large
    parts, and every pixel then goes to the part it is nearest to.
    """
    (_, _), (w, h), _ = cv2.minAreaRect(cv2.findNonZero(component))
    elongation = max(w, h) / max(min(w, h), 1.0)
    if 1.9 <= elongation <= 3.8:
        return [component]
    area = float(component.sum())
    for radius in (2, 3, 5, 7, 9, 12, 15):
        eroded = cv2.erode(component, _disk(2 * radius + 1))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(eroded, connectivity=8)
        big = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] > 0.12 * area]
        if len(big) >= 2:
            markers = np.zeros(component.shape, dtype=np.uint8)
            for j, i in enumerate(sorted(big, key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:2]):
                markers[labels == i] = j + 1
            # Nearest marker for every pixel: a distance transform that carries labels.
            _, nearest = cv2.distanceTransformWithLabels(
                (markers == 0).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP
            )
            owner = np.zeros_like(markers)
            for j in (1, 2):
                ids = np.unique(nearest[markers == j])
                owner[np.isin(nearest, ids)] = j
            parts = [((owner == j) & (component > 0)).astype(np.uint8) for j in (1, 2)]
            if all(p.sum() >= min_area for p in parts):
                return parts
            break
    return [component]


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
    medial_score = (dip_left - dip_right) / CANONICAL_LENGTH
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
    )


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
