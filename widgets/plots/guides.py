"""The contour's guides at the selected racer's point: the −∇f arrow, the velocity arrow and Nesterov's lookahead
point (where the method has them), and the Hessian's eigenvector directions with their labels.

The geometry (arrows, eigenvector half-lines) comes from ``lab.views.glyphs``; here it is only drawn.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from lab.views.glyphs import arrow_xy, eigen_glyphs
from widgets.plots.markers import Markers
from widgets.style import FONT_PT, GUIDE, INK, font

VELOCITY = "#6A1B9A"   # the velocity arrow and the lookahead point (deep violet: no racer has it, and it stands
                       # apart from the black −∇f and the contour's grey-blue bands)
ARROW_FRACTION = 0.13  # −∇f arrow length, as a fraction of the view's width (its direction is what matters)


def label_item(text: str, color: str = INK, anchor=(0, 1)) -> pg.TextItem:
    item = pg.TextItem(text, color=color, anchor=anchor, fill=pg.mkBrush(255, 255, 255, 150))
    item.setFont(font(FONT_PT, bold=True))
    return item


class Guides:
    """The guide items, added to ``plot``; ``draw`` places them at a racer's point, ``hide`` hides them all."""

    def __init__(self, plot: pg.PlotItem):
        halo = pg.mkPen(QColor(255, 255, 255, 235), width=8)
        self.eigen = pg.PlotCurveItem(pen=pg.mkPen(GUIDE, width=3, style=Qt.PenStyle.DashLine), shadowPen=halo,
                                      connect="pairs", antialias=True)
        self.grad_arrow = pg.PlotCurveItem(pen=pg.mkPen(INK, width=4), shadowPen=halo, connect="pairs",
                                           antialias=True)
        self.velocity_arrow = pg.PlotCurveItem(pen=pg.mkPen(VELOCITY, width=4), shadowPen=halo, connect="pairs",
                                               antialias=True)
        self.lookahead = Markers()
        self.grad_label = label_item("−∇f", anchor=(0.5, 0.5))
        self.velocity_label = label_item("v", color=VELOCITY, anchor=(0.5, 0.5))
        self.lookahead_label = label_item("x + ρv", color=VELOCITY, anchor=(-0.2, 1.2))
        self.eigen_labels = [label_item("λ₁", color=GUIDE, anchor=(0.5, 0.5)),
                             label_item("λ₂", color=GUIDE, anchor=(0.5, 0.5))]
        self.items = [self.eigen, self.grad_arrow, self.velocity_arrow, self.lookahead, self.grad_label,
                      self.velocity_label, self.lookahead_label] + self.eigen_labels
        for item in self.items:
            item.setZValue(25 if isinstance(item, pg.TextItem) else 15)  # labels on top; lines under the points
            plot.addItem(item)

    placed: list = []
    tips: list = []

    def hide(self) -> None:
        self.placed, self.tips = [], []
        for g in self.items:
            g.hide()

    def draw(self, trace, tol: float, width: float) -> None:
        """The guides at ``trace``'s current point (none without one); ``width``: the view's, in data units."""
        p = trace.point if trace is not None else None
        if p is None or not np.all(np.isfinite(p.x)):
            self.hide()
            return
        x = np.asarray(p.x, float)[:2]
        self.placed = []  # (label, its point, the side it prefers), for label_layout.place; most important first
        self.tips = []  # the arrows' heads: labels keep off them
        # −∇f, drawn at a fixed length: its direction is the lesson (the size is in the panels)
        g = None if p.grad is None else np.asarray(p.grad, float)[:2]
        flat = max(tol, 1e-12)  # below the tolerance the direction is rounding noise
        if g is not None and np.all(np.isfinite(g)) and np.hypot(*g) > flat:
            d = -g / np.hypot(*g) * ARROW_FRACTION * width
            self.grad_arrow.setData(*arrow_xy(x, d), connect="pairs")
            self.grad_label.setPos(*(x + d * 1.35))
            self.placed.append((self.grad_label, x + d, d))
            self.tips.append(x + d)
            self.grad_arrow.show()
            self.grad_label.show()
        else:
            self.grad_arrow.hide()
            self.grad_label.hide()
        # velocity (true size: the displacement momentum carries) and Nesterov's lookahead point
        v = p.details.get("velocity")
        base = np.asarray(p.details.get("position", x), float)[:2]
        if v is not None and np.all(np.isfinite(v)) and np.hypot(*v[:2]) > 1e-3 * width:
            self.velocity_arrow.setData(*arrow_xy(base, v[:2]), connect="pairs")
            self.velocity_label.setPos(*(base + v[:2] + 0.35 * ARROW_FRACTION * width * v[:2] / np.hypot(*v[:2])))
            self.placed.append((self.velocity_label, base + v[:2], v[:2]))
            self.tips.append(base + v[:2])
            self.velocity_arrow.show()
            self.velocity_label.show()
        else:
            self.velocity_arrow.hide()
            self.velocity_label.hide()
        look = p.details.get("lookahead")
        if look is not None and np.all(np.isfinite(look)):
            self.lookahead.setData([np.asarray(look, float)[:2]], [pg.mkBrush(None)], [pg.mkPen(VELOCITY, width=3)],
                                   [20], ["o"])
            self.lookahead_label.setPos(*np.asarray(look, float)[:2])
            self.placed.append((self.lookahead_label, np.asarray(look, float)[:2], (1.0, 1.0)))
            self.lookahead.show()
            self.lookahead_label.show()
        else:
            self.lookahead.hide()
            self.lookahead_label.hide()
        # the Hessian's eigenvectors: half-lines ∝ 1/√|λ| (the local quadratic model's level-set axes)
        glyphs = eigen_glyphs(x, p.eigenvalues, p.eigenvectors, g, width)
        if glyphs is not None:
            xs, ys, ends = glyphs
            for i, end in enumerate(ends):
                self.eigen_labels[i].setText(f"λ{'₁₂'[i]}")
                self.eigen_labels[i].setPos(*end)
                self.placed.append((self.eigen_labels[i], np.asarray(end, float), np.asarray(end, float) - x))
                self.eigen_labels[i].show()
            self.eigen.setData(np.array(xs), np.array(ys), connect="pairs")
            self.eigen.show()
        else:
            self.eigen.hide()
            for lab in self.eigen_labels:
                lab.hide()


__all__ = ["ARROW_FRACTION", "Guides", "VELOCITY", "label_item"]
