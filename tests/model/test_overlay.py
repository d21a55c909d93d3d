"""Placing the overlay's labels."""

from __future__ import annotations

import numpy as np
import pytest

from model.overlay import label_beyond, put_label


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


@pytest.mark.parametrize("background", [0, 255])
def test_a_label_shows_on_white_paper_and_on_a_dark_floor(background: int) -> None:
    canvas = np.full((60, 200, 3), background, np.uint8)
    put_label(canvas, "medial", (20, 40), 0.8, 2, box=(20, 20, 20))
    gray = canvas.mean(axis=2)
    text_box = gray[20:44, 16:110]
    # White letters on a dark box, whatever lies beneath.
    assert (text_box > 230).sum() > 50
    assert (text_box < 40).sum() > 0.5 * text_box.size
