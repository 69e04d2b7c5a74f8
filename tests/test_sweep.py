"""Learning-rate sweeps: the stability edge of gradient descent, batched lrs equal single runs, cancel, files."""
import csv

import numpy as np
import pytest

from lab.errors import LabError
from lab.multistart import DIVERGED, MAX_STEPS, RUNNING
from lab.objectives import make_objective
from lab.race import Race, RacerSpec
from lab.sweep import lr_grid, lr_sweep

Q = make_objective("quadratic", kappa=10.0, angle=25.0)  # eigenvalues 1 and 10: 2/λmax = 0.2
START = [1.5, -0.7]


@pytest.fixture(scope="module")
def sweep():
    return lr_sweep(Q, START, ["sgd", "momentum", ("adam", {"beta1": 0.8}), "newton"], lr_min=1e-3, lr_max=2.0,
                    num=61, steps=200)


def test_sgd_shows_the_stability_edge_at_two_over_lambda_max(sweep):
    assert sweep.edge == pytest.approx(0.2, rel=1e-12)
    np.testing.assert_allclose(sweep.eigenvalues, [1.0, 10.0], rtol=1e-12)
    lrs, loss, status = sweep.lrs, sweep.loss[0], sweep.status[0]
    below = (lrs > 0.5 * sweep.edge) & (lrs < 0.97 * sweep.edge)
    above = lrs > 1.03 * sweep.edge
    assert below.sum() >= 4 and above.sum() >= 10
    assert (loss[below] < 1e-6).all() and (status[below] == MAX_STEPS).all()
    assert ((status[above] == DIVERGED) | (loss[above] > 1e6)).all()
    assert (status[lrs > 1.2 * sweep.edge] == DIVERGED).all()
    lr, best = sweep.best(0)
    assert lr < sweep.edge and best < 1e-20


def test_each_lr_of_the_batch_is_the_race_with_that_lr(sweep):
    for j in (0, 17, 40, 45, 60):
        lr = float(sweep.lrs[j])
        for i, (name, hp) in enumerate(sweep.optimizers):
            race = Race(Q, START, [RacerSpec(name, {**hp, "lr": lr})], max_steps=200, tol=0.0).run()
            tr = race.tracks[0]
            np.testing.assert_array_equal(sweep.loss[i, j], tr.losses[-1])
            assert sweep.step[i, j] == tr.status_step


def test_labels_best_and_the_other_curves(sweep):
    assert sweep.labels == ["sgd", "momentum", "adam(beta1=0.8)", "newton"]
    lr, loss = sweep.best(3)
    assert loss == 0.0 and 0.5 < lr < 1.5  # Newton with lr = 1 lands on the minimum
    assert not sweep.diverged[2].any()  # Adam's steps are bounded by lr
    assert sweep.lrs[0] == 1e-3 and sweep.lrs[-1] == 2.0 and np.all(np.diff(np.log(sweep.lrs)) > 0)


def test_lr_grid():
    np.testing.assert_allclose(lr_grid(1e-4, 1.0, 5), [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert lr_grid(0.1, 0.1, 1).tolist() == [0.1]
    for args, message in [((0.0, 1.0, 5), "0 < lr_min"), ((1.0, 0.1, 5), "lr_min <= lr_max"),
                          ((0.1, np.inf, 5), "finite"), ((0.1, 1.0, 0), "num"), ((0.1, 0.1, 3), "num 1"),
                          ((0.1, 1.0, 2.5), "num")]:
        with pytest.raises(LabError, match=message):
            lr_grid(*args)


def test_bad_optimizers_are_refused_before_any_work():
    for opts, message in [([], "at least one"), (["nope"], "unknown optimizer"),
                          ([("sgd", {"lr": 0.1})], "sets lr"), ([("momentum", {"rho": 2.0})], "rho=2.0")]:
        with pytest.raises(LabError, match=message):
            lr_sweep(Q, START, opts, lr_min=0.01, lr_max=1.0, num=3, steps=5)
    with pytest.raises(LabError, match="coordinates"):
        lr_sweep(Q, [1.0, 2.0, 3.0], ["sgd"], lr_min=0.01, lr_max=1.0, num=3, steps=5)


def test_cancel_and_progress():
    seen = []
    s = lr_sweep(Q, None, ["sgd", "adam", "momentum"], lr_min=1e-3, lr_max=1.0, num=10, steps=100,
                 should_stop=lambda: len(seen) >= 2, progress=lambda d, t: seen.append((d, t)))
    assert s.cancelled and (s.status[-1] == RUNNING).all()
    np.testing.assert_array_equal(s.start, Q.start)
    full = []
    lr_sweep(Q, None, ["sgd", "adam"], lr_min=1e-3, lr_max=1.0, num=10, steps=100,
             progress=lambda d, t: full.append((d, t)))
    assert full[-1] == (2000, 2000) and [d for d, _ in full] == sorted(d for d, _ in full)


def test_the_sweep_is_written_as_npz_and_csv(tmp_path, sweep):
    with np.load(sweep.save(tmp_path / "s.npz")) as f:
        np.testing.assert_array_equal(f["loss"], sweep.loss)
        np.testing.assert_array_equal(f["lrs"], sweep.lrs)
        assert float(f["edge"]) == sweep.edge and list(f["labels"]) == sweep.labels
    rows = list(csv.DictReader(open(sweep.save(tmp_path / "s.csv"), encoding="utf-8")))
    assert len(rows) == 4 * 61 and rows[61]["optimizer"] == "momentum"
    assert float(rows[5]["lr"]) == sweep.lrs[5] and float(rows[5]["loss"]) == sweep.loss[0, 5]
    with pytest.raises(LabError, match="npz or .csv"):
        sweep.save(tmp_path / "s.json")
