"""Outsole tread patterns as height maps in the canonical frame.

A height map is a float32 array in [0, 1]: 1 is the rubber surface that touches the
ground (the top of a lug or rib), 0 the bottom of a groove. The renderer shades it with a
light direction, wears it down with the wear field, or prints it as a contact print.

Every pattern is built from closed-form functions of the physical position (foot lengths),
so its scale does not depend on the rendering resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.synth.frame import CanonicalFrame

TREAD_FAMILIES: tuple[str, ...] = (
    "herringbone",
    "lugs",
    "circles",
    "bars",
    "blocks",
    "siping",
    "waves",
    "mixed",
)
"""The tread families the renderer knows; ``mixed`` uses different ones per region."""

_SIMPLE = tuple(f for f in TREAD_FAMILIES if f != "mixed")


def _smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _ridge(phase: np.ndarray, duty: float, soft: float) -> np.ndarray:
    """A periodic ridge profile: 1 on a ``duty`` fraction of each period, 0 in the groove."""
    d = np.abs(phase - np.floor(phase) - 0.5)  # 0 at the ridge centre, 0.5 mid-groove
    return 1.0 - _smoothstep(d, duty / 2.0 - soft, duty / 2.0 + soft)


def _rotated(x: np.ndarray, y: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    c, s = float(np.cos(angle)), float(np.sin(angle))  # Python floats keep float32
    return x * c + y * s, -x * s + y * c


def _family(name: str, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One pattern over physical coordinates ``x`` (across) and ``y`` (along), foot lengths."""
    if name == "herringbone":
        period = rng.uniform(0.010, 0.020)
        zig_w = rng.uniform(0.025, 0.06)
        zig_a = zig_w * rng.uniform(0.25, 0.6)
        xr, yr = _rotated(x, y, rng.normal(0.0, 0.08))
        tri = np.abs((xr / zig_w) - np.floor(xr / zig_w) - 0.5) * 2.0
        return _ridge((yr + zig_a * tri) / period, rng.uniform(0.4, 0.65), 0.06)
    if name == "lugs":
        px, py = rng.uniform(0.035, 0.07), rng.uniform(0.035, 0.07)
        groove = rng.uniform(0.15, 0.3)
        stagger = rng.uniform(0.0, 0.5)
        xr, yr = _rotated(x, y, rng.choice([0.0, np.pi / 4, rng.normal(0.0, 0.2)]))
        row = np.floor(yr / py)
        fx = (xr / px + stagger * row) % 1.0 - 0.5
        fy = yr / py % 1.0 - 0.5
        # A superellipse distance makes rounded square lugs.
        pw = rng.uniform(3.0, 8.0)
        d = (np.abs(fx * 2) ** pw + np.abs(fy * 2) ** pw) ** (1.0 / pw)
        return 1.0 - _smoothstep(d, 1.0 - groove - 0.06, 1.0 - groove + 0.06)
    if name == "circles":
        r = rng.uniform(0.007, 0.016)
        pitch = r * rng.uniform(2.3, 3.2)
        xr, yr = _rotated(x, y, rng.uniform(0, np.pi))
        row = np.floor(yr / (pitch * 0.866))
        fx = (xr / pitch + 0.5 * row) % 1.0 - 0.5
        fy = yr / (pitch * 0.866) % 1.0 - 0.5
        d = np.hypot(fx * pitch, fy * pitch * 0.866) / r
        if rng.random() < 0.4:  # rings instead of discs
            return 1.0 - _smoothstep(np.abs(d - 0.75), 0.2, 0.32)
        if rng.random() < 0.5:  # dimples: holes in a flat surface
            return _smoothstep(d, 0.85, 1.1)
        return 1.0 - _smoothstep(d, 0.85, 1.1)
    if name == "bars":
        period = rng.uniform(0.018, 0.04)
        xr, yr = _rotated(x, y, rng.choice([0.0, rng.uniform(-0.5, 0.5), np.pi / 2]))
        return _ridge(yr / period, rng.uniform(0.45, 0.75), 0.05)
    if name == "blocks":
        bw, bh = rng.uniform(0.04, 0.09), rng.uniform(0.025, 0.06)
        g = rng.uniform(0.08, 0.18)
        row = np.floor(y / bh)
        fx = (x / bw + 0.5 * (row % 2) + 0.13 * np.sin(row * 2.1)) % 1.0 - 0.5
        fy = y / bh % 1.0 - 0.5
        d = np.maximum(np.abs(fx) * 2.0, np.abs(fy) * 2.0 * (bh / bw) ** -0.3)
        return 1.0 - _smoothstep(d, 1.0 - g - 0.05, 1.0 - g + 0.05)
    if name == "siping":
        period = rng.uniform(0.012, 0.03)
        amp = rng.uniform(0.0, 0.006)
        wav = rng.uniform(0.02, 0.05)
        phase = (y + amp * np.sin(2 * np.pi * x / wav)) / period
        return 1.0 - _ridge(phase, rng.uniform(0.12, 0.25), 0.05)
    if name == "waves":
        period = rng.uniform(0.012, 0.025)
        amp = rng.uniform(0.004, 0.012)
        wav = rng.uniform(0.04, 0.09)
        xr, yr = _rotated(x, y, rng.normal(0.0, 0.15))
        return _ridge((yr + amp * np.sin(2 * np.pi * xr / wav)) / period, 0.55, 0.07)
    raise ValueError(f"unknown tread family {name!r}")


