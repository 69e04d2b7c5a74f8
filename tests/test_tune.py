"""Tuned learning rates (lab/tune.py, `python main.py tune`): the written lr is the grid's argmin and beats its grid
neighbours when raced again; seed 0 is the written experiment's race bit for bit (minibatches, noise); the file
runs with `run --config`; ties, divergence and every bad input."""
import json

import numpy as np
import pytest

import main as entry
from lab.cli.common import fmt
from lab.engine.multistart import CONVERGED, DIVERGED, MAX_STEPS
from lab.engine.race import RacerSpec
from lab.errors import LabError
from lab.experiment import Experiment
from lab.objectives import make_objective
from lab.tune import COARSE, FINE, Block, TuneSetup, best_index, draw_starts, fine_grid, run_block, scores, tune


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def race_loss(exp: Experiment, racer: RacerSpec, lr: float) -> float:
    """Race one racer of ``exp`` at ``lr``, alone, as `run --config` would: its final loss (+inf if it diverged)."""
    one = Experiment(exp.objective, exp.start, [RacerSpec(racer.optimizer, {**racer.hyperparameters, "lr": lr})],
                     exp.params, exp.seed, exp.steps, exp.tol, exp.bound, exp.noise)
    track = one.build_race().run().tracks[0]
    return np.inf if track.status == "diverged" else float(track.losses[-1])


def test_the_written_lr_beats_its_grid_neighbours_when_raced_again(capsys, tmp_path):
    path = tmp_path / "tuned.json"
    rc, out, err = cli(capsys, "tune", "--objective", "rosenbrock", "--racer", "sgd", "--racer", "momentum:rho=0.8",
                       "--racer", "adam:beta1=0.8,label=Adam 0.8", "--steps", "300", "--out", path)
    assert rc == 0 and err == ""
    head, header, *rows, wrote = out.splitlines()
    assert head.startswith("rosenbrock (a=1, b=100) from (-1.5, 2): 300 steps, lr from 1e-05 to 10 (25 lrs, then 16")
    assert header.split()[:4] == ["RACER", "BEST", "LR", "FINAL"] and len(rows) == 3
    assert wrote == f"wrote {path}: 3 racers with tuned lr (race them: python main.py run --config {path})"
    exp = Experiment.load(path)
    assert [r.label for r in exp.racers] == ["", "", "Adam 0.8"] and exp.racers[1].hyperparameters["rho"] == 0.8
    assert exp.steps == 300 and exp.tol == 0 and exp.start == [-1.5, 2.0]
    obj = make_objective("rosenbrock")
    setup = TuneSetup("rosenbrock", dict(obj.params), obj.start[None], steps=300)
    result = tune(setup, [RacerSpec("sgd"), RacerSpec("momentum", {"rho": 0.8}), RacerSpec("adam", {"beta1": 0.8})])
    for row, racer, t in zip(rows, exp.racers, result.racers):
        lr = racer.hyperparameters["lr"]
        assert lr == t.best_lr and row.split()[len(racer.name.split()):][:2] == [fmt(lr), fmt(t.best_score)]
        assert np.argmin(t.scores) == t.best and len(t.lrs) == len(COARSE) + FINE
        mine = race_loss(exp, racer, lr)
        assert mine == t.best_score  # the engine's runs are the races, bit for bit
        for neighbour in t.neighbours():
            other = race_loss(exp, racer, neighbour[0])
            assert other == neighbour[1] and other >= mine  # the written lr beats (or ties) both neighbours
    rc, out, err = cli(capsys, "run", "--config", path)
    assert rc == 0 and err == "" and "sgd" in out


@pytest.mark.parametrize(("name", "params", "noise"), [("linear_regression", {"batch_size": 8}, 0.0),
                                                       ("quadratic", {}, 0.5)])
def test_seed_zero_is_the_written_race_bit_for_bit(name, params, noise):
    obj = make_objective(name, **params)
    setup = TuneSetup(name, dict(obj.params), obj.start[None], seed=4, seeds=3, steps=150, noise=noise)
    result = tune(setup, [RacerSpec("momentum", {"rho": 0.9})])
    t = result.racers[0]
    assert result.seeds_run == 3
    block = run_block(setup, "momentum", {"rho": 0.9}, [t.best_lr])
    assert len(set(block.loss[0, :, 0].tolist())) == 3  # the seeds differ
    assert np.median(block.loss[0, :, 0]) == t.best_score
    race = result.experiment(obj.start).build_race().run()
    assert float(race.tracks[0].losses[-1]) == block.loss[0, 0, 0]


def test_deterministic_objectives_run_one_seed_and_starts_are_drawn_in_the_domain():
    obj = make_objective("himmelblau")
    starts = draw_starts(obj, 5, seed=7)
    assert starts.shape == (5, 2) and (starts >= obj.domain[:, 0]).all() and (starts <= obj.domain[:, 1]).all()
    np.testing.assert_array_equal(starts, draw_starts(obj, 5, seed=7))
    setup = TuneSetup("himmelblau", {}, starts, seeds=4, steps=100)
    block = run_block(setup, "sgd", {}, [1e-3, 1e-2])
    assert block.loss.shape == (2, 1, 5)  # no minibatches, no noise: the 4 seeds are one run
    assert not np.array_equal(block.loss[0, 0], block.loss[1, 0])


