"""All racers' trajectories painted into one image that only ever gets the new segments drawn onto it.

Redrawing 8 long antialiased paths with a halo every frame costs tens of milliseconds; a race that adds a few
hundred pixel-segments a frame needs only those painted. ``TrailLayer`` keeps a QImage the size of the plot's
view box: each redraw tick paints the segments added since the last (``PixelPath.segments`` grows by
appending), and ``paint`` only blits the image. When the view moves, zooms or resizes, the image is repainted
from all segments (once). Memory: two images of the view's size, whatever the number of steps.

The halos (a white band around each line, a dark one around a light colour's, so yellow reads on the pale
contour) go in an image of their own, painted under the lines' image: a racer's halo never covers another
racer's line. Each source has its own ``width``: racers earlier in the list are drawn wider, so two paths
that lie on one another show as a line inside a line.
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from widgets.style import HALO_WIDTH, LINE_WIDTH

BUDGET = 600
"""Segments painted per refresh at most: a backlog (the first frame of a fast race, a repaint after zooming)
is spread over several redraw ticks instead of holding the GUI thread in one."""



def _pen(color: QColor, width: float) -> QPen:
    p = QPen(color, width)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setCosmetic(True)
    return p


class TrailLayer(pg.GraphicsObject):
    """Paints sources incrementally (objects with ``.path``, a PixelPath, ``.color`` and optionally ``.width``
    and ``.halo``, a colour); call ``refresh()`` after the sources grew. ``outline``: a colour for every
    source's halo (the selected racer's layer: a dark outline)."""

    def __init__(self, viewbox: pg.ViewBox, outline: str | None = None, extra: float = 0.0):
        super().__init__()
        self.vb = viewbox
        self.outline, self.extra = outline, extra
        self.line_scale = 1.0  # presenter mode's zoom
        self.sources: list = []
        self._image: QImage | None = None
        self._halos: QImage | None = None
        self._key = None
        self._drawn: list[int] = []
        self.segments_painted = 0
        self.full_repaints = 0

    # ----- what to draw ----------------------------------------------------------------------------------------
    def set_sources(self, sources: list) -> None:
        self.sources = list(sources)
        self._key = None  # repaint everything
        self.refresh()

    def invalidate(self) -> None:
        self._key = None

    def set_line_scale(self, scale: float) -> None:
        """Lines ``scale`` × their usual width (presenter mode's zoom): everything repainted."""
        if scale != self.line_scale:
            self.line_scale = scale
            self.invalidate()
            self.refresh(budget=10**9)
            self.update()

    def boundingRect(self) -> QRectF:
        return self.vb.viewRect() if self.vb is not None else QRectF()

    # ----- drawing ---------------------------------------------------------------------------------------------
    def _view_key(self):
        t = self.vb.childGroup.transform()
        size = self.vb.size()
        dpr = self._dpr()
        return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(), int(size.width()), int(size.height()), dpr)

    def _dpr(self) -> float:
        views = self.scene().views() if self.scene() is not None else []
        return float(views[0].devicePixelRatioF()) if views else 1.0

    @property
    def behind(self) -> bool:
        """Segments are waiting to be painted (call ``refresh`` again)."""
        return any(d < len(src.path.segments.view) for d, src in zip(self._drawn, self.sources))

    def refresh(self, budget: int = BUDGET) -> bool:
        """Paint what the sources added since the last call (everything after a view change), at most ``budget``
        segments (``behind`` tells if more wait). True if it painted anything."""
        if self.vb is None or self.scene() is None:
            return False
        key = self._view_key()
        w, h, dpr = key[6], key[7], key[8]
        if w <= 0 or h <= 0:
            return False
        if key != self._key or self._image is None or len(self._drawn) != len(self.sources):
            self._image, self._halos = (QImage(max(1, math.ceil(w * dpr)), max(1, math.ceil(h * dpr)),
                                               QImage.Format.Format_ARGB32_Premultiplied) for _ in range(2))
            for im in (self._image, self._halos):
                im.setDevicePixelRatio(dpr)
                im.fill(Qt.GlobalColor.transparent)
            self._drawn = [0] * len(self.sources)
            self._key = key
            self.full_repaints += 1
        m11, m12, m21, m22, dx, dy = key[:6]
        painter = halos = None
        for i, src in enumerate(self.sources):
            seg = src.path.segments.view
            start = self._drawn[i]
            if start > len(seg):  # the path was rebuilt (a new grid): start over for this source
                self._key = None
                return self.refresh()
            if start == len(seg) or budget <= 0:
                continue
            if painter is None:
                painter, halos = QPainter(self._image), QPainter(self._halos)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                halos.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            stop = min(len(seg), start + 2 * budget)
            budget -= (stop - start) // 2
            new = seg[start:stop]
            width = (getattr(src, "width", LINE_WIDTH) + self.extra) * self.line_scale
            halo = QColor(self.outline or getattr(src, "halo", "#FFFFFF"))
            if self.outline is None:
                halo.setAlpha(235)
            x = m11 * new[:, 0] + m21 * new[:, 1] + dx
            y = m12 * new[:, 0] + m22 * new[:, 1] + dy
            path = pg.functions.arrayToQPath(x, y, connect="pairs")
            halos.setPen(_pen(halo, width + (HALO_WIDTH - LINE_WIDTH) * self.line_scale))
            halos.drawPath(path)
            painter.setPen(_pen(QColor(src.color), width))
            painter.drawPath(path)
            self.segments_painted += len(new) // 2
            self._drawn[i] = stop
        if painter is not None:
            painter.end()
            halos.end()
            self.update()
            return True
        return False

    def paint(self, p: QPainter, *args) -> None:
        if self._key != self._view_key():  # the view moved since the last tick: repaint it for this view
            self.refresh(budget=10**9)
        if self._image is None or self._key is None:
            return
        to_data, invertible = self.vb.childGroup.transform().inverted()
        if not invertible:
            return
        p.save()
        p.setTransform(to_data * p.transform())  # the image is in view-box pixels: view box → data → device
        p.drawImage(QRectF(0, 0, self._key[6], self._key[7]), self._halos)
        p.drawImage(QRectF(0, 0, self._key[6], self._key[7]), self._image)
        p.restore()

    def image(self) -> QImage | None:
        return self._image


__all__ = ["TrailLayer"]
