"""Wear maps: how worn each point of a sole is, in the canonical frame.

- Outsole: wear is the loss of tread relief. The tread's local contrast is compared with
  the sole's own well-kept tread (a high percentile of its contrast), so the measure does
  not depend on the rubber's colour or the photo's exposure.
- Print (a contact print or scan): fresh tread prints as a pattern; worn rubber is flat
  and prints as an even patch (solid ink on an ink print, blank on a scanner print). Wear
  is the loss of the pattern, as on an outsole.
- Insole: the foot's imprint is darker than the unpressed foam (on dark foam, a lighter
  sheen); wear is that change, relative to the insole's own range. Which way the shade
  changed is read off the imprint the imprint model found (:mod:`model.imprint`).

All maps are float32 in [0, 1], NaN outside the object.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.footshape import View

# Tread elements are a few percent of the foot's length; at the canonical scale of 320
# pixels per foot these sigmas separate tread detail from shading.
DETAIL_SIGMA = 3.0
ENERGY_SIGMA = 6.0
# The outline's own contrast with the background is not tread: stay this far inside.
EDGE_MARGIN_PX = 6
# Insole foam darker than this (luminance, 0-255) shows the imprint as a lighter sheen:
# the rule when no imprint was found to tell which way the shade changed.
DARK_FOAM = 64.0
# Pixels the imprint and the unpressed foam each need for their shades to be compared.
MIN_SHADE_PIXELS = 200


def inner_mask(mask: np.ndarray, *, margin: int = EDGE_MARGIN_PX) -> np.ndarray:
    """The object shrunk by ``margin`` pixels, shape as ``mask`` (bool)."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    return cv2.erode(mask.astype(np.uint8), kernel).astype(bool)


def relief_energy(gray: np.ndarray) -> np.ndarray:
    """Local tread contrast: RMS of the detail layer, shape as ``gray`` (float32)."""
    detail = gray - cv2.GaussianBlur(gray, (0, 0), DETAIL_SIGMA)
    return np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), ENERGY_SIGMA))


def wear_map(
    canonical: np.ndarray,
    mask: np.ndarray,
    *,
    view: View,
    imprint: np.ndarray | None,
) -> np.ndarray:
    """Wear intensity of every canonical pixel.

    Parameters
    ----------
    canonical : ndarray, shape (rows, cols, 3), uint8 BGR
        The object warped into the canonical frame.
    mask : ndarray, shape (rows, cols), bool
        The object in the canonical frame.
    view : {"outsole", "insole", "print"}
    imprint : ndarray, shape (rows, cols), bool, or None
        Where the foot pressed an insole (see :func:`model.imprint.find_imprint`); None
        for the other views.

    Returns
    -------
    ndarray, shape (rows, cols), float32
        Wear in [0, 1]; NaN outside the object's inner part.
    """
    gray = cv2.cvtColor(canonical, cv2.COLOR_BGR2GRAY).astype(np.float32)
    inner = inner_mask(mask)
    if not inner.any():
        inner = mask
    if view == "insole":
        wear = _imprint_darkness(gray, inner, imprint)
    else:
        energy = relief_energy(gray)
        reference = max(float(np.percentile(energy[inner], 85)), 1.0)
        wear = np.clip(1.0 - energy / reference, 0.0, 1.0)
    out = wear.astype(np.float32)
    out[~inner] = np.nan
    return out


def _imprint_darkness(
    gray: np.ndarray, inner: np.ndarray, imprint: np.ndarray | None
) -> np.ndarray:
    # Perforations and fabric weave are small; a median filter drops them before the
    # imprint's broad change of shade is measured.
    g8 = np.clip(gray, 0, 255).astype(np.uint8)
    smooth = cv2.GaussianBlur(cv2.medianBlur(g8, 7).astype(np.float32), (0, 0), 2.0)
    values = smooth[inner]
    pressed = inner & imprint if imprint is not None else np.zeros_like(inner)
    unpressed = inner & ~pressed
    if pressed.sum() >= MIN_SHADE_PIXELS and unpressed.sum() >= MIN_SHADE_PIXELS:
        # The foot left a lighter sheen (dark foam), not a darker mark, when its imprint
        # is lighter than the foam it did not press.
        lighter = float(np.median(smooth[pressed])) > float(np.median(smooth[unpressed]))
    else:
        lighter = float(np.median(values)) < DARK_FOAM
    if lighter:
        smooth, values = 255.0 - smooth, 255.0 - values
    foam = float(np.percentile(values, 95))
    deepest = float(np.percentile(values, 2))
    span = max(foam - deepest, 12.0)
    return np.clip((foam - smooth) / span, 0.0, 1.0)
