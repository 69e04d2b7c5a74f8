"""The window under abuse (issue 7): controls pressed in random order and fast, windows closed mid-race, racers
that raise, absurd experiments. Shared checks for every window fault test live here (``test_fault_*.py`` import
them): the window's copy equals the engine's, nothing is drawn from a non-finite value, Qt said nothing, no
thread is left behind.

pytest-qt fails a test on any exception raised in a slot or a Qt virtual method (its ``sys.excepthook``
capture); ``conftest.no_thread_warnings`` fails it on Qt's thread complaints; ``qt_complaints`` here is
stricter: any Qt warning at all.
"""
import gc
import json
import os
import random
import threading

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt, QtMsgType

from widgets.model import MAX_STEPS_LIMIT
from widgets.work import live_threads

QT_NOISE = ("propagateSizeHints",)  # the offscreen platform's harmless note


def qt_complaints(qtlog) -> list[str]:
    """Every Qt warning, critical or fatal message logged during the test (the offscreen platform's noise aside)."""
    return [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg and r.type != QtMsgType.QtInfoMsg
            and not any(n in r.message for n in QT_NOISE)]


def os_threads() -> list[str]:
    """The names of this process's threads (the kernel's view: Qt's threads as well as Python's)."""
    names = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as fh:
                names.append(fh.read().strip())
        except OSError:  # it ended while we looked
            pass
    return sorted(names)


def open_window(qtbot):
    from widgets.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.model.set_speed(0)
    return w


def close_window(w) -> None:
    """Close as the user does; the worker thread must be over when ``close`` returns."""
    w.close()
    assert w.model.runner.thread.isFinished() and w.model.runner.thread.wait(0)
    assert w.model.runner not in live_threads._LIVE


def settle(window, qtbot):
    """Stop the worker and let every queued message land; then the window's copy must equal the engine's."""
    m = window.model
    m.pause()
    assert m.runner.wait(5.0)  # the job let go of the race: no deadlock
    qtbot.waitUntil(lambda: all(t.n == tr.n for t, tr in zip(m.traces, m.race.tracks)), timeout=5000)


def assert_consistent(window):
    """The window's traces, step count, leaderboard and drawn trajectories are the engine's."""
    m = window.model
    assert len(m.traces) == len(m.race.tracks) == len([r for r in m.racers if r.enabled])
    assert m.step_count == m.race.step_count
    for t, tr in zip(m.traces, m.race.tracks):
        assert np.array_equal(t.positions.view, tr.positions, equal_nan=True)
        assert np.array_equal([t.loss], tr.losses[-1:], equal_nan=True)
        assert (t.status, t.status_step) == (tr.status, tr.status_step)
        assert t.steps == tr.n - 1
    window.refresh_now()
    if m.objective.dim == 2:
        for item, tr in zip(window.contour.trajectories, m.race.tracks):
            assert np.array_equal(np.c_[item.getData()], tr.positions[:, :2], equal_nan=True)
    board = window.leaderboard
    shown = {board.item(i, 0).text(): board.item(i, 3).text() for i in range(board.rowCount())}
    assert shown == {t.label: f"{t.steps:,}" for t in m.traces}


def _finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays)


def _rect_finite(r) -> bool:
    return _finite([r.left(), r.top(), r.width(), r.height()])


def assert_drawn_finite(window):
    """Nothing on any plot is drawn from a non-finite value: every visible item's drawn geometry is finite.

    Curves may hold NaN or ±inf (a diverged racer's loss): pyqtgraph leaves those points out (``connect``
    'finite'), so what is checked is the path it paints. Points, arrows, labels, images, ranges: all finite."""
    window.refresh_now()
    for name, view in window.plots.items():
        plot = view.getPlotItem()
        for axis in plot.getViewBox().viewRange():
            assert _finite(axis), (name, "view range", axis)
        for item in plot.getViewBox().addedItems + [c for item in plot.items for c in item.childItems()]:
            if not item.isVisible():
                continue
            where = (name, type(item).__name__)
            if isinstance(item, pg.PlotCurveItem):
                x, y = item.getData()
                if x is not None and len(x):
                    assert _rect_finite(item.getPath().boundingRect()), where
                    if item.opts.get("connect") not in ("finite", "auto"):
                        assert _finite(x, y), where
            elif isinstance(item, pg.ScatterPlotItem):
                assert _finite(item.data["x"], item.data["y"]), where
            elif isinstance(item, pg.ImageItem) and item.image is not None:
                assert _finite(item.image), where
            elif isinstance(item, (pg.TextItem, pg.TargetItem)):
                assert _finite([item.pos().x(), item.pos().y()]), where
            elif isinstance(item, pg.InfiniteLine):
                assert _finite(item.value()), where
            elif isinstance(item, pg.ItemGroup) and hasattr(item, "path"):  # a racer's trajectory
                assert _finite(item.path.segments.view), where
            assert _rect_finite(item.boundingRect()), where
    for src in window.contour.trails.sources:
        assert _finite(src.path.segments.view)


