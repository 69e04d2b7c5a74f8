"""The window's lessons: the Lessons menu opens one, Next / Back / PgDn / PgUp move through its pages and apply them to
the model, the caption shows the page's text, File → Open lesson… reads a teacher's file (a broken one: one line)."""
from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QPushButton

from lab.lessons import lesson_names, load_lesson


def hyper(model, row: int) -> dict:
    return dict(model.racers[row].hyperparameters)


def test_the_lessons_menu_lists_every_lesson_and_opens_one(window, qtbot):
    menu = window.findChild(QAction, "lesson_learning_rate")
    lessons_menu = window.findChild(QMenu, "lessonsMenu")
    names = [a.objectName() for a in lessons_menu.actions() if a.objectName().startswith("lesson_")]
    assert names == [f"lesson_{n}" for n in lesson_names()]
    assert lessons_menu.actions()[0].text() == "&1  The gradient check"
    file_menu = window.menuBar().actions()[0].menu()
    assert [a.objectName() for a in file_menu.actions()][:2] == ["openAction", "openLessonAction"]
    caption = window.lesson_caption
    assert caption.isHidden()
    with qtbot.waitSignal(window.model.raceReset):
        menu.trigger()
    assert not caption.isHidden()
    model = window.model
    assert model.experiment.objective == "quadratic" and model.experiment.params["kappa"] == 10
    assert [r.label for r in model.racers] == ["GD lr=0.01", "GD lr=0.1", "GD lr=0.21"]
    assert model.step_count == 0 and window.lesson.number == 1
    body = caption.findChild(QLabel, "lessonText").text()
    page = load_lesson("learning_rate").page(1)
    assert "Too small, about right, too large" in body and "2/λmax = 0.2" in body and "Watch:" in body
    assert "Question:" in body and "Which lr would be fastest" in body
    assert caption.findChild(QLabel, "lessonTitle").text() == "Gradient descent: the learning rate"
    assert caption.findChild(QLabel, "lessonPage").text() == "1 / 3"
    assert html.escape(page.watch) in body
    assert "lesson: Gradient descent" in window.windowTitle()


def test_next_back_and_page_keys_apply_each_page(window, qtbot):
    model = window.model
    window.lesson.open_name("learning_rate")
    model.step()
    qtbot.waitUntil(lambda: model.step_count == 1)
    nxt = window.lesson_caption.findChild(QPushButton, "lessonNextButton")
    back = window.lesson_caption.findChild(QPushButton, "lessonBackButton")
    assert not back.isEnabled() and nxt.isEnabled()
    with qtbot.waitSignal(model.raceReset):
        qtbot.mouseClick(nxt, Qt.MouseButton.LeftButton)
    assert window.lesson.number == 2 and model.step_count == 0  # the race starts over from the page's set-up
    assert hyper(model, 2) == {"lr": 0.19} and model.racers[2].label == "GD lr=0.19"
    assert "Just below 2/λmax" in window.lesson_caption.body.text()
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert window.lesson.number == 3 and model.experiment.params["kappa"] == 40
    assert hyper(model, 2) == {"lr": 0.19}  # the change of page 2 carries on
    assert not nxt.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # past the last page: nothing
    assert window.lesson.number == 3
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.lesson.number == 2 and model.experiment.params["kappa"] == 10
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert window.lesson.number == 1 and hyper(model, 2) == {"lr": 0.21}
    assert window.lesson_caption.findChild(QLabel, "lessonPage").text() == "1 / 3"


def test_page_keys_work_with_a_table_focused(window, qtbot):
    from PySide6.QtWidgets import QAbstractItemView

    window.lesson.open_name("learning_rate")
    table = window.findChild(QAbstractItemView, "racerTable")
    qtbot.keyClick(table, Qt.Key.Key_PageDown)  # the tables scroll with PgDn too: the lesson's key wins
    assert window.lesson.number == 2
    qtbot.keyClick(window.leaderboard, Qt.Key.Key_PageUp)
    assert window.lesson.number == 1


