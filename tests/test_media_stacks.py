"""temporal_median equals np.median (floored for integer stacks) for every window length."""

import numpy as np
import pytest

from inverse_painting.media.stacks import temporal_median


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_temporal_median_matches_numpy(n):
    stack = np.random.default_rng(n).integers(0, 256, (n, 7, 9, 3), dtype=np.uint8)
    reference = np.median(stack, axis=0)
    got = temporal_median(stack)
    assert got.dtype == np.uint8 and np.array_equal(got, np.floor(reference).astype(np.uint8))
    assert np.allclose(temporal_median(stack.astype(np.float32)), reference)
