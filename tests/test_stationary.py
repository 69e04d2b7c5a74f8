"""The ``stationary`` status: |∇f| < tol where the Hessian has a negative eigenvalue is a saddle point or a maximum,
not a minimum — in the race, the batched engine (both paths), basin maps, files and the command line."""
import json

import numpy as np
import pytest

import main as entry
from lab.basin import ELSEWHERE, classify as basin_labels
from lab.curvature import not_a_minimum
from lab.engine.race import Race, RacerSpec
from lab.engine.status import STATUS_NAMES, Status, stationary_reasons
from lab.export import read_trajectories
from lab.experiment import Experiment
from lab.multistart import multistart
from lab.objectives import make_objective
from tests.test_compiled import numpy_path


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_stationary_is_appended_so_that_the_other_codes_keep_their_values():
    assert STATUS_NAMES == ("running", "converged", "diverged", "max_steps", "error", "stationary")
    assert Status.STATIONARY.code == 5 and Status.of(5) is Status.STATIONARY and Status.ERROR.code == 4


@pytest.mark.parametrize("eigenvalues, reason", [
    ([1.0, 2.0], ""), ([-1.0, 2.0], "saddle point"), ([-1.0, -2.0], "maximum"), ([0.0, 1.0], ""),
    ([-1.0, 0.0], "saddle point"), ([-1e-9, 1.0], ""), ([-2e-8, 1.0], "saddle point"),  # tol 1e-8·max(1, max|λ|)
    ([-1e-6, 1e3], ""), ([-1e-4, 1e3], "saddle point"), ([np.nan, 1.0], ""), ([-3.0, -1.0, 2.0], "saddle point")])
def test_not_a_minimum_from_the_eigenvalues(eigenvalues, reason):
    assert not_a_minimum(np.array(eigenvalues)) == reason


def test_newton_on_the_saddles_y0_line_is_stationary_at_a_saddle_point():
    obj = make_objective("saddle")  # f = x² − y²: H = diag(2, −2)
    race = Race(obj, [-1.5, 0.0], [RacerSpec("newton"), RacerSpec("sgd", {"lr": 0.1})], max_steps=400).run()
    newton, sgd = race.tracks
    assert (newton.status, newton.status_step, newton.reason) == ("stationary", 1, "saddle point")
    assert newton.describe_status() == "stationary at step 1: saddle point"
    np.testing.assert_array_equal(newton.x, [0.0, 0.0])
    assert (sgd.status, sgd.reason) == ("stationary", "saddle point")  # (1 − 0.2)^k · 1.5 < tol/2 at k ≈ 88
    off_line = Race(obj, [-1.5, 0.01], [RacerSpec("newton")], max_steps=50).run().tracks[0]
    assert off_line.status == "diverged"  # saddle-free Newton leaves the saddle along y


def test_a_racer_started_at_a_maximum_is_stationary_at_a_maximum():
    obj = make_objective("custom", expr="-(x**2 + 2*y**2)")
    race = Race(obj, [0.0, 0.0], [RacerSpec("adam"), RacerSpec("newton")], max_steps=10).run()
    for tr in race.tracks:
        assert (tr.status, tr.status_step, tr.reason) == ("stationary", 0, "maximum")
    bowl = Race(make_objective("custom", expr="x**2 + 2*y**2"), [0.0, 0.0], [RacerSpec("adam")], max_steps=10).run()
    assert (bowl.tracks[0].status, bowl.tracks[0].reason) == ("converged", "")


def test_a_flat_hessian_stays_converged_the_second_order_test_cannot_tell():
    race = Race(make_objective("monkey_saddle"), [0.0, 0.0], [RacerSpec("sgd", {"lr": 0.1})], max_steps=5).run()
    assert race.tracks[0].status == "converged"


def test_stationary_reasons_in_many_dimensions_use_the_extreme_eigenvalues():
    obj = make_objective("mlp")
    x = obj.start[None]
    lam = np.linalg.eigvalsh(obj.hessian(obj.start))
    expected = "maximum" if lam.max() < 0 else "saddle point" if lam.min() < -1e-8 * max(1, abs(lam).max()) else ""
    assert stationary_reasons(obj, x).tolist() == [expected]


def test_the_batched_engine_says_stationary_on_both_paths_and_basin_maps_label_it_elsewhere(monkeypatch):
    from lab.engine import compiled

    monkeypatch.setenv(compiled.SWITCH, "1")  # the compiled path beside the NumPy one (tests/conftest.py)
    obj = make_objective("saddle")
    starts = [[1.0, 0.0], [-0.5, 0.0], [1.0, 0.5]]
    fast = multistart(obj, "sgd", starts, steps=300, hyperparameters={"lr": 0.1})
    slow = numpy_path(obj, "sgd", starts, steps=300, hyperparameters={"lr": 0.1})
    for r in (fast, slow):
        assert r.status.tolist() == [Status.STATIONARY.code] * 2 + [Status.DIVERGED.code]
        assert r.counts()["stationary"] == 2
    np.testing.assert_array_equal(fast.step, slow.step)
    np.testing.assert_array_equal(fast.x, slow.x)
    labels = basin_labels(fast.x, fast.status, np.array([[0.0, 0.0]]), 0.1)  # even beside a "minimum"
    assert labels.tolist()[:2] == [ELSEWHERE, ELSEWHERE]
    bowl = multistart(make_objective("quadratic"), "sgd", [[1.0, 1.0]], steps=2000, hyperparameters={"lr": 0.1})
    assert bowl.status.tolist() == [Status.CONVERGED.code]


def test_files_and_the_run_table_say_stationary(tmp_path, capsys):
    rc, out, err = cli(capsys, "run", "--objective", "saddle", "--start", "-1.5,0", "--steps", "50",
                       "--racer", "newton", "--racer", "sgd:lr=0.1")
    assert rc == 0 and err == ""
    rows = out.splitlines()[2:]
    assert rows[0].split()[:2] == ["1", "sgd"]  # Newton's loss is lower (0) but a stationary racer does not lead
    assert rows[1].split()[:2] == ["2", "newton"] and "stationary at step 1: saddle point" in rows[1]
    config = tmp_path / "e.json"
    Experiment("saddle", [-1.5, 0.0], [RacerSpec("newton")], steps=20).save(config)
    for ending in (".npz", ".json"):
        path = tmp_path / f"t{ending}"
        assert cli(capsys, "run", "--config", config, "--out", path)[0] == 0
        (t,) = read_trajectories(path)
        assert (t.status, t.status_step, t.reason) == ("stationary", 1, "saddle point")
    assert json.loads((tmp_path / "t.json").read_text())["results"][0]["status"] == "stationary"
