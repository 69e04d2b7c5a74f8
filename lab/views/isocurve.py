"""Marching squares: the lines where a 2-D field crosses a level (the data plot's decision boundary).

Ported from pyqtgraph's ``functions.isocurve`` (MIT licence, the ``connected=True`` case) so that the core draws
its boundary without Qt; the same segments in the same order, joined into the same chains.
"""
from __future__ import annotations

import numpy as np

_SIDES = ([], [0, 1], [1, 2], [0, 2], [0, 3], [1, 3], [0, 1, 2, 3], [2, 3],
          [2, 3], [0, 1, 2, 3], [1, 3], [0, 3], [0, 2], [1, 2], [0, 1], [])
"""Per cell index (which of its four corners lie below the level), the pairs of cell sides a line crosses."""
_EDGE_CORNERS = (((0, 1), (0, 0)), ((0, 0), (1, 0)), ((1, 0), (1, 1)), ((1, 1), (0, 1)))


def _segments(data: np.ndarray, level: float) -> list:
    """Per crossed cell side pair, the two points (in index coordinates, cell centres at +0.5) with their keys."""
    below = data < level
    index = np.zeros([n - 1 for n in data.shape], dtype=np.ubyte)
    halves = (slice(0, -1), slice(1, None))
    for i in (0, 1):
        for j in (0, 1):
            np.add(index, below[halves[i], halves[j]] * 2 ** (i + 2 * j), out=index, casting="unsafe")
    lines = []
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            sides = _SIDES[index[i, j]]
            for s in range(0, len(sides), 2):
                pts = []
                for edge in sides[s:s + 2]:
                    p1, p2 = _EDGE_CORNERS[edge]
                    v1, v2 = data[i + p1[0], j + p1[1]], data[i + p2[0], j + p2[1]]
                    f = (level - v1) / (v2 - v1)
                    p = (p1[0] * (1.0 - f) + p2[0] * f + i + 0.5, p1[1] * (1.0 - f) + p2[1] * f + j + 0.5)
                    key = i + (1 if edge == 2 else 0), j + (1 if edge == 3 else 0), edge % 2
                    pts.append((p, key))
                lines.append(pts)
    return lines


def isocurve(data, level: float) -> list[list[tuple[float, float]]]:
    """The connected lines where ``data`` (2-D) crosses ``level``, each a list of (i, j) points in index
    coordinates shifted by half a cell (as pyqtgraph's)."""
    points: dict = {}  # each point's key -> its connections
    for a, b in _segments(np.asarray(data), level):
        points.setdefault(a[1], []).append([a, b])
        points.setdefault(b[1], []).append([b, a])
    for k in list(points.keys()):  # grow chains until they meet an end or loop
        try:
            chains = points[k]
        except KeyError:  # already joined into another chain
            continue
        for chain in chains:
            x = None
            while True:
                if x == chain[-1][1]:
                    break
                x = chain[-1][1]
                if x == k:
                    break  # looped
                y = chain[-2][1]
                for conn in points[x][:]:
                    if conn[1][1] != y:
                        chain.extend(conn[1:])
                del points[x]
            if chain[0][1] == chain[-1][1]:  # a loop: the other direction adds nothing
                chains.pop()
                break
    lines = []
    for chain in points.values():
        chain = chain[1][1:][::-1] + chain[0] if len(chain) == 2 else chain[0]
        lines.append([p[0] for p in chain])
    return lines


__all__ = ["isocurve"]
