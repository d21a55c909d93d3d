"""Where a foot wears an outsole and presses an insole, by class, in the canonical frame.

Outsole wear is a field W(u, v) in [0, 1] (0 = fresh tread, 1 = worn smooth), the sum of
anatomically placed patches following the class table of the domain reference, with
random jitter in position, size and intensity, scaled by an overall amount of wear that
is drawn independently of the class (new-ish to heavily worn shoes). Class-independent
scuffs and a mottled modulation keep it from looking drawn.

An insole imprint is a footprint mask (toe-less print + toe blobs) whose Cavanagh-Rodgers
arch index is drawn from the class range and measured back from the rasterised mask, plus
a pressure field that darkens the areas the class loads most.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from model.footshape import LABELS, Label, edge_profiles
from model.synth.frame import CanonicalFrame

# One patch: (u centre, v_norm centre, u sigma, v sigma, amplitude).
_Patch = tuple[float, float, float, float, float]

WEAR_PATCHES: dict[str, tuple[_Patch, ...]] = {
    # Posterolateral heel (moderate), centre of the forefoot under the 1st-2nd
    # metatarsal heads, the big toe (moderate); the midfoot barely wears.
    "neutral": (
        (0.06, 0.50, 0.060, 0.45, 0.70),
        (0.71, -0.22, 0.055, 0.38, 0.50),
        (0.93, -0.45, 0.035, 0.30, 0.45),
    ),
    # Medial heel (often the whole medial half), the medial midfoot edge, the medial
    # forefoot under the 1st metatarsal head (strong), the inner edge of the big toe.
    "overpronation": (
        (0.13, -0.55, 0.090, 0.45, 0.85),
        (0.45, -0.95, 0.110, 0.25, 0.70),
        (0.70, -0.62, 0.060, 0.35, 0.95),
        (0.93, -0.65, 0.040, 0.30, 0.85),
    ),
    # Lateral heel reaching the back edge (strong), the lateral midfoot edge along its
    # length, the 4th-5th metatarsal heads, the little toes.
    "underpronation": (
        (0.05, 0.60, 0.080, 0.45, 0.95),
        (0.45, 0.92, 0.140, 0.22, 0.75),
        (0.70, 0.62, 0.060, 0.35, 0.85),
        (0.88, 0.70, 0.040, 0.30, 0.65),
    ),
}

# Arch-index ranges per class (the clinical ranges of the domain reference); the targets
# are drawn from a narrower band inside each, so a photo-based measurement with an error
# of about 0.01 still lands in the right class.
ARCH_INDEX_RANGES: dict[str, tuple[float, float]] = {
    "neutral": (0.21, 0.26),
    "overpronation": (0.27, 0.34),
    "underpronation": (0.08, 0.20),
}
# Mean wear over the sole per unit of ``amount`` (before scuffs).
MEAN_WEAR_PER_AMOUNT = 0.2


def arch_class(ai: float) -> Label:
    """The class whose clinical arch-index range holds ``ai``; in a gap between two
    ranges, the one whose edge is nearer."""

    def distance(label: Label) -> float:
        low, high = ARCH_INDEX_RANGES[label]
        return max(low - ai, 0.0, ai - high)

    return min(LABELS, key=distance)


_AI_DRAW: dict[str, tuple[float, float]] = {
    "neutral": (0.22, 0.25),
    "overpronation": (0.285, 0.335),
    "underpronation": (0.09, 0.185),
}

# Insole pressure (darkness) patches per class, (u, v_norm, su, sv, amplitude).
PRESSURE_PATCHES: dict[str, tuple[_Patch, ...]] = {
    "neutral": (
        (0.10, 0.00, 0.07, 0.45, 0.80),  # heel centre
        (0.71, -0.30, 0.06, 0.40, 0.75),  # 1st-2nd metatarsal heads
        (0.92, -0.50, 0.04, 0.30, 0.70),  # big toe
    ),
    "overpronation": (
        (0.11, -0.45, 0.08, 0.40, 0.85),  # medial heel
        (0.70, -0.60, 0.06, 0.35, 0.85),  # medial forefoot
        (0.92, -0.55, 0.04, 0.30, 0.85),  # big toe
        (0.45, -0.55, 0.10, 0.35, 0.65),  # the medial arch
    ),
    "underpronation": (
        (0.10, 0.45, 0.08, 0.40, 0.85),  # lateral heel
        (0.45, 0.70, 0.14, 0.30, 0.70),  # lateral border
        (0.70, 0.60, 0.06, 0.35, 0.85),  # 4th-5th metatarsal heads
    ),
}


def _patches_field(
    frame: CanonicalFrame,
    patches: tuple[_Patch, ...],
    rng: np.random.Generator,
    *,
    jitter: float = 1.0,
) -> np.ndarray:
    u = frame.u
    v = frame.v_norm
    out = np.zeros((frame.rows, frame.cols), np.float32)
    for u0, v0, su, sv, amp in patches:
        cu = u0 + rng.normal(0.0, 0.015 * jitter)
        cv = v0 + rng.normal(0.0, 0.08 * jitter)
        ku = su * rng.uniform(0.8, 1.25)
        kv = sv * rng.uniform(0.8, 1.25)
        a = amp * rng.uniform(0.8, 1.15)
        # Super-Gaussian: flatter tops, as a worn patch has a plateau.
        r2 = ((u - cu) / ku) ** 2 + ((v - cv) / kv) ** 2
        out += (a * np.exp(-(r2**1.4))).astype(np.float32)
    return out


def _lowfreq_noise(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> np.ndarray:
    small = rng.standard_normal((cells, max(2, cells * shape[1] // max(shape[0], 1)))).astype(
        np.float32
    )
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def outsole_wear(
    frame: CanonicalFrame, label: Label, amount: float, rng: np.random.Generator
) -> np.ndarray:
    """The wear field of one outsole.

    Parameters
    ----------
    frame : CanonicalFrame
    label : {"neutral", "overpronation", "underpronation"}
    amount : float
        Overall amount of wear, about 0.25 (new-ish) to 1.3 (heavily worn), drawn
        independently of the class: the class pattern's mean over the sole is
        ``MEAN_WEAR_PER_AMOUNT * amount``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (rows, cols), float32
        W in [0, 1]; zero outside the outline.
    """
    inside = frame.mask > 0
    pattern = _patches_field(frame, WEAR_PATCHES[label], rng)
    pattern *= 1.0 + 0.18 * _lowfreq_noise(pattern.shape, rng, 9)
    # The class decides where the sole wears, not how much: scale the pattern so its
    # mean over the sole is set by ``amount`` alone (after clipping to [0, 1]). Otherwise
    # the total wear, and with it the sole's mean colour, would give the class away.
    target = MEAN_WEAR_PER_AMOUNT * amount
    probe = pattern[::4, ::4][inside[::4, ::4]]
    lo, hi = 0.0, 20.0
    for _ in range(24):
        k = 0.5 * (lo + hi)
        if float(np.clip(probe * k, 0.0, 1.0).mean()) < target:
            lo = k
        else:
            hi = k
    w = pattern * (0.5 * (lo + hi))
    # Class-independent scuffs anywhere on the sole, and a light overall wear.
    n_scuffs = int(rng.integers(0, 4))
    scuffs = tuple(
        (
            float(rng.uniform(0.05, 0.95)),
            float(rng.uniform(-0.8, 0.8)),
            float(rng.uniform(0.02, 0.05)),
            float(rng.uniform(0.1, 0.3)),
            float(rng.uniform(0.05, 0.25)),
        )
        for _ in range(n_scuffs)
    )
    w += _patches_field(frame, scuffs, rng, jitter=0.0)
    w = w + rng.uniform(0.0, 0.06)
    return (np.clip(w, 0.0, 1.0) * (frame.mask > 0)).astype(np.float32)


@dataclass(frozen=True)
class Footprint:
    """An insole imprint in the canonical frame.

    Attributes
    ----------
    mask : ndarray, shape (rows, cols), bool
        The whole imprint (toe-less print and toe blobs).
    toeless : ndarray, shape (rows, cols), bool
        The toe-less print the arch index is measured on.
    arch_index : float
        Cavanagh-Rodgers arch index of ``toeless``, in pixel (physical) areas.
    pressure : ndarray, shape (rows, cols), float32
        Imprint darkness in [0, 1], zero outside ``mask``.
    """

    mask: np.ndarray
    toeless: np.ndarray
    arch_index: float
    pressure: np.ndarray


def arch_index(toeless: np.ndarray) -> float:
    """The Cavanagh-Rodgers arch index of a toe-less print, toe up (row 0 = toe side).

    The print is split into three equal lengths along the rows between its first and
    last row; AI = area of the middle third / total area. Areas are pixel counts, which
    are physical areas when rows and columns share one scale.

    Parameters
    ----------
    toeless : ndarray, shape (rows, cols), bool
    """
    per_row = toeless.sum(axis=1).astype(np.float64)
    nz = np.flatnonzero(per_row)
    if nz.size == 0:
        return float("nan")
    top, bottom = float(nz[0]), float(nz[-1] + 1)
    third = (bottom - top) / 3.0
    rows = np.arange(per_row.size) + 0.5
    middle = (rows >= top + third) & (rows < top + 2 * third)
    return float(per_row[middle].sum() / per_row.sum())


def _toeless_rows(
    frame: CanonicalFrame, geom: dict[str, float], depth: float
) -> tuple[np.ndarray, np.ndarray]:
    """Medial and lateral boundaries (columns, float) of the toe-less print per row."""
    u_rows = frame.u[:, 0].astype(np.float64)
    uc = np.clip(u_rows, 0.0, 1.0)
    med, lat = edge_profiles(frame.params, uc)
    u0, u1 = geom["u_start"], geom["u_end"]
    # Insets from the insole edge: the heel pad sits inside the heel cup.
    heel_w = np.clip((0.35 - uc) / 0.2, 0.0, 1.0)
    inset_lat = geom["inset_fore"] + (geom["inset_heel"] - geom["inset_fore"]) * heel_w
    inset_med = inset_lat.copy()
    b = lat - inset_lat
    a_full = -(med - inset_med)
    bump = np.exp(-(((uc - geom["arch_u"]) / geom["arch_len"]) ** 4))
    full_w = b - a_full
    w = full_w * (1.0 - depth * bump)
    # A negative depth widens the midfoot medially (the arch fills), up to the insole edge.
    a = np.maximum(b - np.maximum(w, 0.0), -(med - 0.006))
    # Round the back of the heel and the front of the ball.
    t_back = np.clip((uc - u0) / 0.06, 0.0, 1.0)
    t_front = np.clip((u1 - uc) / 0.05, 0.0, 1.0)
    shrink = np.sqrt(np.minimum(t_back, t_front).clip(0.0, 1.0))
    centre = (a + b) / 2.0
    half = (b - a) / 2.0 * shrink
    inside = (uc >= u0) & (uc <= u1) & (b > a)
    a_px = np.where(inside, frame.x0 + (centre - half) * frame.px_per_len, 0.0)
    b_px = np.where(inside, frame.x0 + (centre + half) * frame.px_per_len, 0.0)
    return a_px, b_px


def _raster(
    frame: CanonicalFrame, a_px: np.ndarray, b_px: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    cols = np.arange(frame.cols, dtype=np.float64)[None, :] + 0.5
    return (cols >= a_px[:, None]) & (cols < b_px[:, None]) & cap


def _front_cap(frame: CanonicalFrame, geom: dict[str, float]) -> np.ndarray:
    """The front of the ball: oblique (medial further forward) and rounded."""
    v = frame.v_phys
    front = geom["u_end"] - geom["ball_slope"] * v - geom["ball_round"] * v * v
    return frame.u <= front


def footprint(frame: CanonicalFrame, label: Label, rng: np.random.Generator) -> Footprint:
    """An insole imprint whose arch index lies in the class range.

    Parameters
    ----------
    frame : CanonicalFrame
    label : {"neutral", "overpronation", "underpronation"}
    rng : numpy.random.Generator

    Returns
    -------
    Footprint
    """
    lo, hi = _AI_DRAW[label]
    for _attempt in range(12):
        geom = {
            "u_start": float(rng.uniform(0.015, 0.035)),
            "u_end": float(rng.uniform(0.75, 0.80)),
            "inset_heel": float(rng.uniform(0.022, 0.04)),
            "inset_fore": float(rng.uniform(0.012, 0.025)),
            "arch_u": float(rng.uniform(0.42, 0.48)),
            "arch_len": float(rng.uniform(0.13, 0.17)),
        }
        geom["ball_slope"] = float(rng.uniform(0.05, 0.25))
        geom["ball_round"] = float(rng.uniform(0.8, 2.5))
        cap = _front_cap(frame, geom)
        target = float(rng.uniform(lo, hi))
        # AI decreases monotonically with the arch depth: bisect on the raster itself.
        d_lo, d_hi = -3.0, 2.5
        ai_lo = arch_index(_raster(frame, *_toeless_rows(frame, geom, d_lo), cap))
        ai_hi = arch_index(_raster(frame, *_toeless_rows(frame, geom, d_hi), cap))
        if not (ai_hi <= target <= ai_lo):
            continue
        for _ in range(16):
            mid = 0.5 * (d_lo + d_hi)
            ai = arch_index(_raster(frame, *_toeless_rows(frame, geom, mid), cap))
            if ai > target:
                d_lo = mid
            else:
                d_hi = mid
        toeless = _raster(frame, *_toeless_rows(frame, geom, 0.5 * (d_lo + d_hi)), cap)
        ai = arch_index(toeless)
        r_lo, r_hi = ARCH_INDEX_RANGES[label]
        if r_lo <= ai <= r_hi:
            break
    else:  # pragma: no cover - geometry always allows the range in practice
        raise RuntimeError("could not draw a footprint in the class arch-index range")

    toes = _toe_blobs(frame, geom["u_end"], label, rng)
    mask = toeless | toes
    pressure = _patches_field(frame, PRESSURE_PATCHES[label], rng)
    pressure = pressure / (float(pressure.max()) + 1e-6)
    # The whole imprint darkens clearly (its edge is what the arch index is read from);
    # the class's high-pressure areas add up to about half as much again.
    base = rng.uniform(0.55, 0.7)
    field = np.clip(base + rng.uniform(0.3, 0.45) * pressure, 0.0, 1.0)
    field = np.where(toes, np.maximum(field, base), field)
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(frame.px_per_len * 0.003, 0.7))
    # Keep the edge of the imprint where the mask is, so the visible print is the mask.
    edge = np.clip((soft - 0.45) / 0.4, 0.0, 1.0) * mask
    return Footprint(
        mask=mask,
        toeless=toeless,
        arch_index=ai,
        pressure=(field * edge).astype(np.float32),
    )


def _toe_blobs(
    frame: CanonicalFrame, u_end: float, label: Label, rng: np.random.Generator
) -> np.ndarray:
    """Five toe blobs in front of the ball, the big toe largest and medial."""
    u_rows = np.clip(frame.u[:, 0].astype(np.float64), 0.0, 1.0)
    canvas = np.zeros((frame.rows, frame.cols), np.uint8)
    gap = rng.uniform(0.02, 0.04)
    params = frame.params
    # Toe positions across the front, medial (big toe) to lateral.
    for k in range(5):
        frac = k / 4.0
        u_c = 1.0 - 0.05 - frac * 0.12 - rng.uniform(0.0, 0.01)
        u_c = min(u_c, 0.985 - (0.045 if k == 0 else 0.025))
        med, lat = edge_profiles(params, np.array([u_c]))
        span_lo, span_hi = -float(med[0]) + 0.025, float(lat[0]) - 0.02
        if k == 0:
            v_c = span_lo + 0.035
            ru, rv = 0.05, 0.04
        else:
            v_c = span_lo + 0.075 + (k - 1) / 3.0 * max(span_hi - span_lo - 0.09, 0.02)
            ru, rv = 0.032 - 0.0025 * k, 0.024 - 0.002 * k
        if u_c - ru < u_end + gap * 0.5:
            u_c = u_end + gap * 0.5 + ru
        if label == "underpronation" and k == 0 and rng.random() < 0.3:
            continue  # a light big toe sometimes leaves no mark
        centre = frame.to_px(np.array(u_c), np.array(v_c))
        axes = (max(1, int(rv * frame.px_per_len)), max(1, int(ru * frame.px_per_len)))
        cv2.ellipse(
            canvas,
            (int(round(float(centre[0]))), int(round(float(centre[1])))),
            axes,
            float(rng.uniform(-10, 10)),
            0,
            360,
            1,
            -1,
        )
    del u_rows
    return canvas.astype(bool) & (frame.mask > 0.5)
