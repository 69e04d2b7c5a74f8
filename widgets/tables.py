"""A read-only table in the lecture style (large font, no editing, rows told apart by the racer's colour)."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from widgets.style import FONT_PT, font


def swatch(color: str, size: int = 18) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(color))
    return QIcon(pm)


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
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def set_cell(self, row: int, col: int, text: str, *, tip: str = "", color: str | None = None,
                 icon: QIcon | None = None, align_right: bool = False, background: str | None = None) -> None:
        item = self.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.setItem(row, col, item)
        if item.text() != text:
            item.setText(text)
        if tip != item.toolTip():
            item.setToolTip(tip)
        if icon is not None:
            item.setIcon(icon)
        if color is not None:
            item.setForeground(QBrush(QColor(color)))
        item.setBackground(QBrush(QColor(background)) if background else QBrush())
        if align_right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
