"""Parts of the analysis views' figures: a plot with the house's axes and a colour bar beside it."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from widgets.style import FONT_PT, INK, font, style_plot


def plot_widget(object_name: str, left: str, bottom: str, right_margin: int = 16) -> pg.PlotWidget:
    """A PlotWidget with the house's axes (style_plot), no context menu, room at the right for the last tick."""
    plot = pg.PlotWidget()
    plot.setObjectName(object_name)
    item = plot.getPlotItem()
    style_plot(item, left=left, bottom=bottom)
    item.setMenuEnabled(False)
    item.setContentsMargins(0, 0, right_margin, 0)
    return plot


def color_bar(object_name: str, colormap: str, label: str, width: int) -> tuple[pg.ColorBarItem, QWidget]:
    """A colour bar with large tick labels, in its own widget of fixed ``width`` (inside a plot its values were
    clipped): (the ColorBarItem, its widget)."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get(colormap), interactive=False, width=22)
    widget = pg.GraphicsLayoutWidget()
    widget.setObjectName(object_name)
    widget.addItem(bar)
    widget.setFixedWidth(width)
    bar.axis.setTickFont(font(FONT_PT))  # the axis with the values (pyqtgraph's ColorBarItem)
    bar.axis.setTextPen(pg.mkPen(INK))
    bar.axis.setWidth(80)
    bar.getAxis("left").setLabel(label, **{"font-size": f"{FONT_PT}pt", "color": INK})
    return bar, widget


__all__ = ["color_bar", "plot_widget"]
