"""The overlay: placing its labels, and the imprint outline on insoles."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from model.cli_output import summary_text
from model.explain import percent
from model.overlay import (
    HEAT_OPACITY,
    IMPRINT_COLOUR,
    caption_text,
    draw_overlay,
    heat_layer,
    imprint_outlines,
    label_beyond,
    medial_arrow,
    place_labels,
    put_label,
)
from model.synth.corpus import photo_seed
from model.synth.render import render_photo


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


def test_the_labels_of_a_pair_facing_each_other_do_not_cover_one_another(analyzer) -> None:  # type: ignore[no-untyped-def]
    # A pair of insoles from the tuning corpus (seed 31337) whose medial arrows point at
    # each other: past the heads, the two "medial" labels fell on the same place.
    rendered = render_photo(photo_seed(31337, 37), max_megapixels=3.0)
    result = analyzer.analyze(rendered.data)
    assert len(result.feet) == 2
    heads = [medial_arrow(foot)[1] for foot in result.feet]
    medial_width = 60
    assert np.linalg.norm(heads[0] - heads[1]) < medial_width

    labels = place_labels(result.feet, result.photo.image.shape)
    assert [label.text for label in labels].count("medial") == 2
    # Each "medial" stays by its own arrow: its box's centre within one label width of
    # the arrow, past the head or beside the shaft.
    medials = [label for label in labels if label.text == "medial"]
    for foot, label in zip(result.feet, medials, strict=True):
        tail, head = medial_arrow(foot)
        x0, y0, x1, y1 = label.box
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        along = head - tail
        t = np.clip((centre - tail) @ along / (along @ along), 0.0, 1.0)
        assert np.linalg.norm(centre - (tail + t * along)) < x1 - x0, label
    rows, cols = result.photo.image.shape[:2]
    for i, label in enumerate(labels):
        x0, y0, x1, y1 = label.box
        assert 0 <= x0 < x1 <= cols, label
        assert 0 <= y0 < y1 <= rows, label
        for other in labels[i + 1 :]:
            u0, v0, u1, v1 = other.box
            assert x1 <= u0 or u1 <= x0 or y1 <= v0 or v1 <= y0, (label, other)


def test_an_insole_overlay_outlines_the_imprint_the_arch_index_was_read_from(analyzer) -> None:  # type: ignore[no-untyped-def]
    insole = analyzer.analyze(render_photo(7, view="insole", max_megapixels=1.0).data)
    canvas = draw_overlay(insole)
    for foot in insole.feet:
        outlines = imprint_outlines(foot)
        assert outlines
        points = np.concatenate(outlines)
        contour = foot.located.candidate.contour.astype(np.float32)
        # Inside the insole's own outline (within a pixel or two of interpolation).
        depth = [cv2.pointPolygonTest(contour, (float(x), float(y)), True) for x, y in points]
        assert min(depth) > -3
        xs, ys = np.round(points).astype(int).T
        drawn = np.linalg.norm(canvas[ys, xs].astype(float) - IMPRINT_COLOUR, axis=1) < 60
        assert drawn.mean() > 0.5  # most of it shows; labels and the grid cover the rest
    outsole = analyzer.analyze(render_photo(7, view="outsole", max_megapixels=1.0).data)
    assert all(imprint_outlines(foot) == [] for foot in outsole.feet)


def test_an_undetermined_caption_shows_no_percentage(analyzer) -> None:  # type: ignore[no-untyped-def]
    # An undetermined foot's confidence is its closest class's probability: beside
    # "undetermined" it would read as confidence in having no reading.
    result = analyzer.analyze(render_photo(photo_seed(31337, 37), max_megapixels=3.0).data)
    foot = result.feet[0]
    named = dataclasses.replace(foot, label="neutral", undetermined_reason=None)
    held_back = dataclasses.replace(
        foot, label="undetermined", undetermined_reason="low_confidence"
    )
    assert caption_text(named) == f"{foot.side}: neutral ({percent(foot.confidence)}%)"
    assert caption_text(held_back) == f"{foot.side}: undetermined"
    captions = [label.text for label in place_labels([held_back], result.photo.image.shape)]
    assert captions == [f"{foot.side}: undetermined", "medial"]


def test_a_confidence_reads_the_same_on_the_overlay_and_in_the_summary(analyzer) -> None:  # type: ignore[no-untyped-def]
    # 0.98503 is given as 0.985 in the JSON. The overlay (drawn from the analysis) and the
    # command's summary (printed from the JSON) rounded it each in its own way: 99% on
    # the picture, 98% in the text.
    result = analyzer.analyze(render_photo(photo_seed(31337, 37), max_megapixels=3.0).data)
    probabilities = {"neutral": 0.98503, "overpronation": 0.01, "underpronation": 0.00497}
    foot = dataclasses.replace(
        result.feet[0],
        label="neutral",
        undetermined_reason=None,
        probabilities=probabilities,
        confidence=probabilities["neutral"],
    )
    as_json = dataclasses.replace(result, feet=[foot]).to_dict()
    assert as_json["feet"][0]["confidence"] == 0.985
    assert caption_text(foot) == f"{foot.side}: neutral (99%)"
    assert f"{foot.side} foot (detected): neutral - neutral 99%," in summary_text(
        {"file": "photo.jpg", **as_json}
    )


def test_the_heat_layer_is_the_wears_colour_premultiplied_by_its_opacity() -> None:
    wear = np.array([[np.nan, 0.0, 0.5, 1.0, 1.7]], np.float32)
    layer = heat_layer(wear).astype(float)
    inferno = cv2.applyColorMap(np.array([[0, 128, 255]], np.uint8), cv2.COLORMAP_INFERNO).reshape(
        3, 3
    )
    # Off the foot: nothing, not even a tint.
    assert (layer[0, 0] == 0).all()
    for column, level, colour in ((1, 0.0, inferno[0]), (2, 0.5, inferno[1]), (3, 1.0, inferno[2])):
        opacity = HEAT_OPACITY[0] + HEAT_OPACITY[1] * level
        assert layer[0, column, 3] == pytest.approx(255 * opacity, abs=1)
        assert layer[0, column, :3] == pytest.approx(colour * opacity, abs=1.5)
    # Wear past 1 (a map's rounding) reads as worn smooth.
    assert (layer[0, 4] == layer[0, 3]).all()


def test_the_heat_map_covers_the_foot_and_nothing_beside_it(analyzer) -> None:  # type: ignore[no-untyped-def]
    result = analyzer.analyze(render_photo(photo_seed(31337, 12), max_megapixels=3.0).data)
    assert result.view == "outsole"
    # The same overlay with no wear to show: what differs is the heat map alone.
    unworn = dataclasses.replace(
        result,
        feet=[dataclasses.replace(f, wear=np.full_like(f.wear, np.nan)) for f in result.feet],
    )
    heat = (draw_overlay(result) != draw_overlay(unworn)).any(axis=2)
    feet = np.zeros(heat.shape, np.uint8)
    for foot in result.feet:
        contour = np.round(foot.located.candidate.contour).astype(np.int32)
        cv2.fillPoly(feet, [contour], 1)
    # The wear map leaves out a rim along the outline, and the grid and the labels are
    # drawn over the heat: measured 99% of the foot away from its edge (0.99 before the
    # heat was blended from a premultiplied layer too).
    inside = cv2.erode(feet, np.ones((25, 25), np.uint8)).astype(bool)
    near = cv2.dilate(feet, np.ones((9, 9), np.uint8)).astype(bool)
    assert heat[inside].mean() > 0.95
    assert not heat[~near].any()
