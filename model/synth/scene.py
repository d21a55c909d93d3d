"""Backgrounds, lighting, camera noise and encoding of the synthetic photos.

Backgrounds and light fields are generated at a reduced resolution (they are smooth or
are seen through a phone's denoiser anyway) and upscaled once; only the noise and the
final blend touch every pixel of a 12 MP photo.
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUNDS: tuple[str, ...] = (
    "wood_floor",
    "table",
    "white_paper",
    "coloured_paper",
    "carpet",
    "tiles",
    "concrete",
)
"""Kinds of surface the objects lie on."""

LIGHTINGS: tuple[str, ...] = ("even", "gradient", "vignette", "spot", "window", "lamp")
"""Kinds of uneven illumination."""

# Colours are BGR in [0, 1].
_WOODS = ((0.35, 0.55, 0.75), (0.22, 0.38, 0.58), (0.15, 0.25, 0.40), (0.55, 0.70, 0.82))
_TABLES = (
    (0.93, 0.93, 0.93),
    (0.55, 0.55, 0.55),
    (0.18, 0.18, 0.19),
    (0.70, 0.80, 0.86),
    (0.35, 0.50, 0.66),
)
_PAPERS = ((0.96, 0.96, 0.95), (0.92, 0.95, 0.97), (0.97, 0.97, 0.99))
_COLOURED_PAPERS = (
    (0.85, 0.55, 0.25),
    (0.40, 0.75, 0.45),
    (0.55, 0.60, 0.95),
    (0.45, 0.85, 0.95),
    (0.80, 0.60, 0.85),
    (0.30, 0.30, 0.75),
)
_CARPETS = ((0.45, 0.45, 0.48), (0.30, 0.25, 0.55), (0.55, 0.35, 0.25), (0.25, 0.40, 0.30))
_TILES = ((0.90, 0.90, 0.88), (0.65, 0.68, 0.70), (0.50, 0.60, 0.70), (0.30, 0.30, 0.32))


def smooth_noise(
    shape: tuple[int, int], rng: np.random.Generator, cells: float, *, octaves: int = 3
) -> np.ndarray:
    """Zero-mean fractal value noise, about unit variance, shape (rows, cols) float32.

    ``cells`` is the number of noise cells along the longer side at the coarsest octave.
    """
    rows, cols = shape
    out = np.zeros(shape, np.float32)
    amp, total = 1.0, 0.0
    for k in range(octaves):
        c = cells * (2.0**k)
        gr = max(2, int(round(c * rows / max(rows, cols))) + 1)
        gc = max(2, int(round(c * cols / max(rows, cols))) + 1)
        grid = rng.standard_normal((gr, gc)).astype(np.float32)
        out += amp * cv2.resize(grid, (cols, rows), interpolation=cv2.INTER_CUBIC)
        total += amp * amp
        amp *= 0.5
    return out / np.sqrt(total)


def _jitter_colour(c: tuple[float, float, float], rng: np.random.Generator, s: float) -> np.ndarray:
    """Vary brightness by up to ``s`` and the hue only a little (papers stay white)."""
    gain = rng.uniform(1 - s, 1 + s) * rng.uniform(0.97, 1.03, 3)
    return np.clip(np.asarray(c, np.float32) * gain, 0.0, 1.0).astype(np.float32)


def background_base_colour(kind: str, rng: np.random.Generator) -> np.ndarray:
    """The dominant colour (BGR in [0, 1]) of a background kind, drawn at random."""
    table = {
        "wood_floor": _WOODS,
        "table": _TABLES + _WOODS[:2],
        "white_paper": _PAPERS,
        "coloured_paper": _COLOURED_PAPERS,
        "carpet": _CARPETS,
        "tiles": _TILES,
        "concrete": ((0.55, 0.56, 0.57), (0.42, 0.43, 0.45), (0.65, 0.64, 0.62)),
    }[kind]
    return _jitter_colour(table[int(rng.integers(len(table)))], rng, 0.12)


def background(
    kind: str,
    shape: tuple[int, int],
    base: np.ndarray,
    foot_px: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """A surface texture.

    Parameters
    ----------
    kind : str
        One of :data:`BACKGROUNDS`.
    shape : (rows, cols)
        Working (reduced) resolution.
    base : ndarray, shape (3,)
        Dominant colour, BGR in [0, 1].
    foot_px : float
        A foot length in working pixels, the physical scale of planks and tiles.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (rows, cols, 3), float32 BGR in [0, 1]
    """
    rows, cols = shape
    tone: np.ndarray = np.ones(shape, np.float32)
    tint: np.ndarray = np.zeros((rows, cols, 3), np.float32)
    if kind in ("wood_floor", "table") and (kind == "wood_floor" or rng.random() < 0.5):
        # Planks with grain along them; the grain is noise stretched along the plank.
        angle = rng.uniform(0, 180) if rng.random() < 0.7 else rng.choice([0.0, 90.0])
        # Drawn at half the working resolution when large: grain and seams are soft anyway.
        k = 2.0 if max(rows, cols) > 700 else 1.0
        plank = foot_px * rng.uniform(0.4, 0.75) / k
        diag = int(np.hypot(rows, cols) / k) + 4
        # Fine across the plank (x), long along it (y): streaks run along the plank.
        grain_small = rng.standard_normal(
            (max(4, int(diag / 60)), max(4, int(diag / 3))), dtype=np.float32
        )
        grain: np.ndarray = cv2.resize(grain_small, (diag, diag), interpolation=cv2.INTER_CUBIC)
        grain += 0.6 * smooth_noise((diag, diag), rng, 6)
        y = np.arange(diag, dtype=np.float32)[:, None] * np.ones((1, diag), np.float32)
        x = np.arange(diag, dtype=np.float32)[None, :] * np.ones((diag, 1), np.float32)
        plank_idx = np.floor(x / plank).astype(np.int64)
        offsets = rng.uniform(0, diag, int(diag / plank) + 2).astype(np.float32)
        seam_y = (y + offsets[plank_idx % offsets.size]) % np.float32(foot_px * 4.0 / k)
        plank_tone = rng.normal(0.0, 0.07, int(diag / plank) + 2).astype(np.float32)
        t: np.ndarray = 1.0 + 0.06 * grain + plank_tone[plank_idx % plank_tone.size]
        if kind == "wood_floor":
            seam = (np.abs(x - plank_idx * np.float32(plank)) < 1.2 / k) | (seam_y < 1.5 / k)
            t = np.where(seam, t * 0.6, t)
        rot = cv2.getRotationMatrix2D((diag / 2, diag / 2), float(angle), k)
        rot[:, 2] += np.array([cols / 2 - diag / 2, rows / 2 - diag / 2])
        tone = cv2.warpAffine(t.astype(np.float32), rot, (cols, rows), flags=cv2.INTER_LINEAR)
    elif kind == "table":
        tone = 1.0 + 0.02 * smooth_noise(shape, rng, 8)
    elif kind in ("white_paper", "coloured_paper"):
        tone = 1.0 + 0.015 * smooth_noise(shape, rng, 5)
    elif kind == "carpet":
        fine = rng.standard_normal(shape, dtype=np.float32)
        tone = 1.0 + 0.12 * fine + 0.04 * smooth_noise(shape, rng, 30, octaves=3)
        tint = 0.04 * rng.standard_normal((rows, cols, 3), dtype=np.float32)
    elif kind == "tiles":
        size = foot_px * rng.uniform(0.5, 1.3)
        grout = max(1.5, size * rng.uniform(0.02, 0.05))
        angle = np.deg2rad(rng.uniform(0, 90))
        y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
        xr = x * np.cos(angle) + y * np.sin(angle) + rng.uniform(0, size)
        yr = -x * np.sin(angle) + y * np.cos(angle) + rng.uniform(0, size)
        ix, iy = np.floor(xr / size), np.floor(yr / size)
        per_tile = np.sin(ix * 12.9898 + iy * 78.233 + rng.uniform(0, 6)) * 0.04
        tone = 1.0 + per_tile + 0.03 * smooth_noise(shape, rng, 10)
        g = (np.abs(xr - (ix + 0.5) * size) > size / 2 - grout) | (
            np.abs(yr - (iy + 0.5) * size) > size / 2 - grout
        )
        grout_col = rng.uniform(0.55, 1.1)
        tone = np.where(g, grout_col, tone).astype(np.float32)
    elif kind == "concrete":
        tone = 1.0 + 0.05 * smooth_noise(shape, rng, 4, octaves=2)
        tone += 0.04 * smooth_noise(shape, rng, 40, octaves=3)
        speck = rng.random(shape) < 0.01
        tone = np.where(speck, tone * rng.uniform(0.6, 1.3), tone).astype(np.float32)
        tone += 0.05 * rng.standard_normal(shape, dtype=np.float32)
    else:
        raise ValueError(f"unknown background {kind!r}")
    img = base[None, None, :] * tone[..., None] + tint
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def light_field(
    kind: str, shape: tuple[int, int], rng: np.random.Generator, *, strength: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """A multiplicative illumination field and the light's direction.

    Returns
    -------
    field : ndarray, shape (rows, cols, 3), float32
        Per-channel gain (includes a white-balance cast), around 1.
    direction : ndarray, shape (2,)
        Unit vector (x, y) in image pixels pointing from the light towards the scene,
        used to shade tread relief and to cast shadows.
    """
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    x = x / max(cols - 1, 1) - 0.5
    y = y / max(rows - 1, 1) - 0.5
    ang = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(ang), np.sin(ang)], np.float32)
    f: np.ndarray = np.ones(shape, np.float32)
    if kind == "even":
        f = f + 0.04 * smooth_noise(shape, rng, 2, octaves=1)
    elif kind == "gradient":
        f = 1.0 - rng.uniform(0.15, 0.45) * (x * direction[0] + y * direction[1])
    elif kind == "vignette":
        r2 = (x**2 + y**2) / 0.5
        f = 1.05 - rng.uniform(0.25, 0.55) * r2
    elif kind == "spot":
        cx, cy = rng.uniform(-0.3, 0.3, 2)
        s = rng.uniform(0.25, 0.5)
        f = 0.7 + rng.uniform(0.3, 0.5) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s))
        direction = np.array([cx, cy], np.float32) * -1.0 + 1e-3
        direction /= np.linalg.norm(direction)
    elif kind == "window":
        f = 1.0 - rng.uniform(0.35, 0.6) * (x * direction[0] + y * direction[1] + 0.5) + 0.2
        f = f * (1.0 + 0.05 * smooth_noise(shape, rng, 3, octaves=2))
    elif kind == "lamp":
        r2 = (x - rng.uniform(-0.4, 0.4)) ** 2 + (y - rng.uniform(-0.4, 0.4)) ** 2
        f = 1.1 - rng.uniform(0.3, 0.6) * r2 / 0.5
    else:
        raise ValueError(f"unknown lighting {kind!r}")
    f = 1.0 + (f - 1.0) * strength
    # White balance: warm under lamps, cool by windows, otherwise a small random cast.
    if kind == "lamp":
        cast = np.array([0.82, 0.95, 1.08], np.float32)
    elif kind == "window":
        cast = np.array([1.06, 1.0, 0.94], np.float32)
    else:
        cast = np.asarray(rng.normal(1.0, 0.03, 3), np.float32)
    cast = 1.0 + (cast - 1.0) * strength
    exposure = rng.uniform(0.85, 1.12) if strength > 0.5 else rng.uniform(0.97, 1.03)
    field = np.clip(f, 0.3, 1.5)[..., None] * cast[None, None, :] * exposure
    return field.astype(np.float32), direction


def add_sensor_noise(image: np.ndarray, rng: np.random.Generator, *, sigma: float) -> np.ndarray:
    """Image plus phone-like noise (correlated over ~2 pixels, as after demosaicing).

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8
    sigma : float
        Noise standard deviation in 8-bit levels.

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    if sigma <= 0.2:
        return image.copy()
    rows, cols = image.shape[:2]
    half = np.empty(((rows + 1) // 2, (cols + 1) // 2, 3), np.uint8)
    # cv2's generator is seeded from ours, so the noise is deterministic per photo.
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    sd = float(sigma) * 1.4
    # Scalars would only set the first channel: give every channel its mean and spread.
    cv2.randn(half, np.full(3, 128.0), np.full(3, sd))
    noise = cv2.resize(half, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(image, 1.0, noise, 1.0, -128.0)


def encode(image: np.ndarray, fmt: str, quality: int) -> bytes:
    """Encode a BGR uint8 image as ``jpeg``, ``png`` or ``webp``."""
    if fmt == "jpeg":
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    elif fmt == "png":
        ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    elif fmt == "webp":
        ok, buf = cv2.imencode(".webp", image, [cv2.IMWRITE_WEBP_QUALITY, int(quality)])
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if not ok:  # pragma: no cover - cv2 only fails on invalid input
        raise RuntimeError(f"could not encode {fmt}")
    return buf.tobytes()


def _shadowed_fill(
    img: np.ndarray,
    poly: np.ndarray,
    colour: np.ndarray,
    rng: np.random.Generator,
    *,
    shadow_px: float,
    shade: bool = True,
    rounded: bool = False,
) -> np.ndarray:
    """``img`` with a filled polygon (pixel coords, (n, 2)) and its soft drop shadow.

    Only the polygon's bounding box (plus the shadow's reach) is touched.
    """
    rows, cols = img.shape[:2]
    off = shadow_px * rng.uniform(0.3, 1.0)
    reach = int(np.ceil(3 * max(shadow_px, 0.8) + off)) + 2
    x0 = max(0, int(np.floor(poly[:, 0].min())) - reach)
    y0 = max(0, int(np.floor(poly[:, 1].min())) - reach)
    x1 = min(cols, int(np.ceil(poly[:, 0].max())) + reach + 1)
    y1 = min(rows, int(np.ceil(poly[:, 1].max())) + reach + 1)
    out = img.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    h, w = y1 - y0, x1 - x0
    local = poly - np.array([x0, y0])
    shift = 4
    m = np.zeros((h, w), np.uint8)
    cv2.fillPoly(m, [np.round(local * (1 << shift)).astype(np.int32)], 255, cv2.LINE_AA, shift)
    cover = m.astype(np.float32) / 255.0
    sh = cv2.warpAffine(
        cv2.GaussianBlur(cover, (0, 0), max(shadow_px, 0.8)),
        np.array([[1, 0, off * 0.6], [0, 1, off]], np.float32),
        (w, h),
    )
    roi = out[y0:y1, x0:x1] * (1.0 - 0.45 * sh[..., None])
    tone: np.ndarray = np.ones((h, w), np.float32)
    if shade:
        # Lit from one side, and rounded objects darken towards their silhouette.
        ang = rng.uniform(0, 2 * np.pi)
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        c = local.mean(axis=0)
        extent = float(np.ptp(poly, axis=0).max()) + 1.0
        lin = ((x - c[0]) * np.cos(ang) + (y - c[1]) * np.sin(ang)) / extent
        tone = 1.0 + 0.35 * lin + 0.04 * smooth_noise((h, w), rng, 6, octaves=2)
        if rounded:
            dist = cv2.distanceTransform((m > 127).astype(np.uint8), cv2.DIST_L2, 3)
            tone *= 0.6 + 0.4 * np.clip(dist / (0.15 * extent), 0.0, 1.0) ** 0.5
    fill = colour[None, None, :] * tone[..., None]
    out[y0:y1, x0:x1] = roi * (1.0 - cover[..., None]) + fill * cover[..., None]
    return out.astype(np.float32)


def draw_clutter(
    img: np.ndarray, rng: np.random.Generator, *, foot_px: float, count: int
) -> np.ndarray:
    """``img`` with random everyday objects: boxes, plates, bottles, papers, cables, and
    a foot-sized object that is not a sole (a book, a phone case, a folded sock).

    Parameters
    ----------
    img : ndarray, shape (rows, cols, 3), float32
    foot_px : float
        A foot length in pixels of ``img``: the scale of the objects.
    count : int
    """
    rows, cols = img.shape[:2]
    out = img
    shadow = foot_px * 0.02
    for k in range(count):
        kind = (
            "footsized"
            if k == 0
            else str(rng.choice(["box", "ellipse", "bottle", "paper", "cable"]))
        )
        cx, cy = rng.uniform(0.1, 0.9) * cols, rng.uniform(0.1, 0.9) * rows
        ang = rng.uniform(0, np.pi)
        colour = np.clip(rng.uniform(0.05, 0.95, 3), 0, 1).astype(np.float32)
        rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        if kind == "cable":
            n = 12
            pts = np.cumsum(rng.normal(0, foot_px * 0.12, (n, 2)), axis=0) + np.array([cx, cy])
            canvas = np.zeros((rows, cols), np.uint8)
            cv2.polylines(
                canvas,
                [pts.astype(np.int32)],
                False,
                255,
                max(1, int(foot_px * rng.uniform(0.012, 0.025))),
                cv2.LINE_AA,
            )
            c = cv2.GaussianBlur(canvas.astype(np.float32) / 255.0, (0, 0), 0.8)
            out = out * (1 - c[..., None]) + colour[None, None, :] * c[..., None] * 0.6
            continue
        if kind == "ellipse":
            a, b = foot_px * rng.uniform(0.1, 0.45, 2)
            t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            local = np.stack([a * np.cos(t), b * np.sin(t)], axis=1)
        elif kind == "bottle":
            h, w = foot_px * rng.uniform(0.5, 0.9), foot_px * rng.uniform(0.15, 0.25)
            t = np.linspace(0, np.pi, 16)
            top = np.stack([w / 2 * np.cos(t), -h / 2 - w / 2 * np.sin(t)], axis=1)
            local = np.concatenate([[[w / 2, h / 2]], top[::1], [[-w / 2, h / 2]]], axis=0)
        elif kind == "footsized":
            h, w = foot_px * rng.uniform(0.7, 1.05), foot_px * rng.uniform(0.25, 0.45)
            t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            p = rng.uniform(2.5, 6.0)  # a superellipse: a book, a case, a folded sock
            local = np.stack(
                [
                    w / 2 * np.sign(np.cos(t)) * np.abs(np.cos(t)) ** (2 / p),
                    h / 2 * np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (2 / p),
                ],
                axis=1,
            )
        else:  # box or paper
            h, w = foot_px * rng.uniform(0.3, 1.0), foot_px * rng.uniform(0.25, 0.8)
            local = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
            if kind == "paper":
                colour = np.array([0.95, 0.95, 0.94], np.float32) * rng.uniform(0.9, 1.0)
        poly = local @ rot.T + [cx, cy]
        out = _shadowed_fill(
            out,
            poly,
            colour,
            rng,
            shadow_px=shadow * (0.2 if kind == "paper" else 1.0),
            rounded=kind in ("ellipse", "bottle", "footsized"),
        )
        if kind == "paper":  # lines of text
            canvas = np.zeros((rows, cols), np.uint8)
            for i in range(int(rng.integers(3, 12))):
                y = -h / 2 + h * (i + 1.5) / 14
                x1 = w / 2 * rng.uniform(0.2, 0.8)
                seg = np.array([[-w / 2 * 0.8, y], [x1, y]]) @ rot.T + [cx, cy]
                cv2.line(
                    canvas,
                    tuple(seg[0].astype(int)),
                    tuple(seg[1].astype(int)),
                    255,
                    max(1, int(foot_px * 0.006)),
                    cv2.LINE_AA,
                )
            c = canvas.astype(np.float32)[..., None] / 255.0 * 0.7
            out = out * (1 - c) + 0.15 * c
        elif kind == "box":  # a lighter top face edge
            inner = (local * 0.9) @ rot.T + [cx, cy]
            canvas = np.zeros((rows, cols), np.uint8)
            cv2.polylines(canvas, [inner.astype(np.int32)], True, 255, max(1, int(foot_px * 0.01)))
            c = canvas.astype(np.float32)[..., None] / 255.0 * 0.3
            out = out * (1 - c) + c
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _ruler_strip(
    length_px: int, width_px: int, px_per_cm: float, *, ticks_top: bool, from_right: bool
) -> np.ndarray:
    """A horizontal ruler strip, (width_px, length_px) uint8, with upright numbers.

    The ticks hang from the top row (``ticks_top``) or rise from the bottom row; counting
    starts at the left end, or at the right end with ``from_right``.
    """
    strip = np.full((width_px, length_px), 246, np.uint8)
    mm = px_per_cm / 10.0
    step = 1 if mm >= 3.0 else 5
    n = int(length_px / mm) + 1
    font_scale = max(0.3, px_per_cm / 75.0)
    thick = max(1, int(round(px_per_cm / 60.0)))
    for i in range(0, n, step):
        x = int(round(length_px - 1 - i * mm)) if from_right else int(round(i * mm))
        tick = 0.42 if i % 10 == 0 else 0.28 if i % 5 == 0 else 0.16
        t = int(width_px * tick)
        if ticks_top:
            cv2.line(strip, (x, 0), (x, t), 20, thick)
        else:
            cv2.line(strip, (x, width_px - 1 - t), (x, width_px - 1), 20, thick)
        if i % 10 == 0:
            label = str(i // 10)
            (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thick)
            y = int(width_px * 0.5) + th if ticks_top else int(width_px * 0.5)
            cv2.putText(
                strip,
                label,
                (x - tw // 2, y),
                cv2.FONT_HERSHEY_SIMPLEX,
                font_scale,
                20,
                thick,
                cv2.LINE_AA,
            )
    return strip


def draw_ruler_frame(image: np.ndarray, *, px_per_cm: float) -> np.ndarray:
    """A scanner's ruler frame along the four borders, as on 2D footwear scans.

    The strips are light grey-white with millimetre ticks on their inner edge and
    centimetre numbers towards the border: the bottom counts from the left, the top from
    the right, the left strip from the bottom (text turned counter-clockwise), the right
    strip from the top (text turned clockwise); a thin grey line marks the inner edge.

    Parameters
    ----------
    image : ndarray, shape (rows, cols, 3), uint8
    px_per_cm : float

    Returns
    -------
    ndarray, shape (rows, cols, 3), uint8
    """
    out = image.copy()
    rows, cols = out.shape[:2]
    w = max(8, int(round(px_per_cm * 0.85)))
    top = _ruler_strip(cols, w, px_per_cm, ticks_top=False, from_right=True)
    bottom = _ruler_strip(cols, w, px_per_cm, ticks_top=True, from_right=False)
    # Rotating a strip whose ticks rise from its bottom row puts them on the inner side.
    left = np.rot90(_ruler_strip(rows, w, px_per_cm, ticks_top=False, from_right=False), k=1)
    right = np.rot90(_ruler_strip(rows, w, px_per_cm, ticks_top=False, from_right=False), k=-1)
    out[:w, :] = top[..., None]
    out[-w:, :] = bottom[..., None]
    out[:, :w] = np.minimum(out[:, :w], left[..., None])
    out[:, -w:] = np.minimum(out[:, -w:], right[..., None])
    grey = (150, 150, 150)
    cv2.rectangle(out, (w, w), (cols - w - 1, rows - w - 1), grey, max(1, w // 30))
    return out
