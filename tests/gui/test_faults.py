"""The window under abuse: controls pressed in random order and fast, racers that raise, absurd experiments."""
import json
import random

import numpy as np
import pytest

from widgets.model import MAX_STEPS_LIMIT


def settle(window, qtbot):
    """Stop the worker and let every queued message land; then the window's copy must equal the engine's."""
    m = window.model
    m.pause()
    assert m.runner.wait(5.0)
    qtbot.waitUntil(lambda: all(t.n == tr.n for t, tr in zip(m.traces, m.race.tracks)), timeout=5000)


def assert_consistent(window):
    m = window.model
    assert len(m.traces) == len(m.race.tracks) == len([r for r in m.racers if r.enabled])
    for t, tr in zip(m.traces, m.race.tracks):
        assert np.array_equal(t.positions.view, tr.positions, equal_nan=True)
        assert np.array_equal([t.loss], tr.losses[-1:], equal_nan=True)  # curves: test_long_race.py
        assert (t.status, t.status_step) == (tr.status, tr.status_step)
    window.refresh_now()
    for item, tr in zip(window.contour.trajectories, m.race.tracks):
        assert np.array_equal(np.c_[item.getData()], tr.positions[:, :2], equal_nan=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_presses_in_random_order(window, qtbot, seed):
    rng = random.Random(seed)
    m = window.model
    m.set_objective("quadratic")
    m.set_max_steps(3000)
    actions = [
        m.toggle_run, m.run, m.pause, m.step, m.step, m.reset,
        lambda: m.set_speed(rng.choice([0, 50, 2000])),
        lambda: m.set_objective(rng.choice(["quadratic", "booth", "rosenbrock", "saddle"])),
        lambda: m.add_racer(rng.choice(["sgd", "adam", "newton", "lbfgs"])) if len(m.racers) < 9 else None,
        lambda: m.remove_racer(rng.randrange(len(m.racers))) if len(m.racers) > 1 else None,
        lambda: m.update_racer(rng.randrange(len(m.racers)), enabled=rng.random() < 0.8),
        lambda: m.set_hyperparameter(rng.randrange(len(m.racers)), "lr", rng.choice([1e-3, 0.05, 3.0])),
        lambda: m.set_start([rng.uniform(-2, 2), rng.uniform(-2, 2)]),
        lambda: m.set_max_steps(rng.choice([50, 500, 3000])),
        lambda: m.select(rng.randrange(len(m.racers))),
        window.refresh_now,
    ]
    for _ in range(120):
        rng.choice(actions)()
        if rng.random() < 0.3:
            qtbot.wait(rng.choice([1, 5, 20]))  # let the worker and the redraw clock get a word in
        assert window.last_error == "", window.last_error
    settle(window, qtbot)
    assert_consistent(window)


def test_a_racer_that_raises_is_marked_error_and_the_others_go_on(small, qtbot, monkeypatch):
    import lab.race

    m = small.model
    monkeypatch.setattr(lab.race.twins, "twin_for", lambda *args: None)  # every racer steps through update()
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
