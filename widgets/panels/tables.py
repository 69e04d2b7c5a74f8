"""A read-only table in the lecture style (large font, no editing, rows told apart by the racer's colour)."""
from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from widgets.style import FONT_PT, font


_SWATCHES: dict[tuple[str, int], QIcon] = {}


def swatch(color: str, size: int = 14) -> QIcon:
    """A square of the racer's colour (cached: tables refresh many times a second)."""
    key = (color, size)
    if key not in _SWATCHES:
        pm = QPixmap(size, size)
        pm.fill(QColor(color))
        _SWATCHES[key] = QIcon(pm)
    return _SWATCHES[key]


def number(v, digits: int = 3) -> str:
    """A number for a projected table: short. 3 significant digits, whole numbers up to 99999 as they are,
    exponents as 'e5' / 'e−17'; '—' for none, '∞' and 'NaN' spelled out; a real minus sign."""
    if v is None:
        return "—"
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    a = abs(v)
    if a == 0:
        text = "0"
    elif 100 <= a < 1e5:
        text = f"{v:.0f}"
    elif 1e-3 <= a < 100:
        text = f"{v:.{digits}g}"
    else:
        mantissa, exponent = f"{v:.{max(digits - 1, 0)}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "−")


class ReadOnlyTable(QTableWidget):
    """Cells are written only when they change (each write costs a model signal and a repaint), and column widths
    are fitted once per change of content width rather than measured on every write."""

    def __init__(self, headers: list[str], object_name: str, parent=None):
        super().__init__(0, len(headers), parent)
        self.setObjectName(object_name)
        self.setHorizontalHeaderLabels(headers)
        self.setFont(font(FONT_PT))
        self.horizontalHeader().setFont(font(FONT_PT))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setIconSize(QSize(14, 14))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(24)
        header.setDefaultSectionSize(48)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 5)
        # every column as wide as its texts, never cut: a table narrower than its columns scrolls sideways, one
        # wider gives the rest to its last column
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self._cells: dict[tuple[int, int], tuple] = {}
        self._widest: list[int] = []

    def setRowCount(self, rows: int) -> None:
        if rows != self.rowCount():
            super().setRowCount(rows)
            self._cells = {k: v for k, v in self._cells.items() if k[0] < rows}

    def fit_widths(self, icon_col: int | None = None, grow_only: bool = True) -> None:
        """Fit the columns to their texts. While a race runs (``grow_only``) a column only ever widens, so the
        table re-lays out a handful of times per race, not on every refresh; a reset fits them afresh."""
        fm = self.fontMetrics()
        header_fm = self.horizontalHeader().fontMetrics()
        needed = []
        for col in range(self.columnCount()):
            head = self.horizontalHeaderItem(col).text() if self.horizontalHeaderItem(col) else ""
            width = header_fm.horizontalAdvance(head) + 12
            for (row, c), key in self._cells.items():
                if c == col:
                    width = max(width, fm.horizontalAdvance(key[0]) + 12 + (14 + 8 if c == icon_col else 0))
            needed.append(width)
        if grow_only and len(self._widest) == len(needed):
            needed = [max(a, b) for a, b in zip(needed, self._widest)]
        if needed != self._widest:
            self._widest = needed
            for col, width in enumerate(needed):
                self.setColumnWidth(col, width)
            self._fill_last()

    def _fill_last(self) -> None:
        """The last column as wide as its texts, or to the table's right edge when there is room."""
        if not self._widest:
            return
        rest = self.viewport().width() - sum(self._widest[:-1])
        self.setColumnWidth(len(self._widest) - 1, max(self._widest[-1], rest))

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._fill_last()

    def forget_widths(self) -> None:
        self._widest = []

    def set_cell(self, row: int, col: int, text: str, *, tip: str = "", color: str | None = None,
                 icon: QIcon | None = None, align_right: bool = False, background: str | None = None) -> None:
        key = (text, tip, color, None if icon is None else icon.cacheKey(), align_right, background)
        old = self._cells.get((row, col))
        if old == key:
            return
        item = self.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.setItem(row, col, item)
        if old is None or old[0] != text:
            item.setText(text)
        if old is None or old[1] != tip:
            item.setToolTip(tip)
        if old is None or old[3] != key[3]:
            item.setIcon(icon if icon is not None else QIcon())
        if old is None or old[2] != color:
            item.setForeground(QBrush(QColor(color)) if color else QBrush())
        if old is None or old[5] != background:
            item.setBackground(QBrush(QColor(background)) if background else QBrush())
        if old is None or old[4] != align_right:
            item.setTextAlignment((Qt.AlignmentFlag.AlignRight if align_right else Qt.AlignmentFlag.AlignLeft)
                                  | Qt.AlignmentFlag.AlignVCenter)
        self._cells[(row, col)] = key


class LiveTable(ReadOnlyTable):
    """A table of the race's numbers: marked changed by the model's signals, rewritten (``refresh``) on the redraw
    clock's tick, at most every ``TABLE_INTERVAL`` and one table a tick (``RedrawClock.table_due``)."""

    def __init__(self, headers: list[str], object_name: str, model, clock, parent=None):
        super().__init__(headers, object_name, parent)
        self.model, self._clock, self._dirty = model, clock, True
        model.raceReset.connect(self._on_reset)
        model.raceAdvanced.connect(self._on_changed)
        clock.tick.connect(self._on_tick)

    def refresh(self) -> None:
        """Write the rows from the model."""
        raise NotImplementedError

    @Slot()
    @Slot(object)
    @Slot(int)
    @Slot(bool)
    def _on_changed(self, *_) -> None:
        self._dirty = True
        self._clock.request()

    @Slot()
    def _on_reset(self) -> None:
        self.forget_widths()
        self._on_changed()

    @Slot()
    def _on_tick(self) -> None:
        if not self._dirty:
            return
        if not self._clock.flushing and not self._clock.table_due(self):
            return
        self._dirty = False
        self.refresh()
