"""The lesson's caption beside the plots: the lesson and page titles, the page's text (what it shows, what to watch,
a question for the class, "try this"), and Back / Next. Large type for a projector; the text scrolls, never clips."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QToolButton,
                               QVBoxLayout)

from widgets.model.lesson_state import LessonState
from widgets.style import FONT_PT, TITLE_PT, font

CAPTION_PT = FONT_PT + 1  # the page's text: read from the back of the room
CAPTION_WIDTH = 300  # px: about 28 characters a line at CAPTION_PT
TRY_LINK = "try:"


def page_html(page) -> str:
    """The page's words as rich text; a "try this" item with a change is a link ``try:i``."""
    esc = html.escape
    parts = [f"<p style='margin-top:0; font-size:{TITLE_PT}pt'><b>{esc(page.title)}</b></p>"]
    if page.text:
        parts.append(f"<p>{esc(page.text)}</p>")
    parts.append(f"<p><b>Watch:</b> {esc(page.watch)}</p>")
    if page.question:
        parts.append(f"<p><b>Question:</b> <i>{esc(page.question)}</i></p>")
    if page.tries:
        items = "".join(f"<li><a href='{TRY_LINK}{i}'>{esc(t.text)}</a></li>" if t.change is not None
                        else f"<li>{esc(t.text)}</li>" for i, t in enumerate(page.tries))
        parts.append(f"<p><b>Try this:</b></p><ul style='margin-left:-20px'>{items}</ul>")
    return "".join(parts)


class LessonCaption(QFrame):
    """The caption panel: hidden when no lesson is open. Back / Next go through ``LessonState``."""

    def __init__(self, state: LessonState, parent=None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("lessonCaption")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(200)
        self.setMinimumWidth(CAPTION_WIDTH)  # only while shown: a lesson widens the set-up column
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("lessonTitle")
        self.title.setFont(font(FONT_PT, bold=True))
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.title, 1)
        close = QToolButton()
        close.setObjectName("lessonCloseButton")
        close.setText("✕")
        close.setToolTip("Close the lesson (the race stays)")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(state.close)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        self.body = QLabel()
        self.body.setObjectName("lessonText")
        self.body.setFont(font(CAPTION_PT))
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.body.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.body.linkActivated.connect(self._on_link)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("lessonScroll")
        self.scroll.setWidget(self.body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroll, 1)

        row = QHBoxLayout()
        self.back_button = QPushButton("◀ Back")
        self.back_button.setObjectName("lessonBackButton")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("lessonNextButton")
        self.where = QLabel()
        self.where.setObjectName("lessonPage")
        self.where.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for b, slot, tip in ((self.back_button, state.back, "previous page (PgUp)"),
                             (self.next_button, state.next, "next page (PgDn)")):
            b.setFont(font(FONT_PT, bold=True))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays run / pause
            b.setToolTip(tip)
            b.clicked.connect(slot)
        self.where.setFont(font(FONT_PT))
        row.addWidget(self.back_button)
        row.addWidget(self.where, 1)
        row.addWidget(self.next_button)
        outer.addLayout(row)

        state.pageChanged.connect(self._on_page)
        state.lessonChanged.connect(self._on_lesson)
        self._on_lesson()

    @Slot()
    def _on_lesson(self) -> None:
        lesson = self.state.lesson
        self.setVisible(lesson is not None)
        self.title.setText("" if lesson is None else lesson.title)

    @Slot(int)
    def _on_page(self, n: int) -> None:
        page = self.state.page
        if page is None:
            self.body.setText("")
            return
        self.body.setText(page_html(page))
        self.where.setText(f"{n} / {self.state.count}")
        self.back_button.setEnabled(n > 1)
        self.next_button.setEnabled(n < self.state.count)
        self.scroll.verticalScrollBar().setValue(0)

    @Slot(str)
    def _on_link(self, link: str) -> None:
        if link.startswith(TRY_LINK) and link[len(TRY_LINK):].isdigit():
            self.state.apply_try(int(link[len(TRY_LINK):]))


__all__ = ["LessonCaption", "page_html"]