def assert_no_thread_left(qtbot, threads_before: list[str], runners):
    """Every window's worker QThread is finished, and the process has no thread it did not have before (an OS
    thread may outlive ``QThread.wait`` by a few microseconds: it is given a second to go)."""
    gc.collect()
    for r in runners:
        assert r.thread.isFinished(), "a worker thread still runs"
    assert not live_threads._LIVE, live_threads._LIVE
    assert threading.active_count() == 1, threading.enumerate()
    # Qt's global pool ("Thread (pooled)": image scaling, painting) keeps idle threads for 30 s by design
    def ours():
        return [t for t in os_threads() if t != "Thread (pooled)"]

    expected = [t for t in threads_before if t != "Thread (pooled)"]
    qtbot.waitUntil(lambda: ours() == expected, timeout=1000)


# ----- thread faults ------------------------------------------------------------------------------------------

ACTIONS = int(os.environ.get("WINDOW_FAULT_ACTIONS", "100"))  # per seed; a soak: WINDOW_FAULT_SEEDS=40 too
_FIRST = int(os.environ.get("WINDOW_FAULT_FIRST_SEED", "1"))
SEEDS = list(range(_FIRST, _FIRST + int(os.environ.get("WINDOW_FAULT_SEEDS", "2"))))


@pytest.mark.parametrize("seed", SEEDS)
def test_fault_random_presses_closes_and_racer_changes_in_random_order(qtbot, qtlog, seed):
    """Run / pause / step / reset / keys / close-and-reopen, the objective and the racers changed mid-run (add,
    remove, duplicate, switch off, change optimizer or lr): ``ACTIONS`` from each seed's sequence. Every wait
    returns; no exception, no Qt warning; the window ends consistent with the engine, with finite drawings;
    every worker thread is over and none leaked."""
    rng = random.Random(seed)
    import scipy.optimize  # noqa: F401  L-BFGS imports it in the worker: its BLAS pool would take the worker's name
    threads_before = os_threads()
    runners = []
    state = {"w": None}

    def reopen():
        if state["w"] is not None:
            close_window(state["w"])
        w = open_window(qtbot)  # reads the settings the closed window wrote: the same experiment
        runners.append(w.model.runner)
        state["w"] = w

    reopen()
    w = lambda: state["w"]  # noqa: E731
    m = lambda: state["w"].model  # noqa: E731
    m().set_objective("quadratic")
    m().set_max_steps(3000)

    def run_and_wait_started():
        if m().running or not m().traces:
            return m().run()
        with qtbot.waitSignal(m().runner.started, timeout=5000):
            m().run()
        assert m().running or m().race.done

    def step_and_wait():
        mm = m()
        if mm.running or not mm.traces:
            return mm.step()
        assert mm.runner.wait(5.0)
        if mm.race.done:
            return mm.step()
        # (a finished run of an older race may still be queued: wait for this step's own)
        with qtbot.waitSignal(mm.runner.finished, timeout=5000,
                              check_params_cb=lambda r: r.run_id == mm.session.run_id) as b:
            mm.step()
        assert b.args[0].steps == 1

    def pause_and_wait():
        m().pause()
        assert m().runner.wait(5.0) and not m().running

    def key(k):
        w().activateWindow()
        qtbot.keyClick(w(), k)

    def racer_row():
        return rng.randrange(len(m().racers)) if m().racers else 0

    actions = [
        (6, lambda: m().toggle_run()), (4, run_and_wait_started), (3, pause_and_wait), (3, lambda: m().pause()),
        (3, lambda: m().step()), (2, step_and_wait), (3, lambda: m().reset()),
        (2, lambda: key(rng.choice([Qt.Key.Key_Space, Qt.Key.Key_Right, Qt.Key.Key_R]))),
        (2, lambda: m().set_speed(rng.choice([0, 50, 2000]))),
        (2, lambda: m().set_objective(rng.choice(["quadratic", "booth", "rosenbrock", "saddle", "monkey_saddle",
                                                  "himmelblau", "linear_regression", "logistic_regression"]))),
        (2, lambda: m().add_racer(rng.choice(["sgd", "adam", "newton", "lbfgs", "nesterov", None]))
         if len(m().racers) < 9 else None),
        (2, lambda: m().remove_racer(racer_row()) if len(m().racers) > 1 else None),
        (1, lambda: m().duplicate_racer(racer_row()) if len(m().racers) < 9 else None),
        (2, lambda: m().update_racer(racer_row(), enabled=rng.random() < 0.7)),
        (1, lambda: m().update_racer(racer_row(), optimizer=rng.choice(["sgd", "momentum", "rmsprop", "newton"]))),
        (3, lambda: m().set_hyperparameter(racer_row(), "lr", rng.choice([1e-3, 0.05, 3.0, 1e6]))),
        (1, lambda: m().set_start([rng.uniform(-2, 2), rng.uniform(-2, 2)])),
        (1, lambda: m().set_max_steps(rng.choice([50, 500, 3000]))),
        (1, lambda: m().select(racer_row())),
        (2, lambda: w().refresh_now()),
        (1, reopen),
    ]
    weights = [a[0] for a in actions]
    for i in range(ACTIONS):
        if i == ACTIONS // 2:
            reopen()  # at least once per sequence, whatever the draw
        rng.choices(actions, weights)[0][1]()
        if rng.random() < 0.25:
            qtbot.wait(rng.choice([1, 5, 15]))  # let the worker and the redraw clock get a word in
        assert w().last_error == "", w().last_error
    settle(w(), qtbot)
    assert_consistent(w())
    assert_drawn_finite(w())
    close_window(w())
    assert len(runners) >= 2  # the sequence closed and reopened the window along the way
    assert_no_thread_left(qtbot, threads_before, runners)
    assert qt_complaints(qtlog) == []


