"""``install_lessons(window)``: the Lessons menu, File → Open lesson…, PgDn / PgUp, and the caption panel at the top of
the set-up column, beside the plots (it stays in presenter mode, which hides the set-up panels below it)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter

from lab.lessons import catalog
from widgets.lessons.caption import LessonCaption
from widgets.model.lesson_state import LessonState
from widgets.style import FONT_PT, font

CAPTION_SHARE = 0.72  # of the set-up column's height, when a lesson opens


def install_lessons(window) -> None:
    """Give ``window`` a ``lesson`` (LessonState), a ``lesson_caption`` and the menus that drive them."""
    state = LessonState(window.model, window)
    window.lesson = state
    caption = LessonCaption(state)
    window.lesson_caption = caption
    split = window.main_split
    sizes = split.sizes()
    column = QSplitter(Qt.Orientation.Vertical)
    column.setObjectName("lessonColumn")
    column.setChildrenCollapsible(False)
    setup = split.widget(0)
    split.replaceWidget(0, column)
    column.addWidget(caption)
    column.addWidget(setup)
    split.setSizes(sizes)

    bar = window.menuBar()
    menu = bar.addMenu("&Lessons")
    menu.setObjectName("lessonsMenu")
    menu.setFont(font(FONT_PT))
    help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
    if help_menu is not None:  # Lessons before Help
        bar.insertMenu(help_menu, menu)
    for i, item in enumerate(catalog(), start=1):
        a = QAction(f"{'&' if i < 10 else ''}{i}  {item['title']}", window)
        a.setObjectName(f"lesson_{item['name']}")
        a.setStatusTip(f"{item['pages']} pages")
        a.triggered.connect(lambda _=False, name=item["name"]: state.open_name(name))
        menu.addAction(a)
    menu.addSeparator()
    nav = []
    for text, key, slot, name in (("Next page", Qt.Key.Key_PageDown, state.next, "nextPageAction"),
                                  ("Previous page", Qt.Key.Key_PageUp, state.back, "previousPageAction"),
                                  ("Close lesson", None, state.close, "closeLessonAction")):
        a = QAction(text, window)
        a.setObjectName(name)
        if key is not None:
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(slot)
        menu.addAction(a)
        nav.append(a)

    open_lesson = QAction("Open &lesson…", window)
    open_lesson.setObjectName("openLessonAction")
    open_lesson.triggered.connect(lambda: _open_file(window))
    file_menu = bar.actions()[0].menu()
    after = next((a for a in file_menu.actions() if a.objectName() == "openAction"), None)
    actions = file_menu.actions()
    before = actions[actions.index(after) + 1] if after is not None and after is not actions[-1] else None
    file_menu.insertAction(before, open_lesson) if before is not None else file_menu.addAction(open_lesson)

    def on_lesson() -> None:
        on = state.lesson is not None
        for a in nav:
            a.setEnabled(on)
        window.setWindowTitle(f"Optimizer Lab — lesson: {state.lesson.title}" if on else "Optimizer Lab")
        if on:
            total = max(sum(column.sizes()), 400)
            column.setSizes([int(total * CAPTION_SHARE), total - int(total * CAPTION_SHARE)])

    state.lessonChanged.connect(on_lesson)
    window.model.experimentLoaded.connect(lambda _path: state.close())  # an experiment file ends the lesson
    on_lesson()


def _open_file(window) -> None:
    """File → Open lesson…: a lesson file chosen in a dialog (a broken one: the one-line message box)."""
    path = window._ask_path("Open lesson", "Lesson (*.json);;All files (*)", save=False)
    if path:
        window.lesson.open_name(Path(path))


__all__ = ["install_lessons"]
