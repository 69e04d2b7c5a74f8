"""A one-line heading that never gets cut: "<b>Name</b> — what, more" shows as much of itself as its width holds,
dropping the clauses after the dash from the front ("<b>Name</b> — more"), then everything after the name."""
from __future__ import annotations

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QSizePolicy

DASH = " — "


def shorter_forms(text: str) -> list[str]:
    """``text`` and its shorter forms, longest first: clauses after the dash dropped from the front, then the
    dash and all after it."""
    if DASH not in text:
        return [text]
    head, rest = text.split(DASH, 1)
    clauses = rest.split(", ")
    return [head + DASH + ", ".join(clauses[i:]) for i in range(len(clauses))] + [head]


class FittingLabel(QLabel):
    """A QLabel whose ``setText`` shows the longest of ``shorter_forms(text)`` that fits; ``full_text`` is what
    was set (also the tooltip). It asks for no width of its own: the layout gives it what is left."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.full_text = ""
        self.setText(text)

    def setText(self, text: str) -> None:
        self.full_text = text
        self._fit()

    def width_of(self, text: str) -> float:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self.font())
        doc.setHtml(text)
        return doc.idealWidth()

    def _fit(self) -> None:
        room = self.contentsRect().width()
        forms = shorter_forms(self.full_text)
        shown = next((f for f in forms if self.width_of(f) <= room), forms[-1])
        if shown != self.text():
            super().setText(shown)
        self.setToolTip(self.full_text if shown != self.full_text else "")

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._fit()

    def changeEvent(self, ev) -> None:
        super().changeEvent(ev)
        self._fit()
