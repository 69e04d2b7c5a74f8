"""Scale a window's fonts and lines by a factor, and back: every widget's own font (those that inherit theirs follow
their parent), tables' row heights and column widths, and in pyqtgraph plots the axes' tick fonts, labels and
sizes, titles and legends, text items, curves' pens; objects with ``set_line_scale`` (the trajectory layer, the
3-D view) get the factor. Each thing's size at factor 1 is kept the first time it is scaled."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QPen
from PySide6.QtWidgets import QTableWidget, QWidget

LEGEND_SHARE = 0.5  # of the plot's height, the most the legend's rows take (then it keeps more columns)
BASE = "zoomBasePointSize"  # a widget's dynamic property: its font's point size at factor 1


def apply_zoom(root: QWidget, factor: float) -> None:
    """Scale ``root`` and everything in it to ``factor`` × its size at factor 1."""
    widgets = [root] + root.findChildren(QWidget)
    own = [w for w in widgets if w.testAttribute(Qt.WidgetAttribute.WA_SetFont)
           and (w.property(BASE) is not None or w.font().pointSizeF() > 0)]  # a font set in pixels: left alone
    for w in own:  # every base first: setting a parent's font changes what an inheriting child reports
        if w.property(BASE) is None:
            w.setProperty(BASE, w.font().pointSizeF())
    for w in own:
        f = w.font()
        f.setPointSizeF(float(w.property(BASE)) * factor)
        w.setFont(f)
    for w in widgets:
        if isinstance(w, QTableWidget):
            _zoom_table(w, factor)
        if isinstance(w, pg.GraphicsView):
            for item in w.scene().items():
                _zoom_item(item, factor)
        if hasattr(w, "set_line_scale"):
            w.set_line_scale(factor)


def _zoom_table(table: QTableWidget, factor: float) -> None:
    for header in (table.horizontalHeader(), table.verticalHeader()):
        if header.property(BASE) is None:
            header.setProperty(BASE, header.font().pointSizeF())
        f = header.font()
        f.setPointSizeF(float(header.property(BASE)) * factor)
        header.setFont(f)
    table.verticalHeader().setDefaultSectionSize(QFontMetrics(table.font()).height() + 5)
    icon = round(14 * factor)
    table.setIconSize(QSize(icon, icon))
    if hasattr(table, "forget_widths"):  # the lab's tables fit their columns to their texts: fit them afresh
        table.forget_widths()
        if hasattr(table, "refresh"):  # live tables rewrite their rows (and fit) from the model
            table.refresh()
        table.fit_widths(icon_col=0, grow_only=False)


def _base(item, name: str, value):
    """``item``'s attribute at factor 1 (kept on the item the first time)."""
    key = f"_zoom_base_{name}"
    if not hasattr(item, key):
        setattr(item, key, value)
    return getattr(item, key)


def _zoom_item(item, factor: float) -> None:
    if isinstance(item, pg.AxisItem):
        tick = _base(item, "tick", (item.style.get("tickFont") or item.font()).pointSizeF())
        f = item.style.get("tickFont") or item.font()
        f.setPointSizeF(tick * factor)
        item.setTickFont(f)
        size = _base(item, "size", (item.fixedWidth, item.fixedHeight))
        if size[0] is not None:
            item.setWidth(size[0] * factor)
        if size[1] is not None:
            item.setHeight(size[1] * factor)
        pt = _base(item, "label_pt", _pt(item.labelStyle.get("font-size")))
        if pt is not None and item.label.isVisible():
            item.labelStyle["font-size"] = f"{pt * factor:.1f}pt"
            item.setLabel(item.labelText, item.labelUnits, item.labelUnitPrefix, **item.labelStyle)
    elif isinstance(item, pg.LabelItem):
        pt = _base(item, "pt", _pt(item.opts.get("size")))
        if pt is not None and item.text:
            item.setText(item.text, size=f"{pt * factor:.1f}pt")
    elif isinstance(item, pg.TextItem):
        pt = _base(item, "pt", item.textItem.font().pointSizeF())
        f = item.textItem.font()
        f.setPointSizeF(pt * factor)
        item.setFont(f)
    elif isinstance(item, pg.PlotDataItem) or (isinstance(item, pg.PlotCurveItem)
                                               and not isinstance(item.parentItem(), pg.PlotDataItem)):
        pen = item.opts.get("pen")
        if isinstance(pen, QPen) and pen.style() != Qt.PenStyle.NoPen:
            width = _base(item, "pen", pen.widthF())
            scaled = QPen(pen)
            scaled.setWidthF(width * factor)
            item.setPen(scaled)
    elif isinstance(item, pg.LegendItem):
        fit_legend(item)
    elif hasattr(item, "set_line_scale"):
        item.set_line_scale(factor)


def fit_legend(legend: pg.LegendItem) -> None:
    """As many columns as the legend's row holds at its labels' size (its usual count at most): a legend wider
    than its plot would be cut at the plot's edge — unless its rows would then take more than LEGEND_SHARE of
    the plot's height (a small exported frame): the plot's room comes first."""
    most = _base(legend, "columns", legend.columnCount)
    views = legend.scene().views() if legend.scene() is not None else []
    room = views[0].width() - 8 if views else 0
    if room <= 0 or not legend.items:
        return
    widths = [label.item.boundingRect().width() + sample.boundingRect().width() + 12  # the text's own width
              for sample, label in legend.items]

    def fits(c: int) -> bool:  # items fill rows left to right: column k holds items k, k + c, k + 2c, …
        return sum(max(widths[k::c]) for k in range(min(c, len(widths)))) <= room

    columns = next((c for c in range(most, 0, -1) if fits(c)), 1)
    row = max(label.item.boundingRect().height() for _, label in legend.items)
    most_rows = max(1, int(LEGEND_SHARE * views[0].height() // max(row, 1)))  # a small plot keeps its room: the
    columns = max(columns, min(most, -(-len(widths) // most_rows)))          # legend's rows: half at most
    if columns != legend.columnCount:
        legend.setColumnCount(columns)


def _pt(size) -> float | None:
    """14.0 from '14pt' (None for anything else)."""
    if isinstance(size, str) and size.endswith("pt"):
        try:
            return float(size[:-2])
        except ValueError:
            return None
    return None
