"""A raster of the canonical foot frame, in which every sole is drawn before it is placed.

Rows run from the toe (top) to the heel (bottom); columns from the medial edge (left) to
the lateral edge (right). Both axes share one scale, ``px_per_len`` pixels per foot length,
so areas counted in pixels are physical areas. The photo renderer mirrors the raster when
the view and side put the medial edge on the image's right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from model.footshape import OutlineParams, edge_profiles, outline_polygon


@dataclass
class CanonicalFrame:
    """The canonical raster of one sole outline.

    Attributes
    ----------
    params : OutlineParams
    px_per_len : float
        Pixels per foot length.
    margin : float
        Free border around the outline, in foot lengths (room for an upper's rim).
    rows, cols : int
    x0 : float
        Column of the long axis (``v_phys = 0``).
    y_toe : float
        Row of ``u = 1``; ``u = 0`` is at ``y_toe + px_per_len``.
    """

    params: OutlineParams
    px_per_len: float
    margin: float = 0.07
    rows: int = field(init=False)
    cols: int = field(init=False)
    x0: float = field(init=False)
    y_toe: float = field(init=False)
    polygon: np.ndarray = field(init=False, repr=False)
    _cache: dict[str, np.ndarray] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.polygon = outline_polygon(self.params)
        s = self.px_per_len
        v_lo = float(self.polygon[:, 1].min()) - self.margin
        v_hi = float(self.polygon[:, 1].max()) + self.margin
        self.cols = int(np.ceil((v_hi - v_lo) * s))
        self.rows = int(np.ceil((1.0 + 2 * self.margin) * s))
        self.x0 = -v_lo * s
        self.y_toe = self.margin * s

    # Coordinates -------------------------------------------------------------------
    def to_px(self, u: np.ndarray, v_phys: np.ndarray) -> np.ndarray:
        """Canonical pixel coordinates ``(x, y)``, shape (n, 2), of frame points."""
        s = self.px_per_len
        return np.stack(
            [self.x0 + np.asarray(v_phys) * s, self.y_toe + (1.0 - np.asarray(u)) * s], axis=-1
        )

    @property
    def u(self) -> np.ndarray:
        """``u`` at each pixel, shape (rows, cols), float32."""
        if "u" not in self._cache:
            rows = (self.y_toe - np.arange(self.rows, dtype=np.float32) - 0.5) / self.px_per_len
            self._cache["u"] = np.broadcast_to(
                (1.0 + rows)[:, None], (self.rows, self.cols)
            ).astype(np.float32)
        return self._cache["u"]

    @property
    def v_phys(self) -> np.ndarray:
        """Physical ``v`` (foot lengths, negative = medial) at each pixel, (rows, cols)."""
        if "v" not in self._cache:
            cols = (np.arange(self.cols, dtype=np.float32) + 0.5 - self.x0) / self.px_per_len
            self._cache["v"] = np.broadcast_to(cols[None, :], (self.rows, self.cols)).astype(
                np.float32
            )
        return self._cache["v"]

    @property
    def v_norm(self) -> np.ndarray:
        """Normalised ``v``: -1 at the medial edge, +1 at the lateral edge, (rows, cols)."""
        if "vn" not in self._cache:
            u_rows = np.clip(self.u[:, 0].astype(np.float64), 0.0, 1.0)
            med, lat = edge_profiles(self.params, u_rows)
            med = np.maximum(med, 0.02)[:, None]
            lat = np.maximum(lat, 0.02)[:, None]
            v = self.v_phys
            self._cache["vn"] = np.where(v < 0, v / med, v / lat).astype(np.float32)
        return self._cache["vn"]

    @property
    def mask(self) -> np.ndarray:
        """The outline as an anti-aliased coverage in [0, 1], (rows, cols) float32."""
        if "mask" not in self._cache:
            self._cache["mask"] = self.polygon_mask(self.polygon)
        return self._cache["mask"]

    @property
    def edge_distance(self) -> np.ndarray:
        """Distance inside the outline to its edge, in foot lengths, (rows, cols)."""
        if "dist" not in self._cache:
            binary = (self.mask > 0.5).astype(np.uint8)
            d = cv2.distanceTransform(binary, cv2.DIST_L2, 3)
            self._cache["dist"] = (d / self.px_per_len).astype(np.float32)
        return self._cache["dist"]

    def polygon_mask(self, poly_uv: np.ndarray) -> np.ndarray:
        """Anti-aliased coverage of a polygon given in ``(u, v_phys)``, (rows, cols)."""
        pts = self.to_px(poly_uv[:, 0], poly_uv[:, 1])
        canvas = np.zeros((self.rows, self.cols), np.uint8)
        shift = 4
        cv2.fillPoly(
            canvas,
            [np.round(pts * (1 << shift)).astype(np.int32)],
            255,
            lineType=cv2.LINE_AA,
            shift=shift,
        )
        return canvas.astype(np.float32) / 255.0

    def offset_outline(self, offsets: np.ndarray) -> np.ndarray:
        """The outline pushed outwards by ``offsets`` (foot lengths, one per vertex)."""
        poly = self.polygon
        nxt = np.roll(poly, -1, axis=0)
        prv = np.roll(poly, 1, axis=0)
        tangent = nxt - prv
        normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
        normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
        # The polygon runs heel -> medial -> toe -> lateral; make normals point outwards.
        centre = poly.mean(axis=0)
        if np.mean(np.sum((poly - centre) * normal, axis=1)) < 0:
            normal = -normal
        return poly + normal * offsets[:, None]

    @property
    def heel_point(self) -> np.ndarray:
        """The back of the heel ``(u, v_phys)``: the outline point of smallest ``u``."""
        return self.polygon[int(np.argmin(self.polygon[:, 0]))]

    @property
    def toe_point(self) -> np.ndarray:
        """The tip of the longest toe: the outline point of largest ``u``."""
        return self.polygon[int(np.argmax(self.polygon[:, 0]))]