def test_scores_median_and_diverged_runs():
    status = np.array([[[MAX_STEPS, MAX_STEPS, DIVERGED]], [[DIVERGED, DIVERGED, MAX_STEPS]],
                       [[CONVERGED, CONVERGED, MAX_STEPS]]])
    loss = np.array([[[1.0, 3.0, 0.5]], [[0.1, 0.2, 0.3]], [[0.0, 2.0, 5.0]]])
    step = np.array([[[100, 100, 7]], [[3, 4, 100]], [[40, 60, 100]]])
    b = Block(np.array([0.1, 1.0, 0.01]), loss, step, status)
    assert scores(b, "final_loss").tolist() == [3.0, np.inf, 2.0]  # a diverged run counts as +inf
    assert scores(b, "steps_to_tol").tolist() == [np.inf, np.inf, 60.0]  # not reached: +inf


def test_ties_take_the_middle_of_the_plateau():
    assert best_index([3, 1, 2]) == 1
    assert best_index([5, 0, 0, 0, 0, 0, 4, 0, 0]) == 3  # the longest run of equal minima, its middle
    assert best_index([np.inf, 2, 2, np.inf]) == 1
    assert best_index([np.inf, np.inf]) is None
    assert best_index([np.nan, 1.0]) == 1


def test_fine_grid_lies_between_the_neighbours():
    f = fine_grid(COARSE, 10)
    assert len(f) == FINE and COARSE[9] < f.min() and f.max() < COARSE[11] and COARSE[10] not in f
    assert fine_grid(COARSE, 0).max() < COARSE[1] and fine_grid(COARSE, 24).min() > COARSE[23]


def test_a_racer_no_lr_can_help_keeps_its_lr_and_cancel():
    setup = TuneSetup("quadratic", {}, np.array([[1e5, 1e5]]), steps=20, bound=1.0)  # every run is out of bounds
    result = tune(setup, [RacerSpec("sgd", {"lr": 0.3})])
    t = result.racers[0]
    assert t.best is None and t.tuned().hyperparameters["lr"] == 0.3 and np.isinf(t.scores).all()
    stopped = tune(TuneSetup("quadratic", {}, np.array([[1.0, 1.0]]), steps=50), [RacerSpec("sgd")],
                   should_stop=lambda: True)
    assert stopped.cancelled and stopped.racers == []


def test_steps_to_tol_metric(capsys):
    rc, out, err = cli(capsys, "tune", "--objective", "quadratic", "--racer", "sgd", "--metric", "steps_to_tol",
                       "--tol", "1e-6", "--steps", "500")
    assert rc == 0 and err == ""
    row = out.splitlines()[2].split()
    lr, steps = float(row[1]), float(row[2])
    # gradient descent on eigenvalues 1 and 10 is fastest at lr = 2/(1 + 10): the tuned lr is near it
    assert lr == pytest.approx(2 / 11, rel=0.1) and steps < 100


def test_lbfgs_is_tuned_like_the_others_now_that_it_batches():
    from lab.race import Race

    result = tune(TuneSetup("rosenbrock", {}, np.array([[-1.5, 2.0]]), steps=40), [RacerSpec("lbfgs")])
    best = result.racers[0]
    assert best.best_lr is not None and np.isfinite(best.best_score)
    alone = Race(make_objective("rosenbrock"), [-1.5, 2.0], [best.tuned()], max_steps=40, tol=0.0).run()
    assert alone.tracks[0].losses[-1] == best.best_score  # the written lr races to the score tune gave it


def test_refusals_without_work():
    with pytest.raises(LabError, match="steps_to_tol needs"):
        tune(TuneSetup("quadratic", {}, np.array([[1.0, 1.0]]), metric="steps_to_tol"), [RacerSpec("sgd")])


BASE = ["tune", "--objective", "quadratic", "--steps", "10"]


@pytest.mark.parametrize(("argv", "message"), [
    (BASE + ["--racer", "nope"], "unknown optimizer"),
    (BASE + ["--racer", "sgd", "--metric", "best"], "--metric 'best': choose final_loss or steps_to_tol"),
    (BASE + ["--racer", "sgd", "--seeds", "0"], "--seeds must be a whole number >= 1"),
    (BASE + ["--racer", "sgd", "--starts", "0"], "--starts must be a whole number >= 1"),
    (BASE + ["--racer", "sgd", "--seeds", "100", "--starts", "100"], "at most 4096 runs per lr"),
    (BASE + ["--racer", "sgd", "--out", "t.txt"], "experiment file, .json"),
    (BASE + ["--racer", "sgd", "--metric", "steps_to_tol", "--tol", "0"], "needs --tol T > 0"),
    (BASE + ["--racer", "sgd", "--noise", "-1"], "--noise must be >= 0"),
    (BASE + ["--racer", "sgd", "--tol", "nan"], "--tol: 'nan' is not a finite number"),
    (BASE + ["--racer", "sgd", "--start", "1,2,3"], "--start must have 2 coordinates"),
    (["tune", "--objective", "quadratic"], "--racer"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli(capsys, *argv)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_written_file_is_a_valid_config(capsys, tmp_path):
    path = tmp_path / "t.json"
    rc, _, _ = cli(capsys, "tune", "--objective", "linear_regression", "--param", "batch_size=10", "--racer",
                   "adam", "--seeds", "3", "--steps", "100", "--seed", "9", "--noise", "0.1", "--out", path)
    data = json.loads(path.read_text())
    assert rc == 0 and data["seed"] == 9 and data["noise"] == 0.1 and data["params"]["batch_size"] == 10
    assert cli(capsys, "run", "--config", path)[0] == 0
