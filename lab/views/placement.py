"""Where the contour's labels go (``start``, ``−∇f``, ``v``, ``x + ρv``, ``λ₁``, ``λ₂``): each next to its point,
clear of the other labels and of what must stay visible (the minimum's star, the selected racer's point).

Pure geometry in pixels (y down, as on screen). Greedy: labels in the order given, each at the first candidate
box around its anchor that hits nothing placed so far and stays inside the view; the candidates run outwards
in rings, each ring starting with the label's preferred side. When every candidate hits something (a crowded
view), the one overlapping least is taken.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (pixels, x0 <= x1, y0 <= y1)

GAPS = (4.0, 12.0, 24.0, 40.0, 64.0, 96.0)
"""Distances (pixels) between a label's box and its anchor tried, nearest first."""

DIRECTIONS = tuple((math.cos(a), math.sin(a)) for a in (k * math.pi / 8 for k in range(16)))
"""Sixteen directions around the anchor."""


class Label(NamedTuple):
    """A label of ``size`` (w, h) pixels that belongs at ``anchor`` (x, y), preferably towards ``prefer``
    (a direction, any length; (0, 0): no preference)."""
    anchor: tuple[float, float]
    size: tuple[float, float]
    prefer: tuple[float, float] = (1.0, -1.0)


def point_box(x: float, y: float, size: float) -> Box:
    """The box of a marker ``size`` pixels across centred at (x, y)."""
    h = size / 2.0
    return (x - h, y - h, x + h, y + h)


def overlap(a: Box, b: Box) -> float:
    """The area two boxes share (0 when they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


_DIRECTIONS = np.array(DIRECTIONS)


def _rings(label: Label):
    """The boxes tried for ``label``, one ring (16 boxes, (16, 4)) per gap, nearest first; in each ring the
    directions nearest ``prefer`` first. A box sits so that its edge nearest the anchor is ``gap`` pixels from
    it along its direction."""
    (ax, ay), (w, h) = label.anchor, label.size
    d = _DIRECTIONS
    px, py = label.prefer
    if px or py:
        d = d[np.argsort(-(d[:, 0] * px + d[:, 1] * py), kind="stable")]
    with np.errstate(divide="ignore"):
        reach = np.minimum(w / 2 / np.abs(d[:, 0]), h / 2 / np.abs(d[:, 1]))  # 1/0 = inf: the other side decides
    for gap in GAPS:
        cx, cy = ax + d[:, 0] * (reach + gap), ay + d[:, 1] * (reach + gap)
        yield np.column_stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def _candidate_array(label: Label) -> np.ndarray:
    return np.vstack(list(_rings(label)))


def candidates(label: Label) -> list[Box]:
    """The boxes tried for ``label``, in order (``_rings``, one after the other)."""
    return [tuple(float(v) for v in row) for row in _candidate_array(label)]


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Per box of ``boxes`` (n, 4), the area it shares with all of ``others`` (k, 4) together (summed)."""
    if len(others) == 0:
        return np.zeros(len(boxes))
    w = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(boxes[:, None, 0], others[None, :, 0])
    h = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(boxes[:, None, 1], others[None, :, 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def place_labels(labels: list[Label], obstacles: list[Box], bounds: Box | None = None) -> list[Box]:
    """A box per label (same order), none overlapping another or an obstacle when there is room for that.

    ``obstacles``: boxes to keep clear (markers, the star); ``bounds``: the view's box, which labels stay inside
    when they can. Later labels avoid earlier ones: give the most important first.
    """
    taken = np.array(obstacles, dtype=float).reshape(-1, 4)
    placed: list[Box] = []
    for label in labels:
        best, best_cost = None, math.inf
        for boxes in _rings(label):  # the nearest ring with a free box: usually the first or second
            cost = _overlaps(boxes, taken)
            if bounds is not None:
                area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
                cost = cost + area - _overlaps(boxes, np.array([bounds], dtype=float))
            i = int(np.argmin(cost))
            if cost[i] < best_cost:
                best, best_cost = boxes[i], float(cost[i])
            if best_cost <= 0.0:
                break
        placed.append(tuple(float(v) for v in best))
        taken = np.vstack([taken, best])
    return placed


__all__ = ["Box", "Label", "candidates", "overlap", "place_labels", "point_box"]
