"""Typing that behaves (issue 16 §6): a valid formula applies after a pause, Space in a text field is a space,
Esc or a click on a plot gives the keys back to the race, a refusal never stays for a valid field, and a new
objective re-suggests the learning rates that were not typed by hand."""
import numpy as np
from PySide6.QtCore import QPoint, Qt

from lab.presets import suggest


def focus(window, qtbot, widget):
    window.activateWindow()
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=5000)


def test_space_in_a_text_field_is_a_space_and_does_not_run_the_race(window, qtbot):
    m = window.model
    m.set_objective("custom")
    editor = window.objective_panel.fields["expr"].editor
    focus(window, qtbot, editor)
    editor.setText("x**2")
    editor.setCursorPosition(len("x**2"))
    with qtbot.assertNotEmitted(m.runningChanged):
        qtbot.keyClick(editor, Qt.Key.Key_Space)
        qtbot.keyClicks(editor, "+ y**2")
    assert editor.text() == "x**2 + y**2" and not m.running and m.step_count == 0
    # R (reset) and → (one step) type too
    with qtbot.assertNotEmitted(m.raceAdvanced):
        qtbot.keyClick(editor, Qt.Key.Key_Right)
        qtbot.keyClick(editor, Qt.Key.Key_R)
    assert editor.text() == "x**2 + y**2r"


def test_escape_gives_the_keys_back_to_the_race(window, qtbot):
    m = window.model
    m.set_max_steps(10**6)
    editor = window.objective_panel.start_field.editor
    focus(window, qtbot, editor)
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.hasFocus()
    with qtbot.waitSignal(m.runningChanged, timeout=5000) as running:
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert running.args == [True]
    with qtbot.waitSignal(m.runningChanged, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not m.running


def test_a_click_on_a_plot_gives_the_keys_back(window, qtbot):
    m = window.model
    m.set_max_steps(10**6)
    editor = window.objective_panel.start_field.editor
    focus(window, qtbot, editor)
    plot = window.loss_plot
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    qtbot.waitUntil(lambda: not editor.hasFocus(), timeout=5000)
    with qtbot.waitSignal(m.runningChanged, timeout=5000) as running:
        qtbot.keyClick(plot, Qt.Key.Key_Space)
    assert running.args == [True]
    m.pause()


def test_a_valid_formula_applies_after_a_pause_and_a_refusal_does_not_stay(window, qtbot):
    m = window.model
    m.set_objective("custom")
    editor = window.objective_panel.fields["expr"].editor
    focus(window, qtbot, editor)
    editor.clear()
    qtbot.keyClicks(editor, "(x - 1)**2 + y**")  # refused as it stands: the status bar says so
    assert window.statusBar().currentMessage().startswith("Formula refused")
    qtbot.keyClicks(editor, "2")  # valid now: the refusal is gone at once, and no Enter is needed
    assert "refused" not in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: m.experiment.params.get("expr") == "(x - 1)**2 + y**2", timeout=20000)
    assert m.objective.value(np.array([1.0, 0.0])) == 0.0


def test_a_refused_value_is_replaced_in_the_status_bar_once_a_valid_one_is_accepted(window):
    m = window.model
    row = 0
    assert not m.set_hyperparameter(row, "lr", -1.0)
    assert "lr" in window.statusBar().currentMessage()
    assert m.set_hyperparameter(row, "lr", 0.0123)
    assert window.statusBar().currentMessage() == f"{m.racers[row].name}: lr = 0.0123"


def test_a_new_objective_re_suggests_the_lr_unless_it_was_set_by_hand(window):
    m = window.model
    m.set_objective("quadratic")
    m.use_lecture_set()
    assert not any(m.lr_set_by_hand(i) for i in range(len(m.racers)))
    sgd = next(i for i, r in enumerate(m.racers) if r.optimizer == "sgd")
    adam = next(i for i, r in enumerate(m.racers) if r.optimizer == "adam")
    assert m.set_hyperparameter(sgd, "lr", 0.0123)
    assert m.lr_set_by_hand(sgd) and not m.lr_set_by_hand(adam)
    m.set_objective("rosenbrock")
    want = suggest("adam", m.objective, m.start)["lr"]
    assert m.racers[adam].hyperparameters["lr"] == want
    assert m.racers[sgd].hyperparameters["lr"] == 0.0123  # typed: kept
    # a parameter of the objective too: κ = 100 halves the bowl's stable lr, for those not typed
    m.set_objective("quadratic")
    momentum = next(i for i, r in enumerate(m.racers) if r.optimizer == "momentum")
    before = m.racers[momentum].hyperparameters["lr"]
    m.set_objective_param("kappa", 100.0)
    assert m.racers[momentum].hyperparameters["lr"] == suggest("momentum", m.objective, m.start)["lr"] != before
    assert m.racers[sgd].hyperparameters["lr"] == 0.0123
    # the flags follow the racers: duplicate keeps it, a new optimizer (re-tuned) clears it, lecture set clears all
    copy = m.duplicate_racer(sgd)
    assert m.lr_set_by_hand(copy) and not m.lr_set_by_hand(copy + 1)
    m.remove_racer(copy)
    assert m.lr_set_by_hand(sgd)
    m.update_racer(sgd, optimizer="rmsprop")
    assert not m.lr_set_by_hand(sgd)
    m.use_lecture_set()
    assert not any(m.lr_set_by_hand(i) for i in range(len(m.racers)))
