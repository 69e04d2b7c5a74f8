"""A graphics item that covers its view box and paints in the view box's pixels (curves, markers)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QTransform


class ViewItem(pg.GraphicsObject):
    """Bounds: the view (whatever it shows, the item may draw there). ``to_pixels`` maps data to view-box pixels
    in NumPy; ``begin_pixels`` sets a painter to draw in those pixels (no per-point transform in Qt)."""

    def boundingRect(self) -> QRectF:
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None else QRectF()

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def begin_pixels(self, p: QPainter) -> QTransform | None:
        """Save ``p`` and make it draw in view-box pixels; the data → pixel transform, or None (nothing to draw:
        ``p`` is left as it was)."""
        vb = self.getViewBox()
        if vb is None:
            return None
        to_px = vb.childGroup.transform()
        to_data, invertible = to_px.inverted()
        if not invertible:
            return None
        p.save()
        p.setTransform(to_data * p.transform())
        return to_px

    @staticmethod
    def to_pixels(to_px: QTransform, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):  # NaN and ±∞ map to non-finite: not drawn
            return (to_px.m11() * x + to_px.m21() * y + to_px.dx(),
                    to_px.m12() * x + to_px.m22() * y + to_px.dy())


__all__ = ["ViewItem"]
