"""The one kind of error message the window shows: a warning box that says what and where, and blocks nothing."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from widgets.style import FONT_PT, font


def error_box(parent: QWidget, text: str, previous: QMessageBox | None = None) -> QMessageBox:
    """Open a window-modal (never application-modal) warning with ``text`` over ``parent``, objectName
    ``errorBox``, after closing ``previous``: one box at a time, never a pile; the window and its race go on."""
    if previous is not None:
        previous.close()
    box = QMessageBox(QMessageBox.Icon.Warning, "Optimizer Lab", text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setFont(font(FONT_PT))
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


__all__ = ["error_box"]
