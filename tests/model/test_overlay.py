"""Placing the overlay's labels."""

from __future__ import annotations

import numpy as np
import pytest

from model.overlay import label_beyond


@pytest.mark.parametrize("angle", [0.0, 45.0, 90.0, 135.0, 180.0, 250.0, 300.0])
def test_the_medial_label_sits_past_the_arrow_head(angle: float) -> None:
    tail = np.array([400.0, 300.0])
    direction = np.array([np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))])
    head = tail + 120.0 * direction
    w, h = 60, 14
    x, y = label_beyond(tail, head, (w, h), gap=5.0)
    # The box OpenCV fills from that origin: x .. x + w across, y - h .. y down.
    corners = np.array([[x, y - h], [x + w, y - h], [x, y], [x + w, y]])
    # Every corner lies further along the arrow than its head, by the gap at least.
    along = (corners - head) @ direction
    assert along.min() >= 5.0 - 1e-6
    # And not far off to one side: the box's centre is on the arrow's line.
    centre = corners.mean(axis=0) - tail
    assert abs(centre @ np.array([-direction[1], direction[0]])) < 1e-6
