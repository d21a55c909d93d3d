"""Render one labeled synthetic photo: soles, insoles, contact prints or a negative.

The objects are drawn in their canonical frame (see :mod:`model.synth.frame`) at a
moderate resolution and warped once into the full-resolution photo; the background and
light field are made at a reduced resolution and upscaled; noise is added at half
resolution. That keeps a 12 MP photo well under a second on one core.

Every random choice comes from the photo's seed. Nuisances (colours, tread family,
background, lighting, size, format, rotation) are drawn from streams that never see the
labels, so they carry no information about the class.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from model.footshape import (
    LABELS,
    SIDES,
    Label,
    OutlineParams,
    View,
    medial_on_image_left,
)
from model.synth.frame import CanonicalFrame
from model.synth.objects import (
    FOAMS,
    RUBBERS,
    UPPERS,
    Layer,
    luminance,
    render_insole,
    render_outsole,
    render_print,
    render_shoe_top,
)
from model.synth.scene import (
    BACKGROUNDS,
    LIGHTINGS,
    add_sensor_noise,
    background,
    background_base_colour,
    draw_clutter,
    draw_ruler_frame,
    encode,
    light_field,
)
from model.synth.tread import TREAD_FAMILIES

PHOTO_VIEWS: tuple[str, ...] = ("outsole", "insole", "print", "negative")
DEFAULT_VIEW_WEIGHTS: dict[str, float] = {
    "outsole": 0.35,
    "insole": 0.25,
    "print": 0.15,
    "negative": 0.25,
}
NEGATIVE_KINDS: tuple[str, ...] = ("top_of_shoe", "floor", "clutter")
FORMATS: tuple[str, ...] = ("jpeg", "png", "webp")
MANIFEST_COLUMNS: tuple[str, ...] = (
    "file",
    "view",
    "n_feet",
    "side",
    "label",
    "center_x",
    "center_y",
    "heel_x",
    "heel_y",
    "toe_x",
    "toe_y",
    "angle_deg",
    "length_px",
    "arch_index",
    "width",
    "height",
    "format",
    "negative_kind",
    "tread",
    "material",
    "background",
    "lighting",
    "seed",
)

# Canonical resolution cap (pixels per foot length): finer detail than this is lost in
# the analyser's working resolution anyway, and it bounds the drawing cost.
_MAX_CANON_PX = 850.0
# Long side of the working resolution of backgrounds and light fields.
_BG_LONG = 1280
# Lossless and WebP encoders are slow at 12 MP; drawn sizes for them are capped.
_SLOW_FORMAT_MAX_MP = 4.0


@dataclass
class RenderedPhoto:
    """One rendered photo.

    Attributes
    ----------
    data : bytes
        The encoded file.
    fmt : str
        ``jpeg``, ``png`` or ``webp``.
    rows : list of dict
        Manifest rows (every column but ``file``): one per foot, or one for a negative.
    image : ndarray, shape (rows, cols, 3), uint8
        The BGR image before encoding.
    masks : list of ndarray or None
        With ``with_masks=True``: the visible sole (or insole, or print) region of each
        foot, bool arrays of shape (rows, cols), in the order of ``rows``.
    imprints : list of ndarray or None
        With ``with_masks=True``: the visible part of each insole's imprint (where the
        foot pressed it, toes included), like ``masks``; all False for other views.
    """

    data: bytes
    fmt: str
    rows: list[dict[str, Any]]
    image: np.ndarray
    masks: list[np.ndarray] | None = field(default=None, repr=False)
    imprints: list[np.ndarray] | None = field(default=None, repr=False)


@dataclass
class _Placed:
    layer: Layer
    homography: np.ndarray  # canonical pixel -> photo pixel
    frame: CanonicalFrame
    side: str
    label: str


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.concatenate([pts, np.ones((len(pts), 1))], axis=1) @ h.T
    return p[:, :2] / p[:, 2:3]


def _local_from_canonical(frame: CanonicalFrame, mirror: bool) -> np.ndarray:
    """Canonical pixel -> local foot frame (foot lengths, toe up, centred at mid-length)."""
    s = frame.px_per_len
    sx = -1.0 / s if mirror else 1.0 / s
    yc = frame.y_toe + 0.5 * s
    return np.array([[sx, 0.0, -sx * frame.x0], [0.0, 1.0 / s, -yc / s], [0.0, 0.0, 1.0]])


def _rotation(theta_deg: float, scale: float) -> np.ndarray:
    """Rotate the local toe-up frame so the toe points at ``theta`` (CCW, y up), scaled."""
    phi = math.pi / 2 - math.radians(theta_deg)
    c, s = math.cos(phi) * scale, math.sin(phi) * scale
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _choose(rng: np.random.Generator, options: Sequence[str], weights: Sequence[float]) -> str:
    w = np.asarray(weights, np.float64)
    return str(options[int(rng.choice(len(options), p=w / w.sum()))])


def _contrast_background(
    rng: np.random.Generator, material_lum: float | None
) -> tuple[str, np.ndarray]:
    """A background kind and colour, mostly in sensible contrast with the object."""
    for _ in range(8):
        kind = str(rng.choice(BACKGROUNDS))
        base = background_base_colour(kind, rng)
        if material_lum is None or abs(luminance(base) - material_lum) >= 0.16:
            return kind, base
        if rng.random() < 0.12:  # clinic staff sometimes do shoot dark on dark
            return kind, base
    return kind, base


def render_photo(
    seed: int,
    *,
    view: str | None = None,
    n_feet: int | None = None,
    labels: tuple[str, ...] | None = None,
    sides: tuple[str, ...] | None = None,
    megapixels: float | None = None,
    fmt: str | None = None,
    rotation_deg: float | None = None,
    treads: Sequence[str] | None = None,
    lightings: Sequence[str] | None = None,
    max_megapixels: float = 12.0,
    view_weights: dict[str, float] | None = None,
    with_masks: bool = False,
) -> RenderedPhoto:
    """Render one labeled synthetic photo.

    Parameters
    ----------
    seed : int
        Every choice left open is drawn from this seed; the output is a pure function of
        the seed and the arguments.
    view : {"outsole", "insole", "print", "negative"}, optional
    n_feet : {1, 2}, optional
        Ignored for negatives (always 0).
    labels, sides : tuple of str, optional
        One per foot. A pair is a left and a right foot; its labels usually agree.
    megapixels : float, optional
        Photo size; drawn log-uniformly from 1 to ``max_megapixels`` otherwise.
    fmt : {"jpeg", "png", "webp"}, optional
    rotation_deg : float, optional
        Heel-to-toe direction of the (first) foot, CCW from +x with y up (90 = toe up).
    treads, lightings : sequence of str, optional
        Allowed tread families and lightings (to hold some out); default all.
    max_megapixels : float
    view_weights : dict, optional
        Mix of views when ``view`` is None.
    with_masks : bool
        Also return the visible sole region of each foot.

    Returns
    -------
    RenderedPhoto
    """
    root = np.random.SeedSequence(int(seed))
    r_choice, r_scene, r_obj, r_noise, r_style = (np.random.default_rng(s) for s in root.spawn(5))
    treads = tuple(treads) if treads else TREAD_FAMILIES
    lightings = tuple(lightings) if lightings else LIGHTINGS
    for t in treads:
        if t not in TREAD_FAMILIES:
            raise ValueError(f"unknown tread family {t!r}")
    for li in lightings:
        if li not in LIGHTINGS:
            raise ValueError(f"unknown lighting {li!r}")

    # --- what is in the photo -----------------------------------------------------
    if view is None:
        weights = view_weights or DEFAULT_VIEW_WEIGHTS
        keys = [k for k in PHOTO_VIEWS if weights.get(k, 0.0) > 0]
        view = _choose(r_choice, keys, [weights[k] for k in keys])
    if view not in PHOTO_VIEWS:
        raise ValueError(f"unknown view {view!r}")
    negative_kind = ""
    if view == "negative":
        n_feet = 0
        negative_kind = _choose(r_choice, NEGATIVE_KINDS, (0.45, 0.2, 0.35))
    elif n_feet is None:
        n_feet = 1 if r_choice.random() < (0.8 if view == "print" else 0.5) else 2
    if view != "negative" and n_feet not in (1, 2):
        raise ValueError("n_feet must be 1 or 2")
    n_objects = n_feet
    if negative_kind == "top_of_shoe":
        n_objects = 1 if r_choice.random() < 0.5 else 2
    if sides is None:
        sides = ("left", "right") if n_objects == 2 else (str(r_choice.choice(SIDES)),) * n_objects
    if len(sides) != n_objects or any(s not in SIDES for s in sides):
        raise ValueError(f"sides must name {n_objects} of left/right")
    if labels is None:
        if n_feet == 0:
            labels = ()
        else:
            first = str(r_choice.choice(LABELS))
            labels = (first,)
            if n_feet == 2:
                second = first if r_choice.random() < 0.8 else str(r_choice.choice(LABELS))
                labels = (first, second)
    if n_feet and (len(labels) != n_feet or any(lb not in LABELS for lb in labels)):
        raise ValueError(f"labels must name {n_feet} of {LABELS}")

    # --- the photo ------------------------------------------------------------------
    print_mode = ""
    if view == "print":
        print_mode = "scan" if r_scene.random() < 0.7 else "photo"
    if fmt is None:
        fmt = _choose(r_scene, FORMATS, (0.8, 0.1, 0.1))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if megapixels is None:
        hi = max(1.0, float(max_megapixels))
        megapixels = float(math.exp(r_scene.uniform(0.0, math.log(hi))))
        if fmt != "jpeg":
            megapixels = min(megapixels, _SLOW_FORMAT_MAX_MP)
    if rotation_deg is None:
        if print_mode == "scan":
            rotation_deg = (
                90.0
                if r_scene.random() < 0.75
                else float(r_scene.choice([270.0, 0.0, 180.0, r_scene.uniform(0, 360)]))
            )
        else:
            rotation_deg = float(r_scene.uniform(0.0, 360.0))
    rotation_deg = float(rotation_deg) % 360.0
    if print_mode == "scan":
        aspect = float(r_scene.uniform(0.40, 0.48))  # narrow portrait, like a scanner bed
        along_x = abs(math.cos(math.radians(rotation_deg))) > abs(
            math.sin(math.radians(rotation_deg))
        )
        if along_x:
            aspect = 1.0 / aspect
    else:
        aspect = float(r_scene.choice([4 / 3, 3 / 2, 16 / 9, 1.0]))
        if r_scene.random() < 0.5:
            aspect = 1.0 / aspect
    width = max(64, round(math.sqrt(megapixels * 1e6 * aspect)))
    height = max(64, round(megapixels * 1e6 / width))
    long_side = max(width, height)

    lighting = str(r_scene.choice(lightings))
    light_strength = 0.05 if print_mode == "scan" else 1.0
    fill = float(r_scene.uniform(0.25, 0.85))
    if print_mode == "scan":
        fill = float(r_scene.uniform(0.68, 0.82))
    perspective = print_mode != "scan" and r_scene.random() < 0.7
    tilt = float(r_scene.uniform(0.0, 0.08)) if perspective else 0.0
    tilt_dir = float(r_scene.uniform(0, 2 * math.pi))
    blur_img = 0.0 if r_scene.random() < 0.45 else float(r_scene.uniform(0.4, 2.2))
    blur_img *= long_side / 2000.0
    noise_sigma = float(
        r_scene.uniform(0.3, 1.2) if print_mode == "scan" else r_scene.uniform(0.8, 4.5)
    )
    quality = int(r_scene.integers(70, 96))
    gap = float(r_scene.uniform(-0.03, 0.25))
    pair_rot = r_scene.normal(0.0, 4.0, 2)
    stagger = r_scene.uniform(-0.06, 0.06, 2)
    swap_pair = bool(r_scene.random() < 0.5)

    # Object appearance (shared by both feet of a pair).
    family = str(r_scene.choice(treads))
    material = ""
    material_lum: float | None = None
    print_style = ""
    if view == "outsole":
        material = str(r_scene.choice(list(RUBBERS)))
        material_lum = luminance(RUBBERS[material])
    elif view == "insole":
        material = str(r_scene.choice(list(FOAMS)))
        material_lum = luminance(FOAMS[material])
    elif view == "print":
        print_style = "scanner" if r_scene.random() < 0.5 else "ink"
        material = print_style
        material_lum = 0.1
    elif negative_kind == "top_of_shoe":
        material = str(r_scene.choice(list(UPPERS)))
        material_lum = luminance(UPPERS[material])
    if print_mode == "scan":
        bg_kind = "white_paper"
        bg_base = np.asarray((0.99, 0.99, 0.985), np.float32) * r_scene.uniform(0.98, 1.0)
    else:
        bg_kind, bg_base = _contrast_background(r_scene, material_lum)
    rim = view == "outsole" and r_scene.random() < 0.55
    outline = OutlineParams.random(r_scene)
    style_seed = int(r_style.integers(0, 2**31 - 1))
    amount = [float(r_obj.uniform(0.25, 1.3)) for _ in range(max(n_objects, 1))]

    # --- placement -------------------------------------------------------------------
    foot_px = fill * long_side
    placed_specs: list[tuple[float, float, float, bool]] = []  # (x_off, y_off, rot, mirror)
    frames_unit: list[CanonicalFrame] = []
    if n_objects:
        for i in range(n_objects):
            # Only an outsole photo is a plantar view; the top of a shoe is dorsal.
            vw: View = "outsole" if view == "outsole" else "insole"
            mirror = not medial_on_image_left(vw, sides[i])  # type: ignore[arg-type]
            frames_unit.append(CanonicalFrame(outline, 64.0))
            placed_specs.append((0.0, 0.0, 0.0, mirror))
        if n_objects == 2:
            # Side by side across the toe-up frame, the gap between the facing edges.
            ext = []
            for i in range(2):
                poly = frames_unit[i].polygon
                xs = -poly[:, 1] if placed_specs[i][3] else poly[:, 1]
                ext.append((float(xs.min()), float(xs.max())))
            order = (1, 0) if swap_pair else (0, 1)
            a, b = order
            xa = -gap / 2 - ext[a][1]
            xb = gap / 2 - ext[b][0]
            shift = (xa + xb) / 2
            specs = list(placed_specs)
            specs[a] = (xa - shift, float(stagger[0]), float(pair_rot[0]), placed_specs[a][3])
            specs[b] = (xb - shift, float(stagger[1]), float(pair_rot[1]), placed_specs[b][3])
            placed_specs = specs

    def group_transform(scale: float, centre: tuple[float, float], i: int) -> np.ndarray:
        x_off, y_off, rot, _mirror = placed_specs[i]
        g = _rotation(rotation_deg, scale)
        # The pair offset lives in the group frame (toe up, x right), rotated with it.
        off = _rotation(rotation_deg, scale) @ np.array([x_off, -y_off, 1.0])
        own = _rotation(90.0 + rot, 1.0)
        return _translate(centre[0] + off[0], centre[1] + off[1]) @ g @ own

    def outer_local(i: int) -> np.ndarray:
        f = frames_unit[i]
        poly = f.polygon
        pts = f.to_px(poly[:, 0], poly[:, 1])
        return _apply(_local_from_canonical(f, placed_specs[i][3]), pts)

    centre = (width / 2.0, height / 2.0)
    if n_objects:
        # Shrink until the whole group fits, then place it at random inside the photo.
        pts_all = np.concatenate(
            [
                _apply(group_transform(1.0, (0.0, 0.0), i), outer_local(i) * 1.12)
                for i in range(n_objects)
            ]
        )
        span = pts_all.max(axis=0) - pts_all.min(axis=0)
        margin = 0.96 if print_mode != "scan" else 0.8
        foot_px = min(foot_px, margin * width / span[0], margin * height / span[1])
        lo = pts_all.min(axis=0) * foot_px
        hi = pts_all.max(axis=0) * foot_px
        cx = float(r_scene.uniform(-lo[0], width - hi[0])) if width - hi[0] > -lo[0] else width / 2
        cy = (
            float(r_scene.uniform(-lo[1], height - hi[1]))
            if height - hi[1] > -lo[1]
            else height / 2
        )
        centre = (cx, cy)
    persp = np.eye(3)
    if tilt > 0:
        k = tilt / (foot_px / 2.0)
        persp = (
            _translate(*centre)
            @ np.array([[1, 0, 0], [0, 1, 0], [k * math.cos(tilt_dir), k * math.sin(tilt_dir), 1]])
            @ _translate(-centre[0], -centre[1])
        )

    # --- light and background (reduced resolution) ----------------------------------
    bg_scale = min(1.0, _BG_LONG / long_side)
    bw, bh = max(8, round(width * bg_scale)), max(8, round(height * bg_scale))
    light, light_dir = light_field(lighting, (bh, bw), r_scene, strength=light_strength)
    bg = background(bg_kind, (bh, bw), bg_base, foot_px * bg_scale, r_scene)
    if negative_kind == "clutter":
        bg = draw_clutter(bg, r_obj, foot_px=foot_px * bg_scale, count=int(r_obj.integers(2, 7)))
    elif n_objects and print_mode != "scan" and r_scene.random() < 0.1:
        # An odd object lying beside the shoes.
        bg = draw_clutter(bg, r_obj, foot_px=foot_px * bg_scale * 0.4, count=1)

    # --- objects in their canonical frames -------------------------------------------
    canon_px = float(np.clip(foot_px, 96.0, _MAX_CANON_PX))
    placed: list[_Placed] = []
    for i in range(n_objects):
        frame = CanonicalFrame(outline, canon_px)
        mirror = placed_specs[i][3]
        h = persp @ group_transform(foot_px, centre, i) @ _local_from_canonical(frame, mirror)
        lin = h[:2, :2]
        lc = np.linalg.solve(lin, light_dir.astype(np.float64))
        lc = lc / (np.linalg.norm(lc) + 1e-12)
        up = foot_px / canon_px  # photo pixels per canonical pixel
        blur_c = math.sqrt(max(blur_img**2 - 0.25 * up * up, 0.0)) / up
        rng_i = np.random.default_rng([int(seed) & 0xFFFFFFFF, 17, i])
        label: Label = labels[i] if n_feet else "neutral"  # type: ignore[assignment]
        if view == "outsole":
            layer = render_outsole(
                frame,
                label=label,
                amount=amount[i],
                family=family,
                rubber=material,
                light=lc,
                blur_px=blur_c,
                rim=rim,
                style_seed=style_seed,
                rng=rng_i,
            )
        elif view == "print":
            layer = render_print(
                frame,
                label=label,
                amount=amount[i],
                family=family,
                style=print_style,
                blur_px=blur_c,
                style_seed=style_seed,
                rng=rng_i,
            )
        elif view == "insole":
            layer = render_insole(
                frame,
                label=label,
                amount=amount[i],
                foam=material,
                light=lc,
                blur_px=blur_c,
                mirror=mirror,
                style_seed=style_seed,
                rng=rng_i,
            )
        else:
            layer = render_shoe_top(
                frame,
                upper=material,
                light=lc,
                blur_px=blur_c,
                style_seed=style_seed,
                rng=rng_i,
            )
        placed.append(_Placed(layer, h, frame, sides[i], labels[i] if n_feet else ""))

    # Soft shadows on the background, away from the light.
    if placed and view != "print":
        sh: np.ndarray = np.zeros((bh, bw), np.float32)
        for p in placed:
            f = p.frame
            pts = _apply(p.homography, f.to_px(p.layer.outer[:, 0], p.layer.outer[:, 1])) * bg_scale
            m = np.zeros((bh, bw), np.uint8)
            cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
            sh = np.maximum(sh, m.astype(np.float32) / 255.0)
        soft = float(r_scene.uniform(0.01, 0.04)) * foot_px * bg_scale
        off = light_dir * float(r_scene.uniform(0.005, 0.03)) * foot_px * bg_scale
        sh = cv2.GaussianBlur(sh, (0, 0), max(soft, 0.8))
        sh = cv2.warpAffine(sh, np.array([[1, 0, off[0]], [0, 1, off[1]]], np.float32), (bw, bh))
        bg = bg * (1.0 - float(r_scene.uniform(0.15, 0.4)) * sh[..., None])
    if print_mode == "photo":
        bg = _paper_under(bg, placed, bg_scale, r_scene)
    if blur_img > 0:
        bg = cv2.GaussianBlur(bg, (0, 0), max(blur_img * bg_scale, 0.3))

    # Light falls on everything: the background here, each object in its own frame below,
    # so no full-resolution pass is needed for it.
    bg = bg * light
    img: np.ndarray = np.clip(bg * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if (bw, bh) != (width, height):
        img = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)

    # --- composite at full resolution -----------------------------------------------
    visible: list[tuple[int, int, np.ndarray]] = []
    # Each object's imprint in the same box as its entry of ``visible`` (insoles).
    imprints: list[np.ndarray] = []
    for p in placed:
        f = p.frame
        corners = np.array([[0, 0], [f.cols, 0], [f.cols, f.rows], [0, f.rows]], np.float64)
        dst = _apply(p.homography, corners)
        x0 = max(0, int(math.floor(dst[:, 0].min())))
        y0 = max(0, int(math.floor(dst[:, 1].min())))
        x1 = min(width, int(math.ceil(dst[:, 0].max())) + 1)
        y1 = min(height, int(math.ceil(dst[:, 1].max())) + 1)
        if x1 <= x0 or y1 <= y0:
            visible.append((0, 0, np.zeros((0, 0), bool)))
            imprints.append(np.zeros((0, 0), bool))
            continue
        hroi = _translate(-x0, -y0) @ p.homography
        size = (x1 - x0, y1 - y0)
        to_bg = np.diag([bg_scale, bg_scale, 1.0]) @ p.homography
        light_c = cv2.warpPerspective(
            light,
            np.linalg.inv(to_bg),
            (f.cols, f.rows),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        colour = np.clip(p.layer.colour * light_c * 255.0 + 0.5, 0, 255).astype(np.uint8)
        alpha = np.clip(p.layer.alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
        sole = (p.layer.sole >= 0.5).astype(np.uint8) * 255
        wc = cv2.warpPerspective(colour, hroi, size, flags=cv2.INTER_LINEAR)
        wa = cv2.warpPerspective(alpha, hroi, size, flags=cv2.INTER_LINEAR)
        ws = cv2.warpPerspective(sole, hroi, size, flags=cv2.INTER_LINEAR) >= 128
        if with_masks and p.layer.imprint is not None:
            pressed = p.layer.imprint.astype(np.uint8) * 255
            imprints.append(cv2.warpPerspective(pressed, hroi, size, flags=cv2.INTER_LINEAR) >= 128)
        else:
            imprints.append(np.zeros_like(ws))
        roi = img[y0:y1, x0:x1]
        keep = cv2.merge([255 - wa] * 3)
        img[y0:y1, x0:x1] = cv2.add(cv2.multiply(roi, keep, scale=1.0 / 255.0), wc)
        # This object hides what it covers of the ones drawn before it.
        covered = wa >= 128
        for j, (vx, vy, vm) in enumerate(visible):
            if vm.size == 0:
                continue
            ax0, ay0 = max(vx, x0), max(vy, y0)
            ax1, ay1 = min(vx + vm.shape[1], x1), min(vy + vm.shape[0], y1)
            if ax1 > ax0 and ay1 > ay0:
                sub = vm[ay0 - vy : ay1 - vy, ax0 - vx : ax1 - vx]
                sub &= ~covered[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
                visible[j] = (vx, vy, vm)
        visible.append((x0, y0, ws))

    if print_mode == "scan" and r_scene.random() < 0.8:
        shoe_cm = float(r_scene.uniform(25.0, 32.0))
        img = draw_ruler_frame(img, px_per_cm=foot_px / shoe_cm)
    img = add_sensor_noise(img, r_noise, sigma=noise_sigma)
    data = encode(img, fmt, quality)

    # --- manifest rows ----------------------------------------------------------------
    common: dict[str, Any] = {
        "width": width,
        "height": height,
        "format": fmt,
        "background": bg_kind,
        "lighting": lighting,
        "seed": int(seed),
    }
    rows: list[dict[str, Any]] = []
    masks: list[np.ndarray] = []
    pressed_masks: list[np.ndarray] = []
    if n_feet == 0:
        rows.append(
            {
                "view": "negative",
                "n_feet": 0,
                "side": "",
                "label": "none",
                **dict.fromkeys(
                    (
                        "center_x",
                        "center_y",
                        "heel_x",
                        "heel_y",
                        "toe_x",
                        "toe_y",
                        "angle_deg",
                        "length_px",
                        "arch_index",
                    ),
                    "",
                ),
                **common,
                "negative_kind": negative_kind,
                "tread": "",
                "material": material,
            }
        )
    else:
        for p, (vx, vy, vm), pressed in zip(placed, visible, imprints, strict=True):
            f = p.frame
            ends = f.to_px(
                np.array([f.heel_point[0], f.toe_point[0]]),
                np.array([f.heel_point[1], f.toe_point[1]]),
            )
            (hx, hy), (tx, ty) = _apply(p.homography, ends)
            mom: dict[str, float] = (
                cv2.moments(vm.astype(np.uint8), binaryImage=True) if vm.size else {"m00": 0.0}
            )
            if mom["m00"] > 0:
                cx, cy = vx + mom["m10"] / mom["m00"], vy + mom["m01"] / mom["m00"]
            else:  # pragma: no cover - objects are always placed inside the photo
                cx, cy = (hx + tx) / 2, (hy + ty) / 2
            rows.append(
                {
                    "view": view,
                    "n_feet": n_feet,
                    "side": p.side,
                    "label": p.label,
                    "center_x": round(float(cx), 2),
                    "center_y": round(float(cy), 2),
                    "heel_x": round(float(hx), 2),
                    "heel_y": round(float(hy), 2),
                    "toe_x": round(float(tx), 2),
                    "toe_y": round(float(ty), 2),
                    "angle_deg": round(math.degrees(math.atan2(-(ty - hy), tx - hx)) % 360.0, 2),
                    "length_px": round(float(math.hypot(tx - hx, ty - hy)), 2),
                    "arch_index": (
                        round(float(p.layer.arch_index), 4)
                        if p.layer.arch_index is not None
                        else ""
                    ),
                    **common,
                    "negative_kind": "",
                    "tread": family if view in ("outsole", "print") else "",
                    "material": material,
                }
            )
            if with_masks:
                full = np.zeros((height, width), bool)
                full_pressed = np.zeros((height, width), bool)
                if vm.size:
                    full[vy : vy + vm.shape[0], vx : vx + vm.shape[1]] = vm
                    full_pressed[vy : vy + vm.shape[0], vx : vx + vm.shape[1]] = pressed & vm
                masks.append(full)
                pressed_masks.append(full_pressed)
    ordered = [{k: row[k] for k in MANIFEST_COLUMNS if k != "file"} for row in rows]
    return RenderedPhoto(
        data=data,
        fmt=fmt,
        rows=ordered,
        image=img,
        masks=masks if with_masks else None,
        imprints=pressed_masks if with_masks else None,
    )


def _paper_under(
    bg: np.ndarray, placed: list[_Placed], bg_scale: float, rng: np.random.Generator
) -> np.ndarray:
    """A sheet of paper under contact prints photographed on a table, ``bg`` (rows, cols, 3)."""
    pts = (
        np.concatenate(
            [
                _apply(p.homography, p.frame.to_px(p.frame.polygon[:, 0], p.frame.polygon[:, 1]))
                for p in placed
            ]
        )
        * bg_scale
    )
    rect = cv2.minAreaRect(pts.astype(np.float32))
    (cx, cy), (w, h), ang = rect
    pad = rng.uniform(1.08, 1.35)
    box = cv2.boxPoints(((cx, cy), (w * pad + 10, h * pad * 1.05 + 10), ang))
    m = np.zeros(bg.shape[:2], np.uint8)
    cv2.fillPoly(m, [np.round(box * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
    cover = m.astype(np.float32) / 255.0
    shadow = np.roll(cv2.GaussianBlur(cover, (0, 0), 3.0), 3, axis=0)
    paper = np.asarray((0.95, 0.96, 0.96), np.float32) * rng.uniform(0.92, 1.0)
    out = bg * (1.0 - 0.25 * shadow[..., None])
    c = cover[..., None]
    return (out * (1.0 - c) + paper[None, None, :] * c).astype(np.float32)
