"""The lesson being taught and its page: the one place where going to a page changes the model.

``LessonState(model)`` holds a ``lab.lessons.Lesson`` and the current page (1-based). ``go(n)`` hands page n's
experiment to ``model.set_experiment`` (the race stops and starts over from the page's set-up) and says so in
``pageChanged``; ``next`` / ``back`` step through the pages; ``apply_try(i)`` applies a page's "try this" change the
same way. A lesson file that is broken says why in the model's ``errorOccurred`` and changes nothing.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from lab.errors import LabError
from lab.lessons import Lesson, Page, load_lesson


class LessonState(QObject):
    """The open lesson (or none) and its page; views subscribe to ``lessonChanged`` and ``pageChanged``."""

    lessonChanged = Signal()      # a lesson was opened or closed
    pageChanged = Signal(int)     # the page shown (1-based; 0: no lesson)

    def __init__(self, model, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.lesson: Lesson | None = None
        self.number = 0

    @property
    def page(self) -> Page | None:
        return None if self.lesson is None else self.lesson.page(self.number)

    @property
    def count(self) -> int:
        return 0 if self.lesson is None else len(self.lesson.pages)

    def open(self, lesson: Lesson, page: int = 1, experiment=None) -> None:
        """Show ``lesson`` at ``page`` (LabError for a page it does not have, before anything changes);
        ``experiment``: that page's experiment as the caller changed it (``--steps``), else the page's own."""
        lesson.page(page)
        self.lesson = lesson
        self.number = 0
        self.lessonChanged.emit()
        self.go(page, experiment)

    def open_name(self, name_or_path) -> bool:
        """Open a shipped lesson by name, or a lesson file, at its first page; False (and ``errorOccurred``) if it
        cannot be read."""
        try:
            lesson = load_lesson(name_or_path)
        except LabError as exc:
            self.model.errorOccurred.emit(str(exc))
            return False
        self.open(lesson)
        return True

    def close(self) -> None:
        """No lesson: the caption goes away; the race stays as the last page left it."""
        if self.lesson is not None:
            self.lesson, self.number = None, 0
            self.lessonChanged.emit()
            self.pageChanged.emit(0)

    def go(self, n: int, experiment=None) -> bool:
        """Go to page ``n`` (1-based) and apply its experiment; False if there is no such page."""
        if self.lesson is None or not 1 <= n <= self.count:
            return False
        self.number = n
        self.model.set_experiment(experiment or self.lesson.experiment(n))
        self.model.path = None  # File → Save must not write a lesson page over the last experiment file
        page = self.page
        self.model.messageShown.emit(f"{self.lesson.title} — page {n} of {self.count}: {page.title}")
        self.pageChanged.emit(n)
        return True

    def next(self) -> bool:
        return self.go(self.number + 1)

    def back(self) -> bool:
        return self.go(self.number - 1)

    def apply_try(self, i: int) -> bool:
        """Apply "try this" item ``i`` of the current page to the race (its change on the page's set-up)."""
        page = self.page
        if page is None or not 0 <= i < len(page.tries) or page.tries[i].change is None:
            return False
        self.model.set_experiment(page.try_experiment(i))
        self.model.path = None
        self.model.messageShown.emit(f"Try: {page.tries[i].text}")
        return True


__all__ = ["LessonState"]
