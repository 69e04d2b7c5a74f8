"""Point markers a fixed number of pixels across, painted directly (the racers' current points, the lookahead).

pyqtgraph's ``ScatterPlotItem.setData`` re-renders every symbol into its pixmap atlas: ~1.7 ms for the 8 racers'
points on each redraw tick of a race. Here ``setData`` only stores the points and their styles; ``paint`` maps
them to pixels and blits each symbol (pyqtgraph's symbol shapes, antialiased) from a pixmap rendered once per
style (``sprite``): a few microseconds each.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen, QPixmap

from widgets.plots.view_item import ViewItem


FAR = 100.0
"""Points more than this many pixels outside the view are not drawn (a marker is at most ~30 px across)."""


_SPRITES: dict[tuple, QPixmap] = {}


def sprite(symbol: str, size: float, pen: QPen, brush: QBrush, ratio: float) -> QPixmap:
    """The symbol ``size`` pixels across drawn with ``pen`` and ``brush`` on a transparent pixmap (for a device
    of pixel ratio ``ratio``), centred; made once per style."""
    key = (symbol, float(size), pen.color().rgba(), pen.widthF(), pen.style(), brush.color().rgba(), brush.style(),
           float(ratio))
    pix = _SPRITES.get(key)
    if pix is None:
        side = int(np.ceil(size + 2 * max(pen.widthF(), 1.0) + 2))
        pix = QPixmap(int(np.ceil(side * ratio)), int(np.ceil(side * ratio)))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        q = QPainter(pix)
        q.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        q.translate(side / 2, side / 2)
        q.scale(size, size)
        q.setPen(pen)
        q.setBrush(brush)
        q.drawPath(Symbols[symbol])
        q.end()
        _SPRITES[key] = pix
    return pix


class Markers(ViewItem):
    """``pos`` (k, 2) in data coordinates, each drawn as ``symbols[i]`` (a key of pyqtgraph's ``Symbols``: "o",
    "x", …) ``sizes[i]`` pixels across, outlined with ``pens[i]`` and filled with ``brushes[i]``."""

    def __init__(self):
        super().__init__()
        self.pos = np.empty((0, 2))
        self.brushes: list[QBrush] = []
        self.pens: list[QPen] = []
        self.sizes: list[float] = []
        self.symbols: list[str] = []

    def __repr__(self) -> str:
        return f"Markers({len(self.pos)} points)"

    def setData(self, pos, brushes=None, pens=None, sizes=None, symbols=None) -> None:
        pos = np.asarray(pos, dtype=float).reshape(-1, 2)
        k = len(pos)
        self.pos = pos
        self.brushes = list(brushes) if brushes is not None else [pg.mkBrush(None)] * k
        self.pens = list(pens) if pens is not None else [pg.mkPen("k")] * k
        self.sizes = list(sizes) if sizes is not None else [10.0] * k
        self.symbols = list(symbols) if symbols is not None else ["o"] * k
        if not len(self.brushes) == len(self.pens) == len(self.sizes) == len(self.symbols) == k:
            raise ValueError(f"{k} points need {k} brushes, pens, sizes and symbols")
        self.update()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        v = self.pos[:, ax]
        v = v[np.isfinite(v)]
        return (float(v.min()), float(v.max())) if v.size else (None, None)

    def paint(self, p: QPainter, *args) -> None:
        if len(self.pos) == 0:
            return
        to_px = self.begin_pixels(p)  # view-box pixels: symbols keep their size however the view zooms
        if to_px is None:
            return
        px, py = self.to_pixels(to_px, self.pos[:, 0], self.pos[:, 1])
        vb = self.getViewBox()
        w, h = vb.width(), vb.height()
        ratio = p.device().devicePixelRatioF() if p.device() is not None else 1.0
        for i in range(len(px)):
            if not (-FAR <= px[i] <= w + FAR and -FAR <= py[i] <= h + FAR):  # NaN too: nothing to draw
                continue
            pix = sprite(self.symbols[i], self.sizes[i], self.pens[i], self.brushes[i], ratio)
            half = pix.width() / ratio / 2
            p.drawPixmap(QPointF(px[i] - half, py[i] - half), pix)
        p.restore()


__all__ = ["Markers"]