def tread_height(frame: CanonicalFrame, family: str, rng: np.random.Generator) -> np.ndarray:
    """The tread height map of one outsole.

    Parameters
    ----------
    frame : CanonicalFrame
        The canonical raster of the sole.
    family : str
        One of :data:`TREAD_FAMILIES`.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (rows, cols), float32
        Height in [0, 1], 1 on the contact surface. Includes the features real soles add
        on top of the main pattern: a smooth rim band along the edge, flex grooves and
        sometimes a smooth logo patch in the midfoot or a pivot circle under the ball.
    """
    x = frame.v_phys
    y = 1.0 - frame.u
    if family == "mixed":
        heel_f, mid_f, fore_f = (str(f) for f in rng.choice(_SIMPLE, size=3))
        heel = _family(heel_f, x, y, rng)
        fore = _family(fore_f, x, y, rng)
        mid = _family(mid_f, x, y, rng) if rng.random() < 0.5 else heel
        split1 = rng.uniform(0.28, 0.4)
        split2 = rng.uniform(0.52, 0.64)
        # Region borders are often slanted on real soles.
        u_b = frame.u + rng.uniform(-0.15, 0.15) * frame.v_phys
        h = np.where(u_b < split1, heel, np.where(u_b < split2, mid, fore))
        groove = (np.abs(u_b - split1) < 0.004) | (np.abs(u_b - split2) < 0.004)
        h = np.where(groove, 0.0, h)
        if rng.random() < 0.5:  # a lengthwise split of the forefoot, as on court shoes
            split_v = rng.uniform(-0.05, 0.08)
            other = _family(str(rng.choice(_SIMPLE)), x, y, rng)
            side = (frame.v_phys > split_v) & (u_b > split2)
            h = np.where(side, other, h)
    else:
        h = _family(family, x, y, rng)
    h = h.astype(np.float32)

    # Flex grooves across the forefoot.
    if rng.random() < 0.45:
        for _ in range(int(rng.integers(1, 4))):
            uf = rng.uniform(0.62, 0.85)
            tilt = rng.uniform(-0.2, 0.2)
            d = np.abs(frame.u - uf - tilt * frame.v_phys)
            h = np.minimum(h, _smoothstep(d, 0.002, 0.005).astype(np.float32))
    # A pivot circle under the first metatarsal head, like running and court shoes.
    if rng.random() < 0.3:
        cu, cv = rng.uniform(0.66, 0.74), rng.uniform(-0.12, -0.04)
        r = np.hypot(frame.u - cu, frame.v_phys - cv)
        rad = rng.uniform(0.035, 0.055)
        rings = _ridge(r / (rad / 3.0), 0.6, 0.08)
        h = np.where(r < rad, rings, h).astype(np.float32)
        h = np.where(np.abs(r - rad) < 0.004, 0.0, h).astype(np.float32)
    # A smooth logo patch in the midfoot: flat rubber, not worn rubber.
    if rng.random() < 0.35:
        cu, cv = rng.uniform(0.38, 0.52), rng.uniform(-0.03, 0.05)
        a, b = rng.uniform(0.03, 0.06), rng.uniform(0.025, 0.05)
        d = ((frame.u - cu) / a) ** 2 + ((frame.v_phys - cv) / b) ** 2
        patch = d < 1.0
        h = np.where(patch, 0.85, h).astype(np.float32)
        h = np.where(np.abs(d - 1.0) < 0.12, 0.0, h).astype(np.float32)
    # The smooth rim band along the edge, with a groove on its inner side.
    if rng.random() < 0.75:
        rim = rng.uniform(0.006, 0.02)
        dist = frame.edge_distance
        h = np.where(dist < rim, 1.0, h).astype(np.float32)
        h = np.where(np.abs(dist - rim - 0.002) < 0.0025, 0.0, h).astype(np.float32)
    sigma = max(frame.px_per_len * 0.0012, 0.5)
    return cv2.GaussianBlur(h, (0, 0), sigma)
