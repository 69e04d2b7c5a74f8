"""Lines of text in the lecture's notation (an update explained, a gradient check), in a fixed-width font at the
tables' size; a line too wide for the panel is broken before its last " = ", the value on a line of its own."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit

from widgets.style import FONT_PT


def mono_font(pt: int = FONT_PT):
    """The system's fixed-width font at ``pt`` points: the numbers of a rule line up under each other."""
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    f.setPointSize(pt)
    return f


class LinesView(QPlainTextEdit):
    """Read-only lines; ``set_lines`` shows them, re-broken whenever the panel's width changes."""

    def __init__(self, object_name: str, parent=None, pt: int = FONT_PT):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(mono_font(pt))
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # selectable; arrows go back to the timeline on Esc/click
        self.lines: list[str] = []

    def set_lines(self, lines) -> None:
        self.lines = list(lines)
        self._flow()

    def _flow(self) -> None:
        fm = self.fontMetrics()
        room = self.viewport().width() - 2 * self.document().documentMargin() - 4
        out = []
        for line in self.lines:
            cut = line.rfind(" = ")
            if room > 0 and fm.horizontalAdvance(line) > room and cut > 0:
                indent = len(line) - len(line.lstrip())
                out += [line[:cut], " " * (indent + 4) + line[cut + 1:]]
            else:
                out.append(line)
        text = "\n".join(out)
        if self.toPlainText() != text:
            self.setPlainText(text)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._flow()


__all__ = ["LinesView", "mono_font"]
