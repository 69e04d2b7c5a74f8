"""Comparing optimizer states: the same NamedTuple types, arrays equal to the bit (shape and dtype too)."""
import numpy as np


def assert_same_state(a, b):
    assert type(a) is type(b)
    if isinstance(b, tuple):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            assert_same_state(u, v)
    elif isinstance(b, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.shape == b.shape and a.dtype == b.dtype
    else:
        assert a == b
