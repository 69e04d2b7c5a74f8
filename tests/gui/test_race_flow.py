"""Running races in the worker: plots hold the engine's data; pause, step, reset, keys; changes while running."""
import threading
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton

from lab.race import Race
from lab.views.scales import FLOOR, loss_gap, positive_floor
from widgets.work import race_job


def run_to_end(window, qtbot, timeout=20000):
    worker = window.model.runner  # the worker's signals, relayed into the GUI thread
    with qtbot.waitSignal(worker.finished, timeout=timeout) as blocker:
        window.model.run()
    window.refresh_now()
    return blocker.args[0]


def test_run_and_plots_hold_the_engines_data(small, qtbot):
    w = small
    result = run_to_end(w, qtbot)
    m = w.model
    race = m.race
    assert result.race_done and result.step_count == race.step_count == m.step_count
    assert not m.running and w.controls.run_button.text() == "Run"
    f_star = m.objective.min_value
    assert len(w.contour.trajectories) == len(race.tracks) == len(w.loss_plot.curves) == 7
    for i, track in enumerate(race.tracks):
        x, y = w.contour.trajectories[i].getData()
        assert np.array_equal(x, track.positions[:, 0]) and np.array_equal(y, track.positions[:, 1])
        loss = w.loss_plot.curves[i]
        assert np.array_equal(loss.xData, np.arange(track.n))
        # log axes: the curves hold log10 of what they show (the axis labels it 10^k)
        assert np.array_equal(loss.yData, np.log10(loss_gap(track.losses, f_star)), equal_nan=True)
        grad = w.grad_plot.curves[i]
        assert np.array_equal(grad.yData, np.log10(positive_floor(track.grad_norms, FLOOR)), equal_nan=True)
        kappa = w.curvature.kappa_plot.curves[i]
        assert len(kappa.yData) == track.n
        assert np.allclose(kappa.yData, 1.0)  # log10 of the bowl's condition number 10, at every step
        t = m.traces[i]
        assert (t.status, t.status_step) == (track.status, track.status_step)
    # the point markers sit on the last positions
    spots = w.contour.current.pos
    assert len(spots) == 7
    for track in race.tracks:
        assert np.any(np.all(spots == track.positions[-1], axis=1))
    # the leaderboard ranks by loss, statuses as the engine says
    board = w.leaderboard
    ranked = sorted(race.tracks, key=lambda tr: tr.losses[-1])
    assert board.item(0, 0).text() == ranked[0].spec.label
    assert board.item(0, 2).text() == "converged"
    assert board.item(0, 3).text() == str(ranked[0].status_step)
    assert board.item(0, 2).toolTip().startswith(f"converged at step {ranked[0].status_step}")


def test_the_worker_steps_in_its_own_thread_and_throttles(small, qtbot, monkeypatch):
    threads = set()
    real_step = Race.step
    now = [0.0]  # the worker's clock: each step takes 1 ms, whatever this machine's load (counts, not timings)

    def spy(self, n=1):
        threads.add(threading.current_thread().name)
        now[0] += 1e-3 * n
        return real_step(self, n)

    monkeypatch.setattr(Race, "step", spy)
    monkeypatch.setattr(race_job, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    messages = []
    w = small
    w.model.set_max_steps(20000)
    w.model.use_lecture_set()
    w.model.racers  # noqa: B018
    w.model.update_racer(6, enabled=False)  # newton converges at once; keep six running
    w.model.experiment.tol = 0.0
    w.model.reset()
    w.model.runner.progress.connect(lambda p: messages.append(p))
    result = run_to_end(w, qtbot)
    assert threading.main_thread().name not in threads and threads  # the GUI thread never stepped
    assert result.steps == 20000
    # at most ~60 messages a second of the worker's clock (20 s for 20 000 steps), each with every row since the last
    assert result.elapsed == pytest.approx(20.0)
    assert 60 * result.elapsed / 2 <= len(messages) <= 60 * result.elapsed + 3
    rows = sum(len(u.losses) for p in messages for u in p.racers[:1])
    assert rows == 20000


def test_lifecycle_signals_in_order(small, qtbot):
    worker = small.model.runner
    with qtbot.waitSignals([worker.started, worker.finished], order="strict", timeout=20000):
        small.model.run()


def test_pause_step_reset(small, qtbot):
    w, m = small, small.model
    worker = m.runner
    m.experiment.tol = 0.0  # nobody converges: every racer is still running when we pause
    m.set_max_steps(100000)
    m.set_speed(2000)
    with qtbot.waitSignal(worker.started):
        w.findChild(QAbstractButton, "runButton").click()
    assert m.running and w.controls.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: m.step_count > 20, timeout=5000)
    with qtbot.waitSignal(worker.aborted) as paused:
        w.findChild(QAbstractButton, "runButton").click()
    assert not m.running
    at = paused.args[0].step_count
    qtbot.waitUntil(lambda: m.step_count == at)  # the paused run's last rows landed
    assert all(t.n == at + 1 for t in m.traces)
    with qtbot.waitSignal(worker.finished) as stepped:
        w.findChild(QAbstractButton, "stepButton").click()
    assert stepped.args[0].steps == 1 and m.step_count == at + 1
    w.refresh_now()
    assert len(w.loss_plot.curves[0].yData) == at + 2
    w.findChild(QAbstractButton, "resetButton").click()
    assert m.step_count == 0 and all(t.n == 1 for t in m.traces)
    w.refresh_now()
    assert len(w.loss_plot.curves[0].yData) == 1
    assert w.contour.trajectories[0].getData()[0].tolist() == [m.start[0]]


