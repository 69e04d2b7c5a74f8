"""Convergence maps: the basins of himmelblau, one basin on a quadratic, divergence, cancel and files."""
import csv

import numpy as np
import pytest

from lab.basin import (DIVERGED, ELSEWHERE, NOT_CONVERGED, NOT_RUN, basin_map, classify, default_radius,
                       grid_points)
from lab.errors import LabError
from lab.multistart import CONVERGED, MAX_STEPS
from lab.objectives import make_objective
from lab.race import Race, RacerSpec

HIMMELBLAU = make_objective("himmelblau")


@pytest.fixture(scope="module")
def himmelblau_sgd():
    return basin_map(HIMMELBLAU, "sgd", {"lr": 2e-3}, steps=1000, grid=41)


def test_on_a_quadratic_every_start_reaches_the_one_minimum():
    q = make_objective("quadratic", kappa=4.0, angle=30.0)
    m = basin_map(q, "sgd", {"lr": 0.2}, steps=600, grid=9)
    assert m.label.shape == (9, 9) and (m.label == 0).all()
    assert (m.status == CONVERGED).all() and m.step.max() < 600
    assert m.step[4, 4] == 0  # the middle start is the minimum itself
    assert m.summary() == [(0, "minimum 0 at (0, 0)", 81, 1.0)]
    np.testing.assert_allclose(m.final, 0.0, atol=1e-8)


def test_himmelblau_has_four_basins_each_holding_its_minimum(himmelblau_sgd):
    m = himmelblau_sgd
    assert m.label.shape == (41, 41) and len(m.minima) == 4
    gx, gy = np.meshgrid(m.xs, m.ys)
    for k, (mx, my) in enumerate(m.minima):
        near = np.hypot(gx - mx, gy - my) < 0.6
        assert near.sum() >= 4 and (m.label[near] == k).all(), k
        assert 0.15 < np.mean(m.label == k) < 0.35
    assert set(np.unique(m.label).tolist()) == {0, 1, 2, 3}
    assert (m.status == CONVERGED).all()  # small steps: every start converges (|∇f| < 1e-8) in 1000 steps


def test_each_cell_is_the_race_of_that_start(himmelblau_sgd):
    m = himmelblau_sgd
    for j, i in [(0, 0), (20, 20), (7, 33), (40, 11)]:
        race = Race(HIMMELBLAU, [m.xs[i], m.ys[j]], [RacerSpec("sgd", {"lr": 2e-3})], max_steps=1000).run()
        tr = race.tracks[0]
        np.testing.assert_array_equal(m.final[j, i], tr.x)
        assert m.step[j, i] == tr.status_step and tr.status == "converged"
        nearest = np.argmin(np.linalg.norm(HIMMELBLAU.minima - tr.x, axis=1))
        assert m.label[j, i] == nearest


def test_momentum_and_adam_draw_other_basins_than_sgd(himmelblau_sgd):
    mom = basin_map(HIMMELBLAU, "momentum", {"lr": 2e-3, "rho": 0.9}, steps=1000, grid=41)
    assert (mom.label >= 0).all() and np.mean(mom.label != himmelblau_sgd.label) > 0.02


def test_a_diverging_learning_rate_marks_starts_diverged():
    q = make_objective("quadratic", kappa=10.0)  # gradient descent is stable for lr < 2/10
    m = basin_map(q, "sgd", {"lr": 0.5}, steps=200, grid=8, bound=1e3)
    assert (m.label == DIVERGED).all() and m.summary()[-1][1:] == ("diverged", 64, 1.0)
    assert m.step.max() < 20
    ok = basin_map(q, "sgd", {"lr": 0.19}, steps=400, grid=8, bound=1e3)
    assert (ok.label == 0).all()


def test_not_converged_and_converged_elsewhere():
    q = make_objective("quadratic", kappa=10.0)
    slow = basin_map(q, "sgd", {"lr": 1e-6}, steps=5, grid=6)
    assert (slow.label == NOT_CONVERGED).all() and (slow.status == MAX_STEPS).all() and (slow.step == 5).all()
    saddle = make_objective("saddle")  # f = x² − y², no minimum: saddle-free Newton moves away along y ...
    m = basin_map(saddle, "newton", steps=5, grid=5)
    assert (m.label[2] == ELSEWHERE).all()  # ... except from y = 0, where it lands on the saddle point (0, 0)
    assert (np.delete(m.label, 2, axis=0) == NOT_CONVERGED).all()
    far = basin_map(q, "newton", steps=3, grid=5, minima=[[1.0, 1.0]], radius=0.1)  # a wrong "minimum"
    assert (far.label == ELSEWHERE).all()
    near = basin_map(q, "newton", steps=3, grid=5, minima=[[1e-3, 0.0]], radius=0.01)
    assert (near.label == 0).all()


