"""`python main.py basin ...` and `python main.py sweep ...` through the real entry point, main.main(argv)."""
import csv

import numpy as np
import pytest

import main as entry
from lab.basin import basin_map
from lab.objectives import make_objective
from lab.sweep import lr_sweep


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


BASIN = ["basin", "--objective", "himmelblau", "--optimizer", "sgd:lr=2e-3", "--steps", "600", "--grid", "24,20"]
SWEEP = ["sweep", "--objective", "quadratic", "--param", "kappa=10", "--start", "-1.8,1.2", "--optimizer", "sgd",
         "--optimizer", "momentum:rho=0.8", "--lr-min", "1e-3", "--lr-max", "2", "--num", "30", "--steps", "200"]


def test_basin_prints_the_share_of_starts_per_minimum(capsys):
    rc, out, err = cli(capsys, *BASIN)
    assert rc == 0 and err == ""
    head, header, *rows = out.strip().splitlines()
    assert head.startswith("himmelblau: sgd (lr=0.002, weight_decay=0, line_search=none) from 24 × 20 starts over [-5, 5] × [-5, 5], at most 600")
    assert header.split() == ["OUTCOME", "STARTS", "SHARE", "MEDIAN", "STEP"]
    m = basin_map(make_objective("himmelblau"), "sgd", {"lr": 2e-3}, steps=600, grid=(24, 20))
    assert len(rows) == len(m.summary()) == 4
    for row, (_, label, count, share) in zip(rows, m.summary()):
        assert row.startswith(label) and row.split()[-3:-1] == [str(count), f"{100 * share:.1f}%"]


def test_basin_writes_the_map_that_the_core_computes(capsys, tmp_path):
    path = tmp_path / "map.npz"
    rc, out, err = cli(capsys, "basin", "--objective", "quadratic", "--param", "kappa=10", "--optimizer",
                       "sgd:lr=0.5", "--steps", "100", "--grid", "6", "--bound", "1e3", "--out", path)
    assert rc == 0 and err == "" and out.startswith(f"wrote {path}: 6 × 6 starts, 100 steps (36 diverged)")
    m = basin_map(make_objective("quadratic", kappa=10.0), "sgd", {"lr": 0.5}, steps=100, grid=6, bound=1e3)
    with np.load(path) as f:
        np.testing.assert_array_equal(f["label"], m.label)
        np.testing.assert_array_equal(f["step"], m.step)
    csv_path = tmp_path / "map.csv"
    rc, out, _ = cli(capsys, "basin", "--objective", "booth", "--optimizer", "adam:lr=0.5", "--steps", "300",
                     "--grid", "5", "--domain", "-2,4,0,6", "--radius", "0.05", "--tol", "1e-6", "--out", csv_path)
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert rc == 0 and len(rows) == 25 and float(rows[0]["x"]) == -2.0 and float(rows[-1]["y"]) == 6.0


def test_sweep_prints_the_best_lr_and_the_stability_edge(capsys):
    rc, out, err = cli(capsys, *SWEEP)
    assert rc == 0 and err == ""
    lines = out.strip().splitlines()
    assert lines[0].startswith("quadratic (kappa=10, angle=0) from (-1.8, 1.2): 200 steps at each of 30 learning")
    assert lines[1] == "stability edge of gradient descent at the start: 2/λmax = 0.2 (Hessian eigenvalues 1, 10)"
    s = lr_sweep(make_objective("quadratic", kappa=10.0), [-1.8, 1.2], ["sgd", ("momentum", {"rho": 0.8})],
                 lr_min=1e-3, lr_max=2.0, num=30, steps=200)
    sgd = lines[3].split()
    assert sgd[0] == "sgd" and float(sgd[1]) == pytest.approx(s.best(0)[0], rel=1e-5)
    assert float(sgd[3]) == pytest.approx(s.lrs[s.diverged[0]].min(), rel=1e-5) and float(sgd[3]) > 0.2
    assert lines[4].startswith("momentum(rho=0.8)")


def test_sweep_writes_every_curve(capsys, tmp_path):
    path = tmp_path / "sweep.csv"
    rc, out, err = cli(capsys, *SWEEP, "--out", path)
    assert rc == 0 and err == "" and "2 optimizers × 30 learning rates" in out and "0.2" in out
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert len(rows) == 60 and {r["optimizer"] for r in rows} == {"sgd", "momentum"}
    npz = tmp_path / "sweep.npz"
    assert cli(capsys, *SWEEP, "--out", npz)[0] == 0
    with np.load(npz) as f:
        assert f["loss"].shape == (2, 30) and float(f["edge"]) == pytest.approx(0.2)


@pytest.mark.parametrize(("argv", "message"), [
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd:mu=1"], "--optimizer 'sgd:mu=1'"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--grid", "1"], "--grid"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--grid", "3,4,5"], "--grid"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--domain", "0,1,2"], "4 numbers"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--domain", "1,0,0,1"], "lo < hi"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--radius", "-1"], "--radius"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--steps", "-3"], "--steps"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--steps", "1e8"], "from 0 to 10000000"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--grid", "5000"], "from 2 to 1000"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1e-3", "--lr-max", "1",
      "--num", "20000"], "from 1 to 10000"),
    (["basin", "--objective", "himmelblau", "--optimizer", "sgd", "--out", "map.png"], ".npz or a .csv"),
    (["basin", "--objective", "nope", "--optimizer", "sgd"], "unknown objective"),
    (["basin", "--objective", "himmelblau"], "--optimizer"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd:lr=0.1", "--lr-min", "1e-3", "--lr-max", "1"],
     "the sweep sets lr"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1", "--lr-max", "0.1"],
     "lr_min <= lr_max"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "0", "--lr-max", "1"], "0 < lr_min"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "x", "--lr-max", "1"], "--lr-min"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1e-3", "--lr-max", "1",
      "--start", "1,2,3"], "2 coordinates"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1e-3"], "--lr-max"),
    (["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1e-3", "--lr-max", "1",
      "--out", "/no/such/folder/s.npz"], "does not exist"),
])
def test_bad_input_is_one_error_line_and_exit_2(capsys, argv, message):
    rc, out, err = cli(capsys, *argv)
    assert rc == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err


def test_negative_numbers_after_an_option_are_values(capsys):
    rc, out, _ = cli(capsys, "sweep", "--objective", "rosenbrock", "--start", "-1.5,2", "--optimizer", "adam",
                     "--lr-min", "1e-3", "--lr-max", "0.1", "--num", "3", "--steps", "20")
    assert rc == 0 and "from (-1.5, 2)" in out
    rc, out, _ = cli(capsys, "basin", "--objective", "himmelblau", "--optimizer", "adam:lr=0.1", "--steps", "20",
                     "--grid", "4", "--domain", "-1,1,-2,-1")
    assert rc == 0 and "[-1, 1] × [-2, -1]" in out
