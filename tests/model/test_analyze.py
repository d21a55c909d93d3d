"""Behaviour of the whole analysis: photo bytes in, per-foot results out."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.analyze import Analyzer, rejection_dict
from model.errors import NoSoleFound, SolescanError
from model.footshape import LABELS
from model.synth.render import render_photo

# Photos the behavioural tests transform: one per view and a pair, fixed seeds.
CASES = [
    (101, "outsole", 1),
    (102, "insole", 1),
    (103, "print", 1),
    (104, "outsole", 2),
    (105, "insole", 2),
]


def _photo(seed: int, view: str, n_feet: int) -> np.ndarray:
    rendered = render_photo(seed, view=view, n_feet=n_feet, megapixels=1.5, fmt="png")
    return rendered.image


def _jpeg(image: np.ndarray) -> bytes:
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])[1])


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by any angle on an enlarged canvas, so nothing is cut off."""
    rows, cols = image.shape[:2]
    m = cv2.getRotationMatrix2D((cols / 2, rows / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    w, h = int(rows * sin + cols * cos), int(rows * cos + cols * sin)
    m[0, 2] += w / 2 - cols / 2
    m[1, 2] += h / 2 - rows / 2
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _labels(analyzer: Analyzer, image: np.ndarray) -> list[tuple[str, str]]:
    result = analyzer.analyze(_jpeg(image))
    return sorted((f.side, f.label) for f in result.feet)


@pytest.fixture(scope="module")
def photos() -> dict[int, np.ndarray]:
    return {seed: _photo(seed, view, n) for seed, view, n in CASES}


def test_result_schema_and_truth(analyzer: Analyzer) -> None:
    rendered = render_photo(201, view="outsole", n_feet=1, megapixels=1.0, fmt="jpeg")
    result = analyzer.analyze(rendered.data)
    data = result.to_dict()
    assert data["status"] == "ok"
    assert data["view"] == "outsole"
    assert data["model_version"] == analyzer.version
    assert data["image"] == {"width": rendered.image.shape[1], "height": rendered.image.shape[0]}
    (foot,) = data["feet"]
    truth = rendered.rows[0]
    assert foot["side"] == truth["side"]
    assert foot["side_source"] == "detected"
    assert set(foot["probabilities"]) == set(LABELS)
    assert sum(foot["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert foot["label"] in (*LABELS, "undetermined")
    assert (
        np.hypot(foot["center"][0] - truth["center_x"], foot["center"][1] - truth["center_y"])
        < 0.1 * truth["length_px"]
    )
    for key in ("mlwi_total", "wear_heel_medial", "quality_sharpness"):
        assert key in foot["metrics"]
    explanation = foot["explanation"]
    assert explanation["evidence"]
    assert explanation["disclaimer"]


@pytest.mark.parametrize(("seed", "view", "n_feet"), CASES)
@pytest.mark.parametrize("angle", [90.0, 137.0, 180.0, 301.0])
def test_rotation_keeps_labels(
    analyzer: Analyzer,
    photos: dict[int, np.ndarray],
    seed: int,
    view: str,
    n_feet: int,
    angle: float,
) -> None:
    image = photos[seed]
    assert _labels(analyzer, _rotate(image, angle)) == _labels(analyzer, image)


@pytest.mark.parametrize(("seed", "view", "n_feet"), CASES)
def test_scaling_keeps_labels(
    analyzer: Analyzer, photos: dict[int, np.ndarray], seed: int, view: str, n_feet: int
) -> None:
    image = photos[seed]
    smaller = cv2.resize(image, None, fx=0.65, fy=0.65, interpolation=cv2.INTER_AREA)
    assert _labels(analyzer, smaller) == _labels(analyzer, image)


@pytest.mark.parametrize(("seed", "view", "n_feet"), CASES)
def test_mirror_swaps_sides_and_keeps_labels(
    analyzer: Analyzer, photos: dict[int, np.ndarray], seed: int, view: str, n_feet: int
) -> None:
    image = photos[seed]
    swap = {"left": "right", "right": "left"}
    original = _labels(analyzer, image)
    mirrored = _labels(analyzer, cv2.flip(image, 1))
    assert mirrored == sorted((swap[side], label) for side, label in original)


def test_given_side_wins(analyzer: Analyzer) -> None:
    rendered = render_photo(202, view="outsole", n_feet=1, sides=("left",), megapixels=1.0)
    result = analyzer.analyze(rendered.data, side="right")
    assert [(f.side, f.side_source) for f in result.feet] == [("right", "given")]


def test_given_view_is_reported(analyzer: Analyzer) -> None:
    rendered = render_photo(203, view="insole", n_feet=1, megapixels=1.0)
    assert analyzer.analyze(rendered.data, view="insole").view_source == "given"
    auto = analyzer.analyze(rendered.data)
    assert (auto.view, auto.view_source) == ("insole", "detected")


@pytest.mark.parametrize("seed", [301, 302, 303, 304, 305, 306])
def test_negative_photos_are_rejected(analyzer: Analyzer, seed: int) -> None:
    rendered = render_photo(seed, view="negative", megapixels=1.0)
    with pytest.raises(NoSoleFound) as info:
        analyzer.analyze(rendered.data)
    rejected = rejection_dict(info.value)
    assert rejected["status"] == "rejected"
    assert rejected["error"]["code"] == "no_sole_found"
    assert rejected["error"]["reason"] in ("no_object", "not_a_sole", "object_cut_off")
    assert "photograph" in rejected["error"]["message"].lower()


def test_photos_nobody_here_made_are_rejected(analyzer: Analyzer) -> None:
    from model.evaluation import foreign_sample_images

    samples = foreign_sample_images()
    accepted = []
    for name, data in samples:
        try:
            analyzer.analyze(data)
            accepted.append(name)
        except SolescanError:
            pass
    assert len(accepted) <= 0.05 * len(samples), accepted


def test_pair_gets_two_feet_and_a_comparison(analyzer: Analyzer) -> None:
    rendered = render_photo(
        204, view="outsole", n_feet=2, labels=("overpronation", "neutral"), megapixels=1.5
    )
    result = analyzer.analyze(rendered.data)
    assert sorted(f.side for f in result.feet) == ["left", "right"]
    assert result.comparison is not None
    assert isinstance(result.comparison["notes"], list)


def test_overlay_is_a_png_of_the_working_image(analyzer: Analyzer) -> None:
    rendered = render_photo(205, view="outsole", n_feet=2, megapixels=1.0)
    result = analyzer.analyze(rendered.data)
    overlay = cv2.imdecode(np.frombuffer(result.overlay_png(), np.uint8), cv2.IMREAD_COLOR)
    assert overlay.shape == result.photo.image.shape
    # The overlay draws on the photo: it differs from it inside the soles.
    assert np.abs(overlay.astype(int) - result.photo.image.astype(int)).mean() > 2


def test_real_scans(analyzer: Analyzer, real_scans: list[dict[str, str]]) -> None:
    labels: dict[str, set[str]] = {}
    for row in real_scans:
        with open(row["path"], "rb") as fh:
            result = analyzer.analyze(fh.read(), view="print")
        assert len(result.feet) == 1, row["file"]
        foot = result.feet[0]
        assert foot.side == row["side"], row["file"]
        labels.setdefault(row["side"], set()).add(foot.label)
    # The same shoe gives the same class at both visits.
    assert all(len(found) == 1 for found in labels.values()), labels
