"""The anatomical outline rules: how a foot's width runs from heel to toe."""

from __future__ import annotations

import numpy as np
import pytest

from model.features import PROFILE_BINS
from model.footshape import OutlineParams, edge_profiles, outline_like_a_foot

# Width profiles (in object lengths) the locator measured on scikit-image's "coins"
# sample image, where touching coins merged into one object.
THREE_COINS = [0.21, 0.29, 0.26, 0.14, 0.20, 0.28, 0.27, 0.17, 0.19, 0.30, 0.29, 0.17]
TWO_COINS = [0.25, 0.42, 0.44, 0.37, 0.25, 0.14, 0.22, 0.40, 0.47, 0.48, 0.43, 0.27]


@pytest.mark.parametrize("seed", range(40))
def test_every_plausible_foot_outline_is_like_a_foot(seed: int) -> None:
    params = OutlineParams.random(np.random.default_rng(seed))
    u = (np.arange(PROFILE_BINS) + 0.5) / PROFILE_BINS
    medial, lateral = edge_profiles(params, u)
    assert outline_like_a_foot(medial + lateral)
    assert outline_like_a_foot((medial + lateral)[::-1])  # heel or toe end first alike


def test_the_deepest_arch_is_like_a_foot() -> None:
    params = OutlineParams(arch_depth=1.0, heel_width=0.6 * 0.34, ball_width=0.34)
    u = (np.arange(PROFILE_BINS) + 0.5) / PROFILE_BINS
    medial, lateral = edge_profiles(params, u)
    assert outline_like_a_foot(medial + lateral)


def test_a_row_of_three_coins_pinches_twice() -> None:
    assert not outline_like_a_foot(np.array(THREE_COINS))


def test_two_coins_joined_by_a_thin_neck_are_not_a_foot() -> None:
    assert not outline_like_a_foot(np.array(TWO_COINS))
    # The same two coins with a broad waist narrow once, and no further than a foot.
    broad = np.maximum(TWO_COINS, 0.3)
    assert outline_like_a_foot(broad)
