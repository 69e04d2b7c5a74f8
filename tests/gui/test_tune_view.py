"""Racers → Tune learning rates…: the table holds lab.tune's result for the racers, the job runs in the worker with
a progress bar, Cancel aborts (never finishes), Apply gives the racers their tuned lr, racers the batched engine
cannot step (a plug-in's; every built-in one batches: L-BFGS stands in for one here) are listed as not tuned."""
import dataclasses

import numpy as np
import pytest

from lab.optimizers import OPTIMIZERS

from lab.tune import TuneSetup, tune
from widgets.panels.tables import number


def open_view(window):
    window.findChild(type(window.run_action), "tuneAction").trigger()
    return window.tune_view


@pytest.fixture
def lbfgs_unbatched(monkeypatch):
    """L-BFGS as if it stepped one point at a time (as a plug-in might)."""
    monkeypatch.setitem(OPTIMIZERS, "lbfgs", dataclasses.replace(OPTIMIZERS["lbfgs"], batched=False))


def test_tune_apply_and_the_table(qtbot, small, lbfgs_unbatched):
    model = small.model
    model.update_racer(0, optimizer="lbfgs")  # not batched here: listed, not tuned
    view = open_view(small)
    assert "not tuned: L-BFGS" in view.objective_label.text()
    assert view.steps_field.submit("200") and view.seeds_field.submit("2")
    racers = [r for r in model.racers if r.optimizer != "lbfgs"]
    assert view.table.rowCount() == len(racers)
    progress = []
    view.progress_bar.valueChanged.connect(progress.append)
    with qtbot.waitSignals([view.runStarted, view.runFinished], order="strict", timeout=20000):
        assert view.run()
    result = view.result
    ref = tune(TuneSetup("quadratic", dict(model.experiment.params), model.start[None], 0, 2, 200, 0.0,
                         model.experiment.bound, 0.0, "final_loss"), racers)
    for t, r in zip(result.racers, ref.racers):
        assert t.best_lr == r.best_lr and np.array_equal(t.scores, r.scores)
    assert [view.table.item(k, 2).text() for k in range(len(racers))] == [number(t.best_lr) for t in ref.racers]
    assert progress[-1] == 1000 and view.apply_button.isEnabled()
    with qtbot.waitSignal(model.racersChanged, timeout=2000):
        changed = view.apply()
    assert changed == len(racers)
    tuned = {t.racer.name: t.best_lr for t in ref.racers}
    for r in model.racers:
        if r.optimizer != "lbfgs":
            assert r.hyperparameters["lr"] == tuned[r.name]
    assert view.table.item(0, 1).text() == view.table.item(0, 2).text()  # lr now = tuned lr


def test_apply_leaves_a_racer_changed_since_alone(qtbot, small):
    model = small.model
    view = open_view(small)
    view.steps_field.submit("50")
    with qtbot.waitSignal(view.runFinished, timeout=20000):
        view.run()
    model.set_hyperparameter(0, "lr", 0.0123)
    assert view.apply() == len(model.racers) - 1
    assert model.racers[0].hyperparameters["lr"] == 0.0123


def test_cancel_aborts_and_never_finishes(qtbot, small):
    view = open_view(small)
    view.steps_field.submit("1000000")
    with qtbot.waitSignal(view.runStarted, timeout=5000):
        view.run()
    with qtbot.assertNotEmitted(view.runFinished, wait=100):
        with qtbot.waitSignal(view.runAborted, timeout=5000) as blocker:
            view.cancel_button.click()
    assert blocker.args[0].cancelled and not view.apply_button.isEnabled()
    assert view.run_button.isEnabled()


def test_nothing_to_tune_is_said(qtbot, small, lbfgs_unbatched):
    model = small.model
    while len(model.racers) > 1:
        model.remove_racer(1)
    model.update_racer(0, optimizer="lbfgs")
    view = open_view(small)
    assert not view.run() and "No racer to tune" in view.last_error
