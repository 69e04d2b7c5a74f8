"""The timeline winds every view back to a recorded step k: markers at x_k, arrows as details_at(k), tables as of k,
a cursor line on the step plots; keys; running again continues from the end; --at-step."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from lab.curvature import curvature
from lab.views.glyphs import arrow_xy, eigen_glyphs
from widgets.panels.tables import number
from widgets.plots.guides import ARROW_FRACTION


def run_to_end(window, qtbot, timeout=20000):
    with qtbot.waitSignal(window.model.runner.finished, timeout=timeout):
        window.model.run()
    qtbot.waitUntil(lambda: window.model.step_count == window.model.race.step_count)
    window.refresh_now()


@pytest.fixture
def raced(window, qtbot):
    """Rosenbrock, the lecture set, 60 steps, run to the end (Newton stops early, at step 7)."""
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.set_max_steps(60)
    run_to_end(window, qtbot)
    return window


def show(window, qtbot, k):
    window.timeline.show_step(k)
    qtbot.waitUntil(lambda: window.model.view_step.ready and not window.jobs.busy())
    window.clock.flush()


def test_every_view_moves_to_step_k(raced, qtbot):
    w, m = raced, raced.model
    race = m.race
    k = 23
    show(w, qtbot, k)
    cursor = m.view_step
    assert not cursor.live and cursor.step == k
    # the markers sit on the trajectories' rows k (a racer that stopped earlier: on its last row)
    spots = w.contour.current.pos
    assert len(spots) == len(race.tracks) == 7
    for tr in race.tracks:
        row = tr.positions[min(k, tr.steps)]
        assert np.any(np.all(spots == row, axis=1)), tr.spec.label
    # the arrows at the selected racer's point are those of step k (Race.details_at)
    m.select(1)  # momentum: −∇f and its velocity (computed when it is selected)
    assert not m.view_step.ready
    qtbot.waitUntil(lambda: m.view_step.ready and not w.jobs.busy())
    w.clock.flush()
    assert w.contour.guides.grad_arrow.isVisible() and w.contour.guides.velocity_arrow.isVisible()
    d = race.details_at(1, k)
    x = race.tracks[1].positions[k]
    assert np.array_equal(d["x"], x)
    g = np.asarray(d["grad"])
    width = w.contour.vb.viewRect().width()
    xs, ys = w.contour.guides.grad_arrow.getData()
    ex, ey = arrow_xy(x, -g / np.hypot(*g) * ARROW_FRACTION * width)
    np.testing.assert_allclose(xs, ex, rtol=1e-12)
    np.testing.assert_allclose(ys, ey, rtol=1e-12)
    v = np.asarray(d["velocity"])
    vx, vy = w.contour.guides.velocity_arrow.getData()
    base = np.asarray(d.get("position", x))
    np.testing.assert_allclose([vx[0], vy[0], vx[1], vy[1]], [*base, *(base + v)], rtol=1e-12)
    # the eigenvector directions of the Hessian at x_k
    story = curvature(m.objective.hessian(x[None]))
    ex, ey, _ends = eigen_glyphs(x, story.eigenvalues[0], story.eigenvectors[0], g, width)
    gx, gy = w.contour.guides.eigen.getData()
    np.testing.assert_allclose(gx, ex, rtol=1e-12)
    np.testing.assert_allclose(gy, ey, rtol=1e-12)
    # the curvature table as of step k: the Hessian at x_k
    table = w.curvature.table
    for i, tr in enumerate(race.tracks):
        story = curvature(m.objective.hessian(tr.positions[min(k, tr.steps)][None]))
        lam = np.asarray(story.eigenvalues[0])
        assert table.item(i, 1).text() == number(lam.min())
        assert table.item(i, 2).text() == number(lam.max())
    # the leaderboard as of step k: losses of row k, statuses then, steps k (Newton: stopped at 7)
    board = w.leaderboard
    by_label = {board.item(r, 0).text(): r for r in range(board.rowCount())}
    for tr in race.tracks:
        r = by_label[tr.spec.label]
        kk = min(k, tr.steps)
        assert board.item(r, 1).text() == number(tr.losses[kk] - m.objective.min_value)
        assert board.item(r, 3).text() == f"{kk:,}"
        assert board.item(r, 2).text() == ("converged" if tr.status_step is not None and tr.status_step <= k
                                           else "running")
    assert board.rate_text == f"step {k} of 60"
    ranked = sorted(race.tracks, key=lambda tr: tr.losses[min(k, tr.steps)])
    assert [board.item(r, 0).text() for r in range(7)] == [tr.spec.label for tr in ranked]
    # a vertical cursor at x = k on the loss, |∇f| and κ plots
    assert len(w.step_cursor.lines) == 3
    assert all(line.isVisible() and line.value() == k for line in w.step_cursor.lines)
    assert w.timeline.slider.value() == k and w.timeline.slider.maximum() == 60
    # a step seen lately is kept: going back to it needs no new computation
    show(w, qtbot, k + 1)
    w.timeline.show_step(k)
    assert m.view_step.ready and not w.jobs.busy((m.view_step, "points"))


def test_keys_and_the_live_end(raced, qtbot):
    w, m = raced, raced.model
    cursor = m.view_step
    assert cursor.live and cursor.step == 60
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert cursor.step == 59 and not cursor.live
    qtbot.keyClick(w, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert cursor.step == 49
    qtbot.keyClick(w, Qt.Key.Key_Right)
    assert cursor.step == 50
    qtbot.keyClick(w, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert cursor.step == 60 and cursor.live  # the last step is the live end
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert cursor.step == 0
    w.clock.flush()
    assert np.all(w.contour.current.pos == m.start)  # everybody at the start
    qtbot.keyClick(w, Qt.Key.Key_Left)
    assert cursor.step == 0  # never before the start
    qtbot.keyClick(w, Qt.Key.Key_End)
    assert cursor.live and not any(line.isVisible() for line in w.step_cursor.lines)
    # the slider moves it too
    w.timeline.slider.setValue(12)
    assert cursor.step == 12 and w.findChild(QAction, "stepBackAction") is not None


def test_right_at_the_live_end_steps_the_race_and_running_continues_from_the_end(window, qtbot):
    w, m = window, window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.set_max_steps(100000)
    w.activateWindow()
    for _ in range(3):
        with qtbot.waitSignal(m.runner.finished):
            qtbot.keyClick(w, Qt.Key.Key_Right)  # live: → takes a race step
    qtbot.waitUntil(lambda: m.step_count == 3)
    assert m.view_step.live
    qtbot.keyClick(w, Qt.Key.Key_Home)
    assert m.view_step.step == 0
    qtbot.keyClick(w, Qt.Key.Key_Right)  # wound back: → moves the view, the race stays at 3
    assert m.view_step.step == 1 and m.race.step_count == 3
    with qtbot.waitSignal(m.runner.started):
        m.run()
    assert m.view_step.live  # running again: the views follow the end
    with qtbot.waitSignal(m.runner.aborted):
        m.pause()
    qtbot.waitUntil(lambda: m.step_count == m.race.step_count)
    assert m.step_count > 3 and m.view_step.step == m.step_count
    w.refresh_now()
    for tr in m.race.tracks:
        assert np.any(np.all(w.contour.current.pos == tr.positions[-1], axis=1))
    # moving while running pauses, then shows the step
    m.set_speed(200)  # steps per second: still running when the key comes
    with qtbot.waitSignal(m.runner.started):
        m.run()
    w.timeline.back(1)
    assert not m.running and not m.view_step.live and m.view_step.step < m.race.step_count


def test_a_reset_goes_back_to_the_live_end(raced, qtbot):
    w, m = raced, raced.model
    show(w, qtbot, 5)
    m.reset()
    assert m.view_step.live and m.view_step.step == 0 and w.timeline.slider.maximum() == 0


@pytest.mark.parametrize("args, message", [
    (["--at-step", "3"], "--at-step only goes with --screenshot"),
    (["--screenshot", "OUT.png", "--steps", "20", "--at-step", "21"], "between 0 and the race's 20 steps"),
    (["--screenshot", "OUT.png", "--steps", "20", "--at-step", "-1"], "between 0 and the race's 20 steps"),
    (["--screenshot", "OUT.png", "--at-step", "two"], "argument --at-step: invalid int value"),
])
def test_bad_at_step_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    from widgets.app import main

    args = [a.replace("OUT.png", str(tmp_path / "out.png")) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert not (tmp_path / "out.png").exists()


def test_at_step_past_the_races_end_is_refused_after_the_race(qapp, tmp_path, capsys):
    """Every racer stops early (Newton on the bowl): a K past the race's last step is one line, exit 2, no file."""
    import json

    from widgets.app import main

    experiment = tmp_path / "bowl.json"
    experiment.write_text(json.dumps({"objective": "quadratic", "start": [1.0, 1.0], "steps": 50,
                                      "racers": [{"optimizer": "newton"}]}))
    out = tmp_path / "out.png"
    assert main(["--experiment", str(experiment), "--screenshot", str(out), "--at-step", "40"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --at-step 40 is past the race's end"), err
    assert not out.exists()
    # a K the race reached: the picture, shown at that step
    assert main(["--experiment", str(experiment), "--screenshot", str(out), "--at-step", "1"]) == 0
    assert out.stat().st_size > 0 and "shown at step 1" in capsys.readouterr().out


def test_the_explain_panel_shows_the_update_into_step_k(raced, qtbot):
    from lab.explain import explain_step

    w, m = raced, raced.model
    m.select(5)  # Adam
    show(w, qtbot, 3)
    panel = w.explain
    qtbot.waitUntil(lambda: panel.result is not None)
    expected = explain_step(m.race, 5, 3)
    assert panel.result["lines"] == expected["lines"] and panel.result["x_after"] == expected["x_after"]
    assert expected["x_after"] == m.race.tracks[5].positions[3].tolist()  # the trajectory's row, bit for bit
    text = panel.text.toPlainText()
    assert " ".join(text.split()) == " ".join("\n".join(expected["lines"]).split())  # every line, maybe broken
    assert "m̂" in text and "Adam, step 3" in panel.title.text()
    assert w.step_tabs.currentWidget() is panel  # the first rewind brought it forward
    # the same in a window of its own, larger, for the back of the room
    big = panel.open_window().findChild(type(panel))
    qtbot.waitUntil(lambda: big.result is not None)
    assert big.result["lines"] == expected["lines"] and big.text.font().pointSize() > panel.text.font().pointSize()
    # step 0 is the start; another racer, another step: the panel follows
    show(w, qtbot, 0)
    assert "is the start" in panel.text.toPlainText() and panel.result is None
    m.select(0)
    show(w, qtbot, 7)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result["step"] == 7)
    assert panel.result["lines"] == explain_step(m.race, 0, 7)["lines"]
    # running: nothing to explain until it stops
    with qtbot.waitSignal(m.runner.finished, timeout=20000):
        m.run()
    assert m.view_step.live


def test_the_gradient_check_panel_shows_lab_gradchecks_numbers(raced, qtbot):
    from lab.gradcheck import check_at, grad_check, hessian_check

    w, m = raced, raced.model
    m.select(2)
    show(w, qtbot, 11)
    panel = w.gradient_check
    x = m.race.tracks[2].positions[11]
    qtbot.waitUntil(lambda: panel.report is not None and panel.report["x"] == x.tolist())
    report = panel.report
    assert report["grad_error"] == grad_check(m.objective, x)
    assert report["hessian_error"] == hessian_check(m.objective, x)
    assert report == check_at(m.objective, x)
    text = panel.text.toPlainText()
    assert number(report["grad_error"], 2) in text and number(report["hessian_error"], 2) in text
    assert text.count("1e−") >= 12 and "Nesterov, step 11" in panel.title.text()
    # a point of one's own (a lesson's, a Ctrl+click's): show_at; the tab comes forward
    panel.show_at([0.5, -0.25])
    qtbot.waitUntil(lambda: panel.report["x"] == [0.5, -0.25])
    assert panel.report["grad_error"] == grad_check(m.objective, np.array([0.5, -0.25]))
    assert w.step_tabs.currentWidget() is panel and "chosen point" in panel.title.text()
    start = m.start.copy()
    vb = w.contour.vb
    target = vb.mapViewToScene(pg_point(1.0, 2.0))
    view_pos = w.contour.mapFromScene(target)
    qtbot.mouseClick(w.contour.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, view_pos)
    qtbot.waitUntil(lambda: panel.pinned is not None and np.allclose(panel.pinned, [1.0, 2.0], atol=0.05))
    assert np.array_equal(m.start, start)  # Ctrl+click checks the gradient there; it does not move the start


def pg_point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def test_the_step_button_is_the_right_key(raced, qtbot):
    w, m = raced, raced.model
    show(w, qtbot, 30)
    w.controls.step_button.click()
    assert m.view_step.step == 31 and m.race.step_count == 60


def test_the_data_plot_and_the_slice_show_the_racer_at_step_k(window, qtbot):
    """linear regression: the fitted line of the selected racer's x_k; mlp: the slice through x_k."""
    from lab.experiment import Experiment
    from lab.objectives import make_objective
    from lab.race import RacerSpec

    m = window.model
    for name in ("linear_regression", "mlp"):
        obj = make_objective(name)
        m.set_experiment(Experiment(name, obj.start.tolist(), [RacerSpec("adam", {"lr": 0.01})], steps=6))
        with qtbot.waitSignal(m.runEnded, timeout=30000):
            m.run()
        show(window, qtbot, 3)
        window.refresh_now()
        x = m.race.tracks[0].positions[3]
        assert np.array_equal(window.data_panel.plot.shown["x"], x)
        if name == "mlp":
            assert np.array_equal(window.contour.slice.last.x, x) and window.contour.slice.last.step == 3


def test_dragging_the_cursor_line_moves_the_timeline(raced, qtbot):
    w, m = raced, raced.model
    show(w, qtbot, 10)
    line = w.step_cursor.lines[0]
    line.setValue(33.4)
    line.sigDragged.emit(line)
    assert m.view_step.step == 33 and all(other.value() == 33 for other in w.step_cursor.lines[1:])
