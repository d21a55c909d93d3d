"""The objects of a photo, drawn in their canonical frame before being placed.

Every object is a :class:`Layer`: premultiplied colour, coverage and the sole mask (the
region whose centroid is the labeled centre). Outsoles, contact prints, insoles and the
top of a shoe (a negative) are drawn here; the photo renderer warps them into place.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from model.footshape import Label
from model.synth.frame import CanonicalFrame
from model.synth.scene import smooth_noise
from model.synth.tread import tread_height
from model.synth.wear import footprint, outsole_wear

# Named colours, BGR in [0, 1].
RUBBERS: dict[str, tuple[float, float, float]] = {
    "black": (0.085, 0.085, 0.095),
    "dark_grey": (0.24, 0.24, 0.25),
    "light_grey": (0.62, 0.62, 0.61),
    "white": (0.88, 0.89, 0.88),
    "gum": (0.33, 0.55, 0.74),
    "tan": (0.50, 0.68, 0.80),
    "navy": (0.34, 0.17, 0.10),
    "red": (0.13, 0.14, 0.68),
    "blue": (0.78, 0.45, 0.13),
    "green": (0.30, 0.62, 0.22),
    "orange": (0.10, 0.48, 0.95),
    "yellow": (0.20, 0.82, 0.92),
}
FOAMS: dict[str, tuple[float, float, float]] = {
    "black": (0.11, 0.11, 0.12),
    "grey": (0.52, 0.52, 0.53),
    "blue": (0.70, 0.42, 0.18),
    "navy": (0.35, 0.18, 0.10),
    "beige": (0.62, 0.76, 0.84),
    "white": (0.90, 0.90, 0.89),
    "orange": (0.12, 0.50, 0.92),
    "green": (0.38, 0.66, 0.30),
    "pink": (0.70, 0.58, 0.90),
    "red": (0.16, 0.16, 0.66),
}
UPPERS: dict[str, tuple[float, float, float]] = {
    "black": (0.10, 0.10, 0.11),
    "white": (0.90, 0.90, 0.90),
    "grey": (0.50, 0.50, 0.52),
    "navy": (0.35, 0.18, 0.10),
    "red": (0.15, 0.15, 0.70),
    "blue": (0.80, 0.50, 0.20),
    "brown": (0.20, 0.33, 0.48),
    "beige": (0.62, 0.74, 0.82),
    "green": (0.30, 0.55, 0.25),
    "pink": (0.70, 0.55, 0.92),
}
MIDSOLES: tuple[tuple[float, float, float], ...] = (
    (0.90, 0.91, 0.90),
    (0.70, 0.71, 0.72),
    (0.82, 0.90, 0.94),
    (0.20, 0.20, 0.21),
)

_BRANDS = ("ORTHOFLEX", "STRIDE", "AIRWALK", "KOMFORT", "RUNLITE", "FLEX+", "PODO", "VITA")


@dataclass
class Layer:
    """One object in its canonical raster.

    Attributes
    ----------
    colour : ndarray, shape (rows, cols, 3), float32
        Premultiplied BGR in [0, 1].
    alpha : ndarray, shape (rows, cols), float32
        Coverage in [0, 1] (includes an upper's rim around an outsole).
    sole : ndarray, shape (rows, cols), float32
        The sole or insole region itself, in [0, 1].
    outer : ndarray, shape (n, 2)
        Outline ``(u, v_phys)`` of everything drawn, for shadows.
    material : str
        The colour name of the rubber, foam, ink or upper.
    arch_index : float or None
        The rendered arch index (insoles).
    imprint : ndarray or None
        Where the foot pressed the insole (the footprint, toes included), bool, in the
        raster of ``sole`` (insoles); what the imprint model learns to find.
    """

    colour: np.ndarray
    alpha: np.ndarray
    sole: np.ndarray
    outer: np.ndarray
    material: str
    arch_index: float | None = None
    imprint: np.ndarray | None = None


def luminance(bgr: np.ndarray | tuple[float, float, float]) -> float:
    """Rec. 601 luma of a BGR colour in [0, 1]."""
    b, g, r = (float(c) for c in bgr)
    return 0.114 * b + 0.587 * g + 0.299 * r


def _blur_layer(layer: Layer, sigma: float) -> Layer:
    if sigma < 0.3:
        return layer
    return Layer(
        colour=cv2.GaussianBlur(layer.colour, (0, 0), sigma),
        alpha=cv2.GaussianBlur(layer.alpha, (0, 0), sigma),
        sole=layer.sole,
        outer=layer.outer,
        material=layer.material,
        arch_index=layer.arch_index,
        imprint=layer.imprint,
    )


def _relief_shading(
    height: np.ndarray, light: np.ndarray, px_per_len: float, depth: float
) -> np.ndarray:
    """Lambert-like shading of a height map lit from ``-light`` (canonical x, y)."""
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    # Slope in physical units: height (foot lengths) per pixel (foot lengths).
    k = depth * px_per_len
    return np.clip(1.0 + 0.9 * k * (gx * light[0] + gy * light[1]), 0.35, 1.6)


def _worn_height(frame: CanonicalFrame, height: np.ndarray, wear: np.ndarray) -> np.ndarray:
    """Wear the tread down: edges soften, then the relief flattens towards the top."""
    sigma = max(frame.px_per_len * 0.006, 1.0)
    blurred = cv2.GaussianBlur(height, (0, 0), sigma)
    soft = height + (blurred - height) * np.clip(wear * 1.3, 0.0, 1.0)
    relief = (1.0 - wear) ** 1.3
    return (1.0 - (1.0 - soft) * relief).astype(np.float32)


def _upper_rim(
    frame: CanonicalFrame, style: np.random.Generator, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, str]:
    """A band of the shoe's upper seen around the sole, wider on one side (camera tilt).

    Returns the rim coverage (rows, cols), its colour (rows, cols, 3) and colour name.
    """
    poly = frame.polygon
    centre = poly.mean(axis=0)
    ang = np.arctan2(poly[:, 1] - centre[1], poly[:, 0] - centre[0])
    phi = rng.uniform(0, 2 * np.pi)
    width = rng.uniform(0.015, 0.05)
    offs = 0.004 + width * np.clip(np.cos(ang - phi), 0.0, 1.0) ** rng.uniform(1.0, 2.5)
    outer = frame.offset_outline(offs)
    cover = frame.polygon_mask(outer)
    rim = np.clip(cover - frame.mask, 0.0, 1.0)
    if style.random() < 0.5:  # the midsole's side wall
        name = "midsole"
        base = np.asarray(MIDSOLES[int(style.integers(len(MIDSOLES)))], np.float32)
    else:  # the upper's fabric or leather
        name = str(style.choice(list(UPPERS)))
        base = np.asarray(UPPERS[name], np.float32)
    texture = 1.0 + 0.06 * smooth_noise((frame.rows, frame.cols), rng, 40, octaves=2)
    # Darker towards the sole, where the upper curves away from the light.
    shade = 0.7 + 0.3 * np.clip(
        cv2.GaussianBlur(rim, (0, 0), max(frame.px_per_len * 0.01, 1.0)), 0, 1
    )
    colour = base[None, None, :] * (texture * shade)[..., None]
    return rim, colour.astype(np.float32), name


def render_outsole(
    frame: CanonicalFrame,
    *,
    label: Label,
    amount: float,
    family: str,
    rubber: str,
    light: np.ndarray,
    blur_px: float,
    rim: bool,
    style_seed: int,
    rng: np.random.Generator,
) -> Layer:
    """The bottom of a worn shoe, lit from ``light`` (canonical unit vector).

    ``style_seed`` draws what both shoes of a pair share (tread layout, relief depth,
    rubber shade, midsole, upper); ``rng`` draws the wear of this one shoe.

    Wear follows :func:`model.synth.wear.outsole_wear`: where W is high the tread's
    relief and contrast fade, its edges soften, the surface becomes smooth and its shade
    shifts (lighter and duller on dark rubber, greyer on light rubber); where W is near
    1 the midsole's colour may show through.
    """
    shape = (frame.rows, frame.cols)
    light = np.asarray(light, np.float32)  # float64 scalars would upcast every array
    style = np.random.default_rng(style_seed)
    height = tread_height(frame, family, style)
    wear = outsole_wear(frame, label, amount, rng)
    worn_h = _worn_height(frame, height, wear)
    depth = style.uniform(0.004, 0.009)
    shade = _relief_shading(worn_h, light, frame.px_per_len, depth)
    ao = 0.42 + 0.58 * np.clip(worn_h, 0.0, 1.0) ** 0.8

    base = np.asarray(RUBBERS[rubber], np.float32) * style.uniform(0.9, 1.1, 3).astype(np.float32)
    lum = luminance(base)
    if lum < 0.35:
        worn_col = base + style.uniform(0.07, 0.16)  # lighter, duller
    else:
        grey = lum * style.uniform(0.75, 0.9)
        worn_col = base + (grey - base) * style.uniform(0.35, 0.6)  # greyer
    w = (wear**0.8)[..., None]
    colour = base[None, None, :] * (1.0 - w) + worn_col[None, None, :] * w

    grain = 1.0 + 0.035 * rng.standard_normal(shape, dtype=np.float32)
    # Worn rubber is scuffed along the direction of travel.
    streaks = smooth_noise(shape, rng, 6)
    scuff = 1.0 + 0.05 * wear * np.sin(frame.v_phys * 900.0 + 3.0 * streaks)
    colour = colour * (ao * shade * grain * scuff)[..., None]
    # Rubber is a little glossy: the edges of the tread that face the light catch a grey
    # highlight. On black soles it is what makes the tread (and its loss) visible.
    spec_k = style.uniform(0.12, 0.3) * (1.0 if lum < 0.35 else 0.4)
    colour = colour + (spec_k * np.clip(shade - 1.0, 0.0, 0.6))[..., None]

    if style.random() < 0.3:
        thresh = style.uniform(0.88, 0.97)
        holes = np.clip((wear - thresh) / 0.05, 0.0, 1.0)
        holes *= np.clip(0.5 + 0.8 * smooth_noise(shape, rng, 15), 0.0, 1.0)
        mid = np.asarray(MIDSOLES[int(style.integers(len(MIDSOLES)))], np.float32)
        colour = colour * (1.0 - holes[..., None]) + mid[None, None, :] * holes[..., None]

    # Dirt: dust settles in the grooves and grit sticks everywhere (per shoe, any class).
    dirt_amount = style.uniform(0.0, 0.45)
    dirt_col = np.asarray([0.40, 0.46, 0.52], np.float32) * style.uniform(0.6, 1.3)
    dirt = np.clip(0.6 + 0.7 * smooth_noise(shape, rng, 8), 0.0, 1.0) * dirt_amount
    dirt = (dirt * np.clip(1.0 - worn_h, 0.0, 1.0) ** 1.5)[..., None]
    colour = colour * (1.0 - dirt) + dirt_col[None, None, :] * dirt
    specks = (rng.random(shape, dtype=np.float32) < style.uniform(0.0005, 0.004)).astype(np.float32)
    specks = cv2.GaussianBlur(specks, (0, 0), max(frame.px_per_len * 0.0012, 0.6)) * 4.0
    speck_col = np.asarray([0.75, 0.78, 0.8] if lum < 0.4 else [0.2, 0.22, 0.25], np.float32)
    sp = np.clip(specks, 0.0, 0.8)[..., None]
    colour = colour * (1.0 - sp) + speck_col[None, None, :] * sp

    # The sole is not flat: the arch is recessed, the edges roll off, and the rubber has
    # a soft sheen towards the light.
    recess = 1.0 - 0.1 * np.exp(-(((frame.u - 0.45) / 0.12) ** 2))
    roll = 0.55 + 0.45 * np.clip(frame.edge_distance / 0.012, 0.0, 1.0) ** 0.6
    tone = 1.0 + 0.05 * smooth_noise(shape, rng, 3, octaves=2)
    centre_u = 0.5 - 0.35 * float(light[1])
    centre_v = -0.15 * float(light[0])
    gloss = style.uniform(0.0, 0.18) * np.exp(
        -(((frame.u - centre_u) / 0.35) ** 2 + ((frame.v_phys - centre_v) / 0.2) ** 2)
    )
    colour = colour * (recess * roll * tone)[..., None] + gloss[..., None]

    sole = frame.mask
    alpha = sole.copy()
    outer = frame.polygon
    if rim:
        rim_cover, rim_col, _ = _upper_rim(frame, style, rng)
        colour = colour * sole[..., None] + rim_col * rim_cover[..., None]
        alpha = np.clip(sole + rim_cover, 0.0, 1.0)
        outer = frame.offset_outline(np.full(len(frame.polygon), 0.06))
    else:
        colour = colour * sole[..., None]
    layer = Layer(
        colour=np.clip(colour, 0.0, 1.0).astype(np.float32),
        alpha=alpha.astype(np.float32),
        sole=sole,
        outer=outer,
        material=rubber,
    )
    return _blur_layer(layer, blur_px)


# Share of printed shoes whose shank is recessed: under the arch the outsole does not reach
# the paper, and the inner midfoot prints blank (both shoes of ../shared/real show it, from
# the inner edge to the middle of the sole). The wear map cannot tell blank from worn, and
# an ink outline can cut the blank arch off, so rendered prints must show both.
RECESSED_SHANK_SHARE = 0.5


def recessed_shank(frame: CanonicalFrame, style: np.random.Generator) -> np.ndarray:
    """Where a recessed shank keeps the sole off the paper: 0 to 1, soft-edged, shape
    (rows, cols); all zero for a shoe without one.

    Drawn from the shoe's style generator: both shoes of a pair have the same shank.
    """
    if style.random() >= RECESSED_SHANK_SHARE:
        return np.zeros((frame.rows, frame.cols), np.float32)
    middle = style.uniform(0.40, 0.50)  # u, within the midfoot (0.30 to 0.60)
    half_length = style.uniform(0.07, 0.14)
    # From the medial edge (v_norm -1) across a quarter to two thirds of the width.
    reach = style.uniform(0.5, 1.3)
    inside = ((frame.u - middle) / half_length) ** 2 + ((frame.v_norm + 1.0) / reach) ** 2
    return np.clip((1.0 - inside) / 0.15, 0.0, 1.0).astype(np.float32)


def render_print(
    frame: CanonicalFrame,
    *,
    label: Label,
    amount: float,
    family: str,
    style: str,
    blur_px: float,
    style_seed: int,
    rng: np.random.Generator,
) -> Layer:
    """A contact print of a worn outsole (ink on paper, or a 2D scanner's image).

    ``style="ink"``: contact areas print black and the gaps stay white; worn areas are
    flat, touch everywhere and print as filled solid contact. ``style="scanner"``: as
    the scanner renders it, the grooves print as dark lines on a light sole and the
    outline as a dark rim; worn areas lose their lines and print light and flat. Either
    way a recessed shank (:func:`recessed_shank`) prints nothing but the scanner's rim.
    """
    shape = (frame.rows, frame.cols)
    height = tread_height(frame, family, np.random.default_rng(style_seed))
    # A generator of its own, so that the prints' other draws, and every other view,
    # render as they did before shanks were drawn.
    touches = 1.0 - recessed_shank(frame, np.random.default_rng([style_seed, 29]))
    wear = outsole_wear(frame, label, amount, rng)
    worn_h = _worn_height(frame, height, wear)
    mask = frame.mask
    density = np.clip(0.85 + 0.25 * smooth_noise(shape, rng, 12), 0.3, 1.0)
    speckle: np.ndarray = (rng.random(shape, dtype=np.float32) > rng.uniform(0.0, 0.12)).astype(
        np.float32
    )
    speckle = cv2.GaussianBlur(speckle, (0, 0), max(frame.px_per_len * 0.0015, 0.6))
    if style == "ink":
        ink = np.clip((worn_h - 0.5) / 0.2, 0.0, 1.0)
        # Under-inked patches near the edge where the sole curves up.
        edge = np.clip(frame.edge_distance / rng.uniform(0.004, 0.015), 0.0, 1.0)
        ink = ink * density * speckle * (0.4 + 0.6 * edge) * touches
        colour_name = "ink"
    elif style == "scanner":
        # Only the deep part of each groove registers: thin dark lines.
        groove = np.clip((rng.uniform(0.4, 0.6) - worn_h) / 0.2, 0.0, 1.0)
        # Worn flat areas keep a faint grey mottle.
        mottle = np.clip(0.08 * smooth_noise(shape, rng, 25) + 0.04, 0.0, 0.25) * wear
        ink = np.clip(groove * density * speckle + mottle, 0.0, 1.0) * touches
        thick = rng.uniform(0.004, 0.01)
        rim_noise = np.clip(1.0 + 0.5 * smooth_noise(shape, rng, 6), 0.3, 1.6)
        outline = (frame.edge_distance < thick * rim_noise) & (mask > 0.5)
        ink = np.maximum(ink, outline.astype(np.float32) * 0.95)
        colour_name = "scanner"
    else:
        raise ValueError(f"unknown print style {style!r}")
    # Both ink and scanners saturate: a hard, grainy black-and-white look.
    grain = cv2.GaussianBlur(
        rng.standard_normal(shape, dtype=np.float32), (0, 0), max(frame.px_per_len * 0.001, 0.5)
    )
    ink = np.clip((ink - 0.5 + 0.35 * grain) / 0.3 + 0.5, 0.0, 1.0)
    ink = ink * mask
    tone = np.asarray([0.06, 0.06, 0.07], np.float32) * rng.uniform(0.5, 1.5)
    colour = tone[None, None, :] * ink[..., None]
    layer = Layer(
        colour=colour.astype(np.float32),
        alpha=ink.astype(np.float32),
        sole=mask,
        outer=frame.polygon,
        material=colour_name,
    )
    return _blur_layer(layer, blur_px)


def _text_patch(text: str, scale: float, thickness: int) -> np.ndarray:
    """White-on-black text, shape (rows, cols) float32."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
    patch = np.zeros((h + base + 2 * thickness, w + 2 * thickness), np.uint8)
    cv2.putText(
        patch,
        text,
        (thickness, h + thickness),
        cv2.FONT_HERSHEY_DUPLEX,
        scale,
        255,
        thickness,
        cv2.LINE_AA,
    )
    return patch.astype(np.float32) / 255.0


def _paste(dst: np.ndarray, patch: np.ndarray, cx: float, cy: float) -> np.ndarray:
    """``dst`` with ``patch`` placed centred on (cx, cy) via max, clipped to the borders."""
    out = dst.copy()
    ph, pw = patch.shape
    x0, y0 = int(round(cx - pw / 2)), int(round(cy - ph / 2))
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + pw, dst.shape[1]), min(y0 + ph, dst.shape[0])
    if xb <= xa or yb <= ya:
        return out
    out[ya:yb, xa:xb] = np.maximum(out[ya:yb, xa:xb], patch[ya - y0 : yb - y0, xa - x0 : xb - x0])
    return out


def render_insole(
    frame: CanonicalFrame,
    *,
    label: Label,
    amount: float,
    foam: str,
    light: np.ndarray,
    blur_px: float,
    mirror: bool,
    style_seed: int,
    rng: np.random.Generator,
) -> Layer:
    """The top of a used insole: foam, fabric, print, perforations and the imprint.

    The imprint is the footprint of :func:`model.synth.wear.footprint` (its arch index
    in the class range), darker where the class loads the foot most; on dark foam it
    shows as a lighter, shinier sheen. ``mirror`` pre-flips text so that it reads
    correctly once the photo renderer mirrors the raster.
    """
    shape = (frame.rows, frame.cols)
    s = frame.px_per_len
    style = np.random.default_rng(style_seed)
    base = np.asarray(FOAMS[foam], np.float32) * style.uniform(0.92, 1.08, 3).astype(np.float32)
    lum = luminance(base)
    # Fabric: a fine weave plus fibres.
    period = style.uniform(0.003, 0.007) * s
    xs = np.arange(frame.cols, dtype=np.float32)[None, :]
    ys = np.arange(frame.rows, dtype=np.float32)[:, None]
    weave = np.sin(xs * 2 * np.pi / max(period, 2.2)) * np.sin(ys * 2 * np.pi / max(period, 2.2))
    fabric = 1.0 + 0.03 * weave + 0.04 * rng.standard_normal(shape, dtype=np.float32)
    tone = fabric + 0.04 * smooth_noise(shape, rng, 8)
    # The raised edge of the heel cup and arch catches the light differently.
    edge_t = np.clip(frame.edge_distance / style.uniform(0.01, 0.025), 0.0, 1.0)
    gx = cv2.Sobel(edge_t, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(edge_t, cv2.CV_32F, 0, 1, ksize=3)
    bevel = 1.0 - 0.15 * np.clip(gx * light[0] + gy * light[1], -1.0, 1.0) - 0.08 * (1 - edge_t)
    colour = base[None, None, :] * (tone * bevel)[..., None]

    marks = np.zeros(shape, np.float32)
    if style.random() < 0.5:  # perforation holes in the forefoot
        pitch = style.uniform(0.015, 0.025)
        r = pitch * style.uniform(0.12, 0.22)
        uu, vv = frame.u, frame.v_phys
        row = np.floor(uu / pitch)
        fv = (vv / pitch + 0.5 * (row % 2)) % 1.0 - 0.5
        fu = uu / pitch % 1.0 - 0.5
        holes = (np.hypot(fu, fv) * pitch < r) & (uu > 0.58) & (uu < 0.86)
        holes &= frame.edge_distance > 0.03
        marks = np.maximum(marks, holes.astype(np.float32))
    colour = colour * (1.0 - 0.7 * marks[..., None])

    fp = footprint(frame, label, rng)
    # How dark the imprint is overall depends on use, not on the class: normalise its
    # mean over the insole (the class shows in the imprint's shape and where it is darkest).
    inside = frame.mask > 0.5
    target = (0.15 + 0.15 * amount) * rng.uniform(0.85, 1.15)
    mean = float(fp.pressure[inside].mean()) + 1e-6
    dark: np.ndarray = np.clip(fp.pressure * (target / mean), 0.0, 1.0)
    # Sweat and dirt are blotchy, and the imprint's edge is soft; a symmetric blur keeps
    # its half-darkness contour on the footprint mask the arch index was measured on.
    dark = dark * np.clip(1.0 + 0.2 * smooth_noise(shape, rng, 14, octaves=2), 0.6, 1.4)
    dark = cv2.GaussianBlur(dark, (0, 0), max(s * 0.004, 0.8))
    if lum < 0.25:
        sheen = dark * rng.uniform(0.25, 0.4)
        colour = colour + sheen[..., None] * (0.55 + 0.1 * fabric[..., None])
    else:
        stain = np.asarray([0.30, 0.38, 0.45], np.float32) * lum
        k = dark[..., None] * rng.uniform(0.45, 0.65)
        colour = colour * (1.0 - k) + stain[None, None, :] * k * 0.5

    if style.random() < 0.65:  # a printed logo near the heel
        text = str(style.choice(_BRANDS))
        width_len = style.uniform(0.12, 0.2)
        patch = _text_patch(text, 2.0, 3)
        scale = width_len * s / patch.shape[1]
        patch = cv2.resize(
            patch,
            (max(2, int(patch.shape[1] * scale)), max(2, int(patch.shape[0] * scale))),
            interpolation=cv2.INTER_AREA,
        )
        if mirror:
            patch = patch[:, ::-1]
        cu = style.uniform(0.1, 0.2)
        cx = frame.x0 + style.uniform(-0.01, 0.03) * s
        cy = frame.y_toe + (1.0 - cu) * s
        logo = _paste(np.zeros(shape, np.float32), patch, cx, cy) * (frame.mask > 0.5)
        ink = np.asarray(
            [(0.95, 0.95, 0.95), (0.1, 0.1, 0.1), (0.15, 0.15, 0.75), (0.7, 0.4, 0.1)][
                int(style.integers(4))
            ],
            np.float32,
        )
        if abs(luminance(ink) - lum) < 0.2:
            ink = np.asarray((0.95, 0.95, 0.95) if lum < 0.5 else (0.1, 0.1, 0.1), np.float32)
        a = logo[..., None] * style.uniform(0.6, 0.95)
        colour = colour * (1.0 - a) + ink[None, None, :] * a

    sole = frame.mask
    layer = Layer(
        colour=(np.clip(colour, 0.0, 1.0) * sole[..., None]).astype(np.float32),
        alpha=sole.copy(),
        sole=sole,
        outer=frame.polygon,
        material=foam,
        arch_index=fp.arch_index,
        imprint=fp.mask & (sole > 0.5),
    )
    return _blur_layer(layer, blur_px)


def render_shoe_top(
    frame: CanonicalFrame,
    *,
    upper: str,
    light: np.ndarray,
    blur_px: float,
    style_seed: int,
    rng: np.random.Generator,
) -> Layer:
    """A shoe seen from above (a negative): upper, collar opening, tongue, laces, stitching.

    The outline is shoe-like on purpose; no sole is visible.
    """
    shape = (frame.rows, frame.cols)
    s = frame.px_per_len
    rng = np.random.default_rng(style_seed)  # both shoes of a pair look the same
    outer = frame.offset_outline(np.full(len(frame.polygon), rng.uniform(0.0, 0.015)))
    cover = frame.polygon_mask(outer)
    name = upper
    base = np.asarray(UPPERS[name], np.float32) * rng.uniform(0.9, 1.1, 3).astype(np.float32)
    binary = (cover > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(binary, cv2.DIST_L2, 3) / s
    dome = np.sqrt(np.clip(dist / 0.09, 0.0, 1.0))
    gx = cv2.Sobel(dome.astype(np.float32), cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(dome.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3)
    shade = 0.6 + 0.4 * dome - 0.4 * np.clip(gx * light[0] + gy * light[1], -1, 1)
    texture = 1.0 + 0.05 * smooth_noise(shape, rng, 60, octaves=2)
    texture += 0.03 * rng.standard_normal(shape, dtype=np.float32)
    colour = base[None, None, :] * (shade * texture)[..., None]
    u, v = frame.u, frame.v_phys

    def blend(mask: np.ndarray, col: np.ndarray, a: float = 1.0) -> None:
        nonlocal colour
        m = np.clip(mask, 0.0, 1.0)[..., None] * a
        colour = colour * (1.0 - m) + col * m

    # Toe cap and side panels in a second colour sometimes.
    accent = np.asarray(UPPERS[str(rng.choice(list(UPPERS)))], np.float32)
    if rng.random() < 0.5:
        blend(
            (u > rng.uniform(0.8, 0.86)).astype(np.float32),
            accent[None, None, :] * shade[..., None],
            0.9,
        )
    if rng.random() < 0.5:  # a swoosh-like side overlay on the lateral side
        curve = 0.12 + 0.05 * np.sin((u - 0.2) * 4.0)
        band = (np.abs(v - curve) < 0.02) & (u > 0.15) & (u < 0.6)
        blend(band.astype(np.float32), accent[None, None, :], 0.9)

    # Collar opening: dark inside, with the insole's heel visible at its bottom.
    cu, cv = rng.uniform(0.17, 0.24), rng.uniform(-0.01, 0.01)
    au, av = rng.uniform(0.11, 0.15), rng.uniform(0.085, 0.11)
    r = ((u - cu) / au) ** 2 + ((v - cv) / av) ** 2
    inside = np.clip((1.0 - r) / 0.08, 0.0, 1.0)
    inner = np.asarray(FOAMS[str(rng.choice(list(FOAMS)))], np.float32) * 0.5
    depth_shade = np.clip(0.3 + 0.7 * (cu - u + au) / (2 * au), 0.2, 1.0)[..., None]
    blend(inside, inner[None, None, :] * depth_shade)
    collar = np.clip(1.0 - np.abs(r - 1.08) / 0.1, 0.0, 1.0)
    blend(collar, base[None, None, :] * 1.15, 0.8)

    # Tongue and laces.
    tongue = (np.abs(v) < 0.05) & (u > cu + au - 0.02) & (u < 0.62)
    blend(tongue.astype(np.float32), base[None, None, :] * 0.85, 0.7)
    lace_img = np.zeros(shape, np.uint8)
    lace_col = np.asarray(
        [(0.92, 0.92, 0.92), (0.1, 0.1, 0.1), tuple(base * 0.8)][int(rng.integers(3))], np.float32
    )
    n_eyelets = int(rng.integers(4, 7))
    us = np.linspace(cu + au + 0.01, 0.68, n_eyelets)
    half = rng.uniform(0.055, 0.075)
    thick = max(1, int(0.009 * s))
    pts_l = frame.to_px(us, np.full(n_eyelets, -half)).astype(int)
    pts_r = frame.to_px(us, np.full(n_eyelets, half)).astype(int)
    for k in range(n_eyelets - 1):
        cv2.line(lace_img, tuple(pts_l[k]), tuple(pts_r[k + 1]), 255, thick, cv2.LINE_AA)
        cv2.line(lace_img, tuple(pts_r[k]), tuple(pts_l[k + 1]), 255, thick, cv2.LINE_AA)
    for p in np.concatenate([pts_l, pts_r]):
        cv2.circle(lace_img, tuple(p), max(1, int(0.006 * s)), 128, -1, cv2.LINE_AA)
    lace = lace_img.astype(np.float32) / 255.0
    blend(lace, lace_col[None, None, :] * (0.8 + 0.2 * texture[..., None]))

    # Stitching: dashed lines just inside the outline and around the toe cap.
    stitch_img = np.zeros(shape, np.uint8)
    inner_line = frame.offset_outline(np.full(len(frame.polygon), -0.012))
    pts = frame.to_px(inner_line[:, 0], inner_line[:, 1]).astype(np.int32)
    for k in range(0, len(pts) - 1, 4):
        cv2.line(stitch_img, tuple(pts[k]), tuple(pts[k + 1]), 255, max(1, int(0.002 * s)))
    blend(stitch_img.astype(np.float32) / 255.0, (base * 0.6 + 0.25)[None, None, :], 0.7)

    layer = Layer(
        colour=(np.clip(colour, 0.0, 1.0) * cover[..., None]).astype(np.float32),
        alpha=cover,
        sole=cover,
        outer=outer,
        material=name,
    )
    return _blur_layer(layer, blur_px)
