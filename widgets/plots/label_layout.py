"""The contour's labels placed together (``start``, ``−∇f``, ``v``, ``x + ρv``, ``λ₁``, ``λ₂``): each next to its
point, none over another, the minimum's star, the start or the selected racer's point. The geometry is
lab/views/placement.py's; here data points become view-box pixels and back."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF

from lab.views.placement import Label, place_labels, point_box


def place(vb: pg.ViewBox, entries, obstacles) -> None:
    """``entries``: (TextItem, anchor (x, y) in data, preferred direction (dx, dy) in data) in priority order;
    ``obstacles``: (x, y, size in pixels) in data. Sets each item's anchor to its top-left corner and its
    position to the box ``place_labels`` found."""
    def px(x, y) -> tuple[float, float]:
        p = vb.mapFromView(QPointF(float(x), float(y)))
        return p.x(), p.y()

    boxes = [point_box(*px(x, y), size) for x, y, size in obstacles if np.isfinite(x) and np.isfinite(y)]
    labels, items = [], []
    for item, (x, y), (dx, dy) in entries:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ax, ay = px(x, y)
        bx, by = px(x + dx, y + dy) if np.isfinite(dx) and np.isfinite(dy) else (ax, ay)
        r = item.textItem.boundingRect()
        labels.append(Label((ax, ay), (r.width(), r.height()), (bx - ax, by - ay)))
        items.append(item)
    r = vb.boundingRect()
    for item, box in zip(items, place_labels(labels, boxes, bounds=(r.left(), r.top(), r.right(), r.bottom()))):
        if tuple(item.anchor) != (0.0, 0.0):
            item.setAnchor((0, 0))
        item.setPos(vb.mapToView(QPointF(box[0], box[1])))


__all__ = ["place"]
