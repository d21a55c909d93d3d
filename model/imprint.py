"""The imprint on an insole: which canonical pixels the foot pressed.

The arch index, Chippaux-Smirak and Staheli indices are read from the imprint's outline,
so they are only as good as that outline. A fixed threshold on how much darker a pixel is
than the foam confused the imprint with uneven light, printed logos and the foam's own
colour (on red foam a stain barely changes the luminance; it shows in the red channel).
A small network learns the outline instead, per canonical pixel, from features that
describe a pixel relative to its own insole:

- its colour, channel by channel, against the insole's median colour (a stain darkens
  the foam's own colour; on dark foam the foot leaves a lighter sheen);
- its place in the insole's range of shades, and against its surroundings at two scales
  (the imprint is a broad patch; light changes more slowly still);
- the shading gradient (the imprint's edge is a step), the distance from the outline (the
  imprint stays inside the insole's rim), and the foam's median shade and saturation, so
  the network can tell dark foam from light.

None of them says where along the foot a pixel lies: the network must not learn which
shapes each class has, only where this foot pressed. It is trained on the renderer's
imprint masks (``model.training.fit_imprint_model``), like the sole segmenter.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.stats import rankdata

from model.locate import FootFrame, PixelModel
from model.wear import inner_mask

IMPRINT_FEATURES: tuple[str, ...] = (
    "log_blue",
    "log_green",
    "log_red",
    "shade_rank",
    "shade_span",
    "local_contrast_8",
    "local_contrast_20",
    "local_band_8_20",
    "gradient",
    "edge_distance",
    "blue_minus_red",
    "saturation",
    "foam_shade",
    "foam_saturation",
)

# A pixel is part of the imprint when the network gives it at least this probability.
IMPRINT_PROBABILITY = 0.5


def _masked_blur(image: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    # A blur of the insole alone: the background around it must not leak in.
    num = cv2.GaussianBlur(image * weight, (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    return num / np.maximum(den, 1e-3)


def imprint_features(canonical: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel features of the insole's inner part.

    Parameters
    ----------
    canonical : ndarray, shape (rows, cols, 3), uint8 BGR
        The insole in the canonical frame.
    mask : ndarray, shape (rows, cols), bool
        The insole in the canonical frame.

    Returns
    -------
    features : ndarray, shape (n, len(IMPRINT_FEATURES)), float32
        One row per pixel of ``inner``, in row-major order.
    inner : ndarray, shape (rows, cols), bool
        The insole without its rim (see :func:`model.wear.inner_mask`); empty when the
        insole is too small to have one.
    """
    inner = inner_mask(mask)
    if not inner.any():
        return np.zeros((0, len(IMPRINT_FEATURES)), np.float32), inner
    weight = inner.astype(np.float32)
    # Perforations and fabric weave are small: a median filter drops them first.
    smooth = cv2.GaussianBlur(cv2.medianBlur(canonical, 5).astype(np.float32), (0, 0), 1.5)
    colours = smooth[inner]
    median_colour = np.median(colours, axis=0) + 1.0
    log_colour = np.log((colours + 1.0) / median_colour)
    gray = cv2.cvtColor(smooth, cv2.COLOR_BGR2GRAY)
    shade = np.log(gray + 1.0)
    inside = shade[inner]
    # The share of the insole's shades darker than each pixel's.
    rank = (rankdata(inside, method="min") - 1) / inside.size
    low, high = np.percentile(inside, [5, 95])
    blur8 = _masked_blur(shade, weight, 8.0)
    blur20 = _masked_blur(shade, weight, 20.0)
    gx = cv2.Sobel(shade, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(shade, cv2.CV_32F, 0, 1, ksize=3)
    edge_distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5) / mask.shape[1]
    # Channel by channel: NumPy reduces over a last axis of 3 slowly.
    blue, green, red = cv2.split(smooth)
    brightest = np.maximum(np.maximum(blue, green), red)
    saturation = (brightest - np.minimum(np.minimum(blue, green), red)) / (brightest + 1.0)
    blue_minus_red = (blue - red) / (blue + green + red + 3.0)
    foam_saturation = float(np.median(saturation[inner]))
    n = int(inner.sum())
    columns = [
        log_colour[:, 0],
        log_colour[:, 1],
        log_colour[:, 2],
        rank,
        (inside - low) / max(high - low, 0.05),
        inside - blur8[inner],
        inside - blur20[inner],
        blur8[inner] - blur20[inner],
        np.hypot(gx, gy)[inner],
        edge_distance[inner],
        blue_minus_red[inner] - np.median(blue_minus_red[inner]),
        saturation[inner] - foam_saturation,
        np.full(n, float(np.median(inside))),
        np.full(n, foam_saturation),
    ]
    # Filled column by column: stacking would build the whole table in float64 first.
    features = np.empty((n, len(IMPRINT_FEATURES)), dtype=np.float32)
    for i, column in enumerate(columns):
        features[:, i] = column
    return features, inner


def find_imprint(canonical: np.ndarray, mask: np.ndarray, model: PixelModel) -> np.ndarray:
    """The pixels of the insole the foot pressed.

    Parameters
    ----------
    canonical : ndarray, shape (rows, cols, 3), uint8 BGR
        The insole in the canonical frame.
    mask : ndarray, shape (rows, cols), bool
        The insole in the canonical frame.
    model : PixelModel

    Returns
    -------
    ndarray, shape (rows, cols), bool
        True where the model gives at least ``IMPRINT_PROBABILITY``; never on the rim.
    """
    features, inner = imprint_features(canonical, mask)
    imprint = np.zeros(mask.shape, bool)
    if len(features):
        imprint[inner] = model.predict_proba(features)[:, 1] >= IMPRINT_PROBABILITY
    return imprint


def mask_in_frame(mask: np.ndarray, working_shape: tuple[int, ...], frame: FootFrame) -> np.ndarray:
    """A mask of the original photo (a rendered imprint) mapped into an object's canonical
    frame, shape as ``frame.mask`` (bool): where training and the benchmarks compare the
    imprint found with the true one.

    Parameters
    ----------
    mask : ndarray, shape (rows, cols), bool
        In the original photo's pixels.
    working_shape : tuple
        Shape of the working image the frame was fitted on (the decoded photo's image).
    frame : FootFrame
    """
    working = cv2.resize(
        mask.astype(np.uint8) * 255,
        (working_shape[1], working_shape[0]),
        interpolation=cv2.INTER_AREA,
    )
    return cv2.warpAffine(working, frame.to_canonical, frame.mask.shape[::-1]) >= 128