def test_a_racer_that_raises_is_marked_error_and_the_others_go_on(small, qtbot, monkeypatch):
    import lab.engine.race

    m = small.model
    monkeypatch.setattr(lab.engine.race.FloatSteps, "available", staticmethod(lambda *args: False))  # every racer steps through update()
    m.reset()

    def boom(grad, state, x, oracle=None):
        raise FloatingPointError("the update blew up")

    track = m.race.tracks[2]
    track.optimizer = track.optimizer._replace(update=boom)  # before the worker owns the race
    with qtbot.waitSignal(m.runner.finished, timeout=20000):
        m.run()
    small.refresh_now()
    t = m.traces[2]
    assert t.status == "error" and t.status_step == 1 and "the update blew up" in t.reason
    row = [small.leaderboard.item(i, 0).text() for i in range(small.leaderboard.rowCount())].index(t.label)
    assert small.leaderboard.item(row, 2).text() == "error"
    assert "the update blew up" in small.leaderboard.item(row, 2).toolTip()
    others = [o for o in m.traces if o is not t]
    assert all(o.status != "error" for o in others) and max(o.steps for o in others) > 100  # the others raced on
    assert small.last_error == ""  # a racer's error is the race's news, not a message box


def test_an_experiment_asking_for_a_billion_steps_is_capped(window, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"objective": "booth", "start": [0, 0], "steps": 10**9,
                                "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.01}}]}))
    assert window.load_experiment(path)
    assert window.model.max_steps == MAX_STEPS_LIMIT and window.model.race.max_steps == MAX_STEPS_LIMIT
    assert "1,000,000,000 steps" in window.last_error


def test_closing_in_the_middle_of_a_single_step_and_a_reset(qtbot):
    from widgets.main_window import MainWindow

    for action in ("step", "reset", "objective"):
        w = MainWindow()
        qtbot.addWidget(w)
        w.model.set_speed(0)
        w.model.set_max_steps(1_000_000)
        w.model.run()
        if action == "step":
            w.model.step()
        elif action == "reset":
            w.model.reset()
            w.model.run()
        else:
            w.model.set_objective("booth")
        w.close()
        assert w.model.runner.thread.isFinished()


def test_fault_actions_queued_after_close_are_harmless(qtbot, qtlog):
    """A key, a timer or a queued signal that reaches the model after the window closed: nothing runs, nothing
    raises (before the fix: RuntimeError 'the race runner is shut down' and a traceback on stderr)."""
    w = open_window(qtbot)
    m = w.model
    m.set_max_steps(1_000_000)
    m.run()
    close_window(w)
    for action in (m.run, m.step, m.toggle_run, m.reset, m.pause, lambda: m.set_objective("booth"),
                   lambda: m.add_racer("adam"), lambda: m.set_hyperparameter(0, "lr", 0.5), w.refresh_now):
        action()
    assert not m.running and m.runner.thread.isFinished()
    assert qt_complaints(qtlog) == []
