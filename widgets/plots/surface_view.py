"""The objective's surface in 3-D, painted with QPainter (Qt's offscreen platform has no OpenGL): the shaded mesh,
the racers' paths riding on it (the parts the surface hides thin and dashed) and their current points. Drag to
rotate, wheel to zoom. All geometry comes from lab/views/surface.py; this widget only paints.

The mesh is painted into a QImage kept until the camera, the objective or the size changes; a redraw during a
race paints that image and the paths over it. While the view is dragged the mesh is a coarser one (every
DRAG_EVERY-th lattice line), the full one again when the mouse is released.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph.functions as fn
from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lab.views import surface as geometry
from widgets.model import LabModel
from widgets.plots.contour_plot import banded_colormap
from widgets.style import FONT_PT, GUIDE, HALO_WIDTH, INK, LINE_WIDTH, MARKER_SIZE, font
from widgets.work.redraw_clock import RedrawClock

DRAG_EVERY = 2         # while the view is dragged the mesh has every 2nd lattice line: 4× fewer polygons
PATH_POINTS = 200      # points per path drawn (evenly spread over its steps, the last always kept)
DEGREES_PER_PIXEL = 0.4
WHEEL_STEP = 1.12      # zoom factor per wheel notch
HIDDEN_ALPHA = 110
LUT_FROM = 0.12        # where on the contour's colour map the surface's lowest point is


class SurfaceView(QWidget):
    """``camera`` is a ``lab.views.surface.Camera``; the racers are drawn as of the timeline's step
    (``model.view_step``, ``step_to_show()``)."""

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(parent)
        self.model, self.clock = model, clock
        self.setObjectName("surfaceView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays run / pause
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self.setToolTip("drag: rotate · wheel: zoom")
        self.camera = geometry.Camera(zoom=1.25)
        self.line_scale = 1.0  # presenter mode's zoom: lines, markers and text
        # the contour's colours from its second band up: its lowest, white, would vanish on the white background
        self.lut = banded_colormap().getLookupTable(start=LUT_FROM, nPts=256, alpha=False)
        self._surface: geometry.Surface | None = None
        self._surface_for = None
        self._mesh: QImage | None = None
        self._mesh_key = None
        self._dirty = False
        self._drag: QPointF | None = None
        self.paint_ms = 0.0
        model.objectiveChanged.connect(self._on_objective_changed)
        for signal in (model.raceReset, model.raceAdvanced, model.selectionChanged):
            signal.connect(self._on_changed)
        model.view_step.viewStepChanged.connect(self._on_changed)  # the timeline: the racers as of step k
        clock.tick.connect(self._on_tick)

    # ----- what to draw ----------------------------------------------------------------------------------------
    def step_to_show(self) -> int | None:
        """The step every view shows (the timeline's ``model.view_step``); None at the live end: each racer up to
        its latest step."""
        view = self.model.view_step
        return None if view.live else view.step

    def surface(self) -> geometry.Surface | None:
        obj = self.model.objective
        if obj.dim != 2:
            return None
        if self._surface_for is not obj:
            self._surface, self._surface_for = geometry.surface(obj), obj
        return self._surface

    def _coarse(self, s: geometry.Surface) -> geometry.Surface:
        if getattr(self, "_coarse_of", None) is not s:
            self._coarse_of, self._coarse_surface = s, s.coarse(DRAG_EVERY)
        return self._coarse_surface

    def set_camera(self, camera: geometry.Camera) -> None:
        self.camera = camera
        self.update()

    def set_line_scale(self, scale: float) -> None:
        self.line_scale = float(scale)
        self.update()

    # ----- events ----------------------------------------------------------------------------------------------
    @Slot()
    def _on_objective_changed(self) -> None:
        self._surface_for = None
        self._mesh_key = None
        self.update()

    @Slot()
    @Slot(object)
    @Slot(int)
    def _on_changed(self, *_) -> None:
        self._dirty = True
        self.clock.request()

    @Slot()
    def _on_tick(self) -> None:
        if self._dirty and self.isVisible():
            self._dirty = False
            self.update()

    def mousePressEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            self._drag = ev.position()

    def mouseMoveEvent(self, ev) -> None:
        if self._drag is None:
            return
        d = ev.position() - self._drag
        self._drag = ev.position()
        self.set_camera(self.camera.rotated(-d.x() * DEGREES_PER_PIXEL, d.y() * DEGREES_PER_PIXEL))

    def mouseReleaseEvent(self, ev) -> None:
        if self._drag is not None:
            self._drag = None
            self.update()  # the full mesh again

    def wheelEvent(self, ev) -> None:
        notches = ev.angleDelta().y() / 120.0
        if notches:
            self.set_camera(self.camera.zoomed(WHEEL_STEP ** notches))

    # ----- painting --------------------------------------------------------------------------------------------
    def paintEvent(self, ev) -> None:
        t0 = time.perf_counter()
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        s = self.surface()
        if s is None:
            p.setFont(font(round(FONT_PT * self.line_scale) + 2, bold=True))
            p.setPen(QColor(INK))
            obj = self.model.objective
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       f"{obj.name} has {obj.dim} parameters:\nno surface to draw — watch the loss curves")
        else:
            p.drawImage(0, 0, self.mesh_image(s if self._drag is None else self._coarse(s)))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            self._paint_minima(p, s)
            self._paint_paths(p, s)
            self._paint_caption(p, s)
        p.end()
        self.paint_ms = (time.perf_counter() - t0) * 1000.0
        self.clock.note_cost(self.paint_ms, self)

    def mesh_image(self, s: geometry.Surface) -> QImage:
        """The shaded mesh (and the floor's x, y labels) for the current camera and size, cached."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        key = (id(s), self.camera, w, h, self.line_scale)
        if key == self._mesh_key and self._mesh is not None:
            return self._mesh
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        frame = geometry.mesh_frame(s, self.camera, w, h, self.lut)
        p = QPainter(image)
        self._paint_rim(p, s, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        poly = fn.create_qpolygonf(4)
        corners = fn.ndarray_from_qpolygonf(poly)  # one QPolygonF whose points are written in place: no per-quad
        for quad, (r, g, b) in zip(frame.polygons.tolist(), frame.colors.tolist()):  # allocation (2× faster)
            corners[:] = quad
            p.setBrush(QColor(r, g, b))
            p.drawPolygon(poly)
        self._paint_axes(p, s)
        p.end()
        self._mesh, self._mesh_key = image, key
        return image

    def _paint_rim(self, p: QPainter, s: geometry.Surface, w: int, h: int) -> None:
        """The surface's border, under the mesh: where the border is in front, half its pen shows outside the
        surface and outlines it against the background; behind the surface the mesh covers it."""
        v = geometry.vertices(s)
        rim = np.concatenate([v[:, 0], v[-1, 1:], v[-2::-1, -1], v[0, -2::-1]])
        pix, _ = self.camera.project(rim, w, h)
        p.setPen(QPen(QColor(GUIDE), 3 * self.line_scale))
        p.drawPath(fn.arrayToQPath(pix[:, 0], pix[:, 1]))

    def _paint_axes(self, p: QPainter, s: geometry.Surface) -> None:
        """x and y at the middle of the floor's edges, outside it."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(font(round(FONT_PT * self.line_scale), bold=True))
        p.setPen(QColor(INK))
        floor = -geometry.HEIGHT / 2
        for name, point in (("x", (0.0, -1.25, floor)), ("y", (-1.25, 0.0, floor))):
            (x, y), _ = self.camera.project(np.array(point), self.width(), self.height())
            p.drawText(QRectF(x - 20, y - 14, 40, 28), Qt.AlignmentFlag.AlignCenter, name)

    def _paint_minima(self, p: QPainter, s: geometry.Surface) -> None:
        """The objective's known minima, as white stars on the contour plot: white dots where the surface does
        not hide them."""
        obj = self.model.objective
        if not len(obj.minima):
            return
        xy = np.asarray(obj.minima, float)[:, :2]
        with np.errstate(all="ignore"):
            world = s.world(xy, obj.value(xy))
        pix, _ = self.camera.project(world, self.width(), self.height())
        seen = ~geometry.hidden(s, self.camera, world) & np.isfinite(pix).all(axis=1)
        r = 5 * self.line_scale
        p.setPen(self._pen(QColor(INK), 2 * self.line_scale))
        p.setBrush(QColor("#FFFFFF"))
        for x, y in pix[seen]:
            p.drawEllipse(QPointF(x, y), r, r)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_paths(self, p: QPainter, s: geometry.Surface) -> None:
        obj = self.model.objective
        w, h = self.width(), self.height()
        scale = self.line_scale
        selected = self.model.selected_row
        p.setBrush(Qt.BrushStyle.NoBrush)
        for t in sorted(self.model.view_step.traces, key=lambda t: t.row == selected):  # the selected one on top
            rows = t.positions.view  # up to the step shown (the timeline's racers as of step k)
            if len(rows) == 0:
                continue
            xy = rows[geometry.thin(len(rows), PATH_POINTS), :2]
            with np.errstate(all="ignore"):
                world = s.world(xy, obj.value(xy))
            pix, _ = self.camera.project(world, w, h)
            hid = geometry.hidden(s, self.camera, world)
            color = QColor(t.color)
            faint = QColor(color)
            faint.setAlpha(HIDDEN_ALPHA)
            good = np.isfinite(pix).all(axis=1)
            # a segment is drawn in full when both its ends are seen, thin and faint when either is hidden; the
            # halo and the faint line without antialiasing (a wide antialiased pen costs most of a frame), and
            # nothing antialiased while the view is dragged
            for seen, pens in ((False, [(self._pen(faint, 2 * scale), False)]),
                               (True, [(self._pen(QColor(255, 255, 255), HALO_WIDTH * scale), False),
                                       (self._pen(color, LINE_WIDTH * scale), True)])):
                both = good[1:] & good[:-1] & ((~hid[1:] & ~hid[:-1]) if seen else (hid[1:] | hid[:-1]))
                runs = _runs(both)
                for pen, smooth in pens:
                    p.setRenderHint(QPainter.RenderHint.Antialiasing, smooth and self._drag is None)
                    p.setPen(pen)
                    for first, last in runs:
                        p.drawPath(fn.arrayToQPath(pix[first:last + 2, 0], pix[first:last + 2, 1]))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            last = np.flatnonzero(good)
            if len(last):
                k = last[-1]
                big = t.row == selected
                r = (MARKER_SIZE + (8 if big else 0)) * scale / 2
                p.setPen(self._pen(QColor(INK), (3 if big else 1.5) * scale))
                p.setBrush(color if not hid[k] else faint)
                p.drawEllipse(QPointF(*pix[k]), r, r)
                p.setBrush(Qt.BrushStyle.NoBrush)

    @staticmethod
    def _pen(color: QColor, width: float) -> QPen:
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen

    def _paint_caption(self, p: QPainter, s: geometry.Surface) -> None:
        p.setPen(QColor(INK))
        f = font(round(FONT_PT * self.line_scale))
        p.setFont(f)
        margin = 6
        text = f"the surface of f — height: {s.what}"
        p.drawText(QRectF(margin, margin, self.width() - 2 * margin, self.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, text)
        small = QFont(f)
        small.setPointSizeF(max(f.pointSizeF() - 2, 10))
        p.setFont(small)
        p.setPen(QColor("#606060"))
        p.drawText(QRectF(margin, 0, self.width() - 2 * margin, self.height() - margin),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, "drag: rotate · wheel: zoom")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), stops.tolist()))


__all__ = ["SurfaceView"]
