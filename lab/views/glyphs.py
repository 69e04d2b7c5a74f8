"""The contour's guides at the selected racer's point, as line segments: arrows, the Hessian's eigenvectors.

Pure NumPy: the window only draws the segments and places the labels.
"""
from __future__ import annotations

import math

import numpy as np

EIGEN_FRACTION = 0.16  # the longest eigenvector half-line, as a fraction of the view's width


def arrow_xy(origin, vector, head: float = 0.28, spread: float = 0.45):
    """Segments (for connect='pairs') of an arrow from ``origin`` along ``vector`` with a two-stroke head."""
    o, v = np.asarray(origin, float), np.asarray(vector, float)
    tip = o + v
    length = math.hypot(*v)
    if not length or not np.all(np.isfinite(tip)):
        return np.empty(0), np.empty(0)
    back = -v / length * length * head
    c, s = math.cos(spread), math.sin(spread)
    left = tip + np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])
    right = tip + np.array([c * back[0] + s * back[1], -s * back[0] + c * back[1]])
    pts = np.array([o, tip, tip, left, tip, right])
    return pts[:, 0], pts[:, 1]


def eigen_glyphs(x, eigenvalues, eigenvectors, grad, width: float, fraction: float = EIGEN_FRACTION):
    """The Hessian's eigenvectors at ``x`` as half-lines ∝ 1/√|λ| (the local quadratic model's level-set axes),
    the longest ``fraction`` of ``width`` and none shorter than a quarter of that.

    Returns (xs, ys, label_positions): segment end points in pairs (λ₁'s, then λ₂'s) and, per eigenvector, where
    its label goes: past the end away from the −∇f arrow (``grad`` may be None or not finite). None when the
    eigenvalues or eigenvectors are missing or not finite.
    """
    if eigenvalues is None or eigenvectors is None:
        return None
    if not (np.all(np.isfinite(eigenvalues)) and np.all(np.isfinite(eigenvectors))):
        return None
    x = np.asarray(x, float)[:2]
    a = np.abs(np.asarray(eigenvalues, float)[:2])
    inv = 1.0 / np.sqrt(np.maximum(a, 1e-300))
    lengths = np.clip(inv / inv.max() * fraction * width, 0.25 * fraction * width, None)
    g = None if grad is None else np.asarray(grad, float)[:2]
    arrow = -g if g is not None and np.all(np.isfinite(g)) else np.ones(2)
    xs, ys, labels = [], [], []
    for i in range(2):
        e = np.asarray(eigenvectors, float)[:2, i] * lengths[i]
        if np.dot(e, arrow) > 0:  # label the end away from the −∇f arrow
            e = -e
        xs += [x[0] - e[0], x[0] + e[0]]
        ys += [x[1] - e[1], x[1] + e[1]]
        out = 0.28 * fraction * width / max(np.hypot(*e), 1e-300)
        labels.append((x[0] + (1 + out) * e[0], x[1] + (1 + out) * e[1]))
    return np.array(xs), np.array(ys), labels


__all__ = ["EIGEN_FRACTION", "arrow_xy", "eigen_glyphs"]
