"""The racers' curves as one item (widgets/plots/curve_set.py): what is drawn, and where."""
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from widgets.plots.curve_set import COLUMN_PX, CurveSet


def plot_with(qtbot, x, y, color="#D55E00", y_range=(0.0, 10.0)):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    cs = CurveSet()
    w.addItem(cs)
    c = cs.add(pg.mkPen(color, width=3.5), "racer")
    c.setData(x, y)
    w.setXRange(0, 100, padding=0)
    w.setYRange(*y_range, padding=0)
    w.show()
    qtbot.waitExposed(w)
    return w, cs, c


def pixel(w, image, x, y, dx: int = 0) -> str:
    """The colour at data point (x, y), ``dx`` screen pixels to the right."""
    at = w.mapFromScene(w.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y)))
    r = image.devicePixelRatio()
    return QColor(image.pixel(int((at.x() + dx) * r), int(at.y() * r))).name()


def test_a_far_value_is_drawn_as_a_line_out_of_the_view_and_non_finite_values_are_gaps(qtbot):
    x = np.arange(101.0)
    y = np.full(101, 5.0)
    y[50] = 1e300     # a diverging step: the line goes straight up out of the view and back
    y[80:85] = np.nan  # a gap
    y[90] = np.inf     # a singular point: also a gap
    w, cs, c = plot_with(qtbot, x, y)
    image = w.grab().toImage()
    assert pixel(w, image, 20, 5.0) == "#d55e00"
    assert pixel(w, image, 49, 9.8) == pixel(w, image, 51, 9.8) == "#d55e00"  # the spike: up out of the view and back
    assert pixel(w, image, 82, 5.0) == pixel(w, image, 82, 2.0) != "#d55e00"  # the NaN gap: background
    assert pixel(w, image, 70, 5.0) == "#d55e00"


def test_many_points_are_reduced_to_pixel_columns_and_keep_every_extreme(qtbot):
    rng = np.random.default_rng(1)
    x = np.linspace(0, 100, 20_000)
    y = 5 + rng.normal(0, 1, len(x))
    y[12_345] = 9.5  # one spike among 20 000 points
    w, cs, c = plot_with(qtbot, x, y)
    dx, dy = c.getData()
    vb = w.getPlotItem().getViewBox()
    assert len(dx) <= 2 * (vb.width() / COLUMN_PX + 2) < len(x)
    assert dy.max() == y.max() and dy.min() == y.min()
    image = w.grab().toImage()
    # drawn in its column (the column's first x: up to COLUMN_PX to the left of the spike's own x)
    assert "#d55e00" in {pixel(w, image, x[12_345], 9.4, dx) for dx in range(-3, 2)}
