"""The error measures of every check, visible and hidden: one definition each.

The notebooks, `selfcheck.py` and the autograder (which uses the instructor's
copy of this file) all measure with these two functions.
"""
import numpy as np


def rel_error(x, y):
    """Largest elementwise relative error: max |x - y| / max(1e-8, |x| + |y|).

    Meaningful when no element is near zero; 0 for empty arrays."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def scaled_error(x, y):
    """Largest difference relative to the largest reference value: max |x - y| / max |y|.

    Robust where elements near zero make the elementwise measure meaningless
    (float32 results, finite differences); 0 for empty arrays."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y)) / max(float(np.max(np.abs(y))), 1e-12))