def test_keys_space_right_r(small, qtbot):
    w, m = small, small.model
    worker = m.runner
    m.set_max_steps(100000)
    m.set_speed(1000)
    w.activateWindow()
    with qtbot.waitSignal(worker.started):
        qtbot.keyClick(w, Qt.Key.Key_Space)
    assert m.running
    with qtbot.waitSignal(worker.aborted):
        qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not m.running
    qtbot.waitUntil(lambda: m.step_count == m.race.step_count)
    at = m.step_count
    with qtbot.waitSignal(worker.finished):
        qtbot.keyClick(w, Qt.Key.Key_Right)
    assert m.step_count == at + 1
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert m.step_count == 0


def test_an_aborted_run_never_emits_finished(small, qtbot):
    m = small.model
    worker = m.runner
    m.set_max_steps(100000)
    m.set_speed(500)
    with qtbot.waitSignal(worker.started):
        m.run()
    with qtbot.assertNotEmitted(worker.finished, wait=300):
        with qtbot.waitSignal(worker.aborted, timeout=5000):
            m.pause()


def test_changing_the_setup_while_running_rebuilds_and_goes_on(small, qtbot):
    m = small.model
    worker = m.runner
    m.set_max_steps(100000)
    m.set_speed(1000)
    with qtbot.waitSignal(worker.started):
        m.run()
    qtbot.waitUntil(lambda: m.step_count > 5, timeout=5000)
    old_race = m.race
    with qtbot.waitSignal(worker.started):
        m.set_objective("booth")
    assert m.running and m.race is not old_race and m.race.objective.name == "booth"
    with qtbot.waitSignal(worker.started):
        m.set_hyperparameter(0, "lr", 0.01)
    assert m.race.tracks[0].optimizer.hyperparameters["lr"] == 0.01
    with qtbot.waitSignal(worker.started):
        m.remove_racer(6)
    assert len(m.race.tracks) == 6
    m.set_max_steps(300)
    with qtbot.waitSignal(worker.finished, timeout=20000):
        pass
    qtbot.waitUntil(lambda: not m.running)
    for t, tr in zip(m.traces, m.race.tracks):  # no row of an old race slipped in
        assert np.array_equal(t.positions.view, tr.positions, equal_nan=True)


def test_diverging_racer_is_flagged_and_never_drawn_as_nan(small, qtbot):
    m = small.model
    m.set_hyperparameter(0, "lr", 5.0)  # 5 > 2/λmax = 0.2 on the bowl
    run_to_end(small, qtbot)
    t = m.traces[0]
    assert t.status == "diverged" and small.leaderboard.findItems("diverged", Qt.MatchFlag.MatchExactly)
    flag = small.curvature.table.item(0, 5)
    assert flag.text().startswith("⚠")
    curve = small.loss_plot.curves[0]
    shown = curve.getData()[1]  # what is drawn (after log mapping and peak columns)
    assert len(shown) and np.all(np.isfinite(shown) | np.isnan(shown))
    x, y = small.contour.trajectories[0].path.xy  # the segments the trail layer paints
    assert len(x) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))


def test_the_selected_racer_gets_its_arrows(small, qtbot):
    m, c = small.model, small.contour
    m.set_max_steps(5)
    run_to_end(small, qtbot)
    m.select(2)  # nesterov: gradient, velocity, lookahead, eigenvectors
    small.refresh_now()
    assert c.guides.grad_arrow.isVisible() and c.guides.velocity_arrow.isVisible() and c.guides.lookahead.isVisible()
    assert c.guides.eigen.isVisible()
    look = tuple(c.guides.lookahead.pos[0])
    assert np.allclose(look, m.race.tracks[2].positions[-1])  # torch-style nesterov reports the lookahead
    # the selected racer's marker is painted on top, filled with its colour, where its last point is
    image = c.grab().toImage()
    at = c.mapFromScene(c.vb.mapViewToScene(QPointF(*c.current.pos[-1])))
    ratio = image.devicePixelRatio()
    assert QColor(image.pixel(int(at.x() * ratio), int(at.y() * ratio))).name().lower() == m.traces[2].color.lower()
    m.select(0)  # sgd: no velocity
    small.refresh_now()
    assert c.guides.grad_arrow.isVisible() and not c.guides.velocity_arrow.isVisible() and not c.guides.lookahead.isVisible()


def test_close_while_running_stops_the_thread(qtbot):
    from widgets.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    m = w.model
    m.set_speed(0)
    m.set_max_steps(1_000_000)
    with qtbot.waitSignal(m.runner.started):
        m.run()
    qtbot.waitUntil(lambda: m.step_count > 100, timeout=5000)
    w.close()
    assert m.runner.thread.isFinished() and not m.running


def test_each_method_is_judged_against_its_own_lr_limit(small, qtbot):
    """On the bowl (λmax = 10): SGD's limit is 2/10, momentum's 2(1 + 0.9)/10 = 0.38; Adam has none."""
    m = small.model
    m.set_hyperparameter(0, "lr", 0.25)  # sgd past 0.2
    m.set_hyperparameter(1, "lr", 0.3)  # momentum past 0.2 but inside 0.38: no flag, and it converges
    run_to_end(small, qtbot)
    table = small.curvature.table
    assert table.item(0, 5).text().startswith("⚠") and m.traces[0].status == "diverged"
    assert table.item(1, 5).text() == "0.3 < 0.38" and m.traces[1].status != "diverged"
    assert table.item(5, 5).text() == "n/a"  # adam