def test_cancel_leaves_the_rest_not_run():
    calls = []
    m = basin_map(HIMMELBLAU, "sgd", {"lr": 1e-4}, steps=500, grid=30, block=300, chunk=50,
                  should_stop=lambda: calls.append(1) or len(calls) > 2)
    assert m.cancelled and (m.label.ravel()[300:] == NOT_RUN).all()
    assert (m.label == NOT_RUN).mean() > 0.9 and (m.step.ravel()[:300] <= 100).all()


def test_progress_reaches_the_total():
    seen = []
    basin_map(HIMMELBLAU, "adam", {"lr": 0.05}, steps=50, grid=20, block=100,
              progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (400 * 50, 400 * 50) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_grid_points_and_default_radius():
    xs, ys, starts = grid_points([[-1, 1], [0, 3]], (3, 4))
    np.testing.assert_array_equal(xs, [-1, 0, 1])
    np.testing.assert_array_equal(ys, [0, 1, 2, 3])
    np.testing.assert_array_equal(starts[5], [1, 1])  # j = 1, i = 2
    assert default_radius([[-5, 5], [-5, 5]], HIMMELBLAU.minima) == pytest.approx(0.01 * np.hypot(10, 10))
    assert default_radius([[-5, 5], [-5, 5]], np.array([[0, 0], [0.3, 0]])) == pytest.approx(0.1)
    m = basin_map(make_objective("booth"), "sgd", {"lr": 0.01}, steps=1)
    assert m.label.shape == (200, 200) and m.extent == (-10.0, 10.0, -10.0, 10.0)


def test_classify_takes_the_nearest_minimum_within_the_radius():
    minima = np.array([[0.0, 0.0], [1.0, 0.0]])
    final = np.array([[0.01, 0.0], [0.98, 0.0], [0.5, 0.0], [np.nan, 0.0], [0.0, 0.0], [0.5, 0.5]])
    status = np.array([CONVERGED, MAX_STEPS, MAX_STEPS, 2, 0, CONVERGED], dtype=np.int8)
    assert classify(final, status, minima, 0.05).tolist() == [0, 1, NOT_CONVERGED, DIVERGED, NOT_RUN, ELSEWHERE]


def test_the_map_is_written_as_npz_and_csv(tmp_path, himmelblau_sgd):
    m = himmelblau_sgd
    npz = m.save(tmp_path / "map.npz")
    with np.load(npz) as f:
        np.testing.assert_array_equal(f["label"], m.label)
        np.testing.assert_array_equal(f["final"], m.final)
        np.testing.assert_array_equal(f["xs"], m.xs)
        assert '"optimizer": "sgd"' in str(f["settings"])
    rows = list(csv.DictReader(open(m.save(tmp_path / "map.csv"), encoding="utf-8")))
    assert len(rows) == 41 * 41
    r = rows[41 * 3 + 5]
    assert (float(r["x"]), float(r["y"])) == (m.xs[5], m.ys[3])
    assert int(r["label"]) == m.label[3, 5] and r["label_name"].startswith("minimum")
    assert float(r["final_x"]) == m.final[3, 5, 0] and r["status"] == "converged"
    with pytest.raises(LabError, match="npz or .csv"):
        m.save(tmp_path / "map.png")


def test_bad_inputs_are_refused():
    q = make_objective("quadratic")
    for kwargs, message in [(dict(grid=1), "grid"), (dict(grid=(10, 20, 30)), "grid"), (dict(grid=2.5), "grid"), (dict(grid="x"), "grid"),
                            (dict(domain=[[1, -1], [0, 1]]), "lo < hi"), (dict(radius=0.0), "radius"),
                            (dict(minima=[[np.inf, 0]]), "finite"), (dict(steps=-2), "steps")]:
        args = dict(steps=3, grid=4)
        args.update(kwargs)
        with pytest.raises(LabError, match=message):
            basin_map(q, "sgd", {"lr": 0.1}, **args)


def test_an_lbfgs_map_is_each_start_raced_alone():
    """Batched L-BFGS (per-point histories and line searches) in a basin map: every cell is the one-racer race
    from that start — the same status, step and final point, bit for bit — and himmelblau's four basins show."""
    m = basin_map(HIMMELBLAU, "lbfgs", {"history_size": 5}, steps=60, grid=7)
    assert set(np.unique(m.label)) == {0, 1, 2, 3}
    ys, xs = np.meshgrid(m.ys, m.xs, indexing="ij")
    for (i, j) in [(0, 0), (1, 5), (3, 3), (4, 2), (6, 6), (5, 1)]:
        alone = Race(HIMMELBLAU, [xs[i, j], ys[i, j]], [RacerSpec("lbfgs", {"history_size": 5})], max_steps=60).run()
        tr = alone.tracks[0]
        assert (m.status[i, j], m.step[i, j]) == (tr.status.code, tr.status_step)
        np.testing.assert_array_equal(m.final[i, j], tr.x)
