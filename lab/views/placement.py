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


def _outside(box: Box, bounds: Box | None) -> float:
    """How much of ``box`` lies outside ``bounds`` (area)."""
    if bounds is None:
        return 0.0
    area = (box[2] - box[0]) * (box[3] - box[1])
    return area - overlap(box, bounds)


def candidates(label: Label) -> list[Box]:
    """The boxes tried for ``label``, in order: per gap (nearest first), the directions nearest ``prefer`` first.
    The box sits so that its edge nearest the anchor is ``gap`` pixels from it along the direction."""
    (ax, ay), (w, h) = label.anchor, label.size
    px, py = label.prefer
    norm = math.hypot(px, py)
    order = sorted(DIRECTIONS, key=lambda d: -(d[0] * px + d[1] * py) / norm) if norm > 0 else list(DIRECTIONS)
    out = []
    for gap in GAPS:
        for dx, dy in order:
            # the centre that puts the box's nearest edge point at ``gap`` along (dx, dy): scale to the box
            reach = min(w / 2 / abs(dx) if abs(dx) > 1e-9 else math.inf,
                        h / 2 / abs(dy) if abs(dy) > 1e-9 else math.inf)
            cx, cy = ax + dx * (reach + gap), ay + dy * (reach + gap)
            out.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return out


def place_labels(labels: list[Label], obstacles: list[Box], bounds: Box | None = None) -> list[Box]:
    """A box per label (same order), none overlapping another or an obstacle when there is room for that.

    ``obstacles``: boxes to keep clear (markers, the star); ``bounds``: the view's box, which labels stay inside
    when they can. Later labels avoid earlier ones: give the most important first.
    """
    taken = list(obstacles)
    placed: list[Box] = []
    for label in labels:
        best, best_cost = None, math.inf
        for box in candidates(label):
            cost = sum(overlap(box, t) for t in taken) + _outside(box, bounds)
            if cost == 0.0:
                best = box
                break
            if cost < best_cost:
                best, best_cost = box, cost
        placed.append(best)
        taken.append(best)
    return placed


__all__ = ["Box", "Label", "candidates", "overlap", "place_labels", "point_box"]