def test_a_page_adds_and_removes_racers_and_changes_the_objective(window, qtbot):
    model = window.model
    window.lesson.open_name("adam")
    assert [r.label for r in model.racers] == ["Adam", "Adam, no bias correction"]
    assert model.racers[1].hyperparameters["bias_correction"] is False
    window.lesson.next()
    assert model.experiment.objective == "rosenbrock" and model.experiment.steps == 3000
    assert [r.label for r in model.racers] == ["Adam lr=0.05", "Momentum lr=0.001", "RMSProp lr=0.005"]
    assert model.objective.name == "rosenbrock" and len(model.traces) == 3


def test_a_try_this_link_applies_its_change(window, qtbot):
    model = window.model
    window.lesson.open_name("learning_rate")
    assert "href='try:0'" in window.lesson_caption.body.text()
    with qtbot.waitSignal(model.raceReset):
        window.lesson_caption.body.linkActivated.emit("try:0")
    assert hyper(model, 2) == {"lr": 0.19} and window.lesson.number == 1


def test_a_race_runs_to_its_end_on_a_lesson_page(window, qtbot):
    model = window.model
    window.lesson.open_name("newton")
    with qtbot.waitSignal(model.runEnded, timeout=20_000):
        model.run()
    newton = next(t for t in model.traces if t.label == "Newton")
    assert newton.status == "converged" and newton.status_step == 1


def test_open_lesson_reads_a_teachers_file(window, qtbot, tmp_path, monkeypatch):
    data = {"title": "My lesson", "pages": [
        {"title": "One", "watch": "the bowl", "experiment": {
            "objective": "quadratic", "start": [1, 1], "steps": 20,
            "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}, "label": "GD"}]}},
        {"title": "Two", "watch": "a faster lr", "change": {"update": [{"racer": 1, "hyperparameters": {"lr": 0.5}}]}}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data))
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    window.findChild(QAction, "openLessonAction").trigger()
    assert window.lesson.lesson.title == "My lesson" and window.model.experiment.start == [1.0, 1.0]
    window.lesson.next()
    assert hyper(window.model, 0) == {"lr": 0.5}
    window.findChild(QAction, "closeLessonAction").trigger()
    assert window.lesson_caption.isHidden() and window.lesson.lesson is None
    assert hyper(window.model, 0) == {"lr": 0.5}  # the race stays as the last page left it


def test_a_broken_lesson_file_is_one_line_in_a_message_box(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"title": "x", "pages": [
        {"title": "One", "watch": "w", "experiment": {"objective": "quadratic", "start": [1, 1], "racers": []}},
        {"title": "Two", "watch": "w", "change": {"update": [{"racer": 3, "hyperparameters": {"lr": 1}}]}}]}))
    before = window.model.experiment.to_dict()
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    window.findChild(QAction, "openLessonAction").trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None)
    box = window.findChild(QMessageBox, "errorBox")
    assert box.text() == (f"{path}: page 2: change: update[0]: racer must be a racer number from 1 to 0 "
                          "(the previous page's racers), got 3")
    assert "\n" not in box.text() and "Traceback" not in box.text()
    assert window.lesson.lesson is None and window.model.experiment.to_dict() == before


def test_opening_an_experiment_file_ends_the_lesson(window, qtbot, tmp_path):
    window.lesson.open_name("momentum")
    path = tmp_path / "exp.json"
    window.model.experiment.save(path)
    window.model.load(path)
    assert window.lesson.lesson is None and window.lesson_caption.isHidden()


def test_main_py_lesson_screenshot_renders_the_page(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtGui import QImage

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "lesson.png"
    done = subprocess.run([sys.executable, "main.py", "--lesson", "newton", "--page", "2", "--steps", "30",
                           "--screenshot", str(out), "--size", "1024x768"], cwd=root, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{out}: quadratic, 2 racers, 30 steps\n"
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    bad = subprocess.run([sys.executable, "main.py", "--lesson", "newton", "--experiment", "x.json"], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr == ("error: --lesson and --experiment cannot both be given: a lesson "
                                                  "brings its own experiments\n")
