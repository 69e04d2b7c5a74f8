"""The window's pictures computed in the core (lab/views/): each against a plain recomputation."""
import math

import numpy as np
import pytest

from lab.objectives import make_objective
from lab.objectives.classic import Quadratic
from lab.views.contour_grid import BANDS, contour_grid
from lab.views.glyphs import EIGEN_FRACTION, eigen_glyphs
from lab.views.isocurve import isocurve
from lab.views.stability_edge import lr_range_around, stability_edge


def test_contour_grid_is_log_gap_on_the_widened_domain():
    obj = make_objective("rosenbrock")
    g = contour_grid(obj, grid=41, margin=0.25)
    (x0, x1), (y0, y1) = obj.domain
    assert g.gx[0] == x0 - 0.25 * (x1 - x0) and g.gx[-1] == x1 + 0.25 * (x1 - x0)
    assert g.gy[0] == y0 - 0.25 * (y1 - y0) and g.gy[-1] == y1 + 0.25 * (y1 - y0)
    i, j = 7, 30
    f = obj.value(np.array([g.gx[i], g.gy[j]]))
    assert g.z[i, j] == pytest.approx(math.log10(f - obj.min_value))
    assert len(g.levels) == BANDS + 1 and np.all(np.diff(g.levels) > 0)
    assert g.what == "f − f*"


def test_eigen_glyphs_are_half_lines_inverse_to_sqrt_lambda():
    x, width = np.array([1.0, 2.0]), 10.0
    lam, vec = np.array([1.0, 4.0]), np.eye(2)
    xs, ys, labels = eigen_glyphs(x, lam, vec, grad=np.array([1.0, 1.0]), width=width)
    half = np.hypot(xs[1::2] - xs[::2], ys[1::2] - ys[::2]) / 2
    longest = EIGEN_FRACTION * width
    assert half == pytest.approx([longest, longest / 2])  # 1/√1 : 1/√4
    # labels go on the end away from the −∇f arrow (−∇f points to (−1, −1): labels on the + side)
    assert labels[0][0] > x[0] and labels[1][1] > x[1]
    assert eigen_glyphs(x, np.array([np.nan, 1.0]), vec, None, width) is None
    assert eigen_glyphs(x, None, None, None, width) is None


def test_eigen_glyphs_never_shorter_than_a_quarter():
    xs, ys, _ = eigen_glyphs(np.zeros(2), np.array([1.0, 1e6]), np.eye(2), None, 1.0)
    assert np.hypot(xs[3] - xs[2], ys[3] - ys[2]) / 2 == pytest.approx(0.25 * EIGEN_FRACTION)


def test_stability_edge_is_two_over_lambda_max():
    obj = Quadratic(10.0, 0.0)
    edge = stability_edge(obj, np.array([1.0, 1.0]))
    lam = np.linalg.eigvalsh(obj.hessian(np.array([1.0, 1.0])))
    assert edge == pytest.approx(2.0 / lam.max())
    assert lr_range_around(edge) == (10.0 ** (math.floor(math.log10(edge)) - 3),
                                     10.0 ** (math.floor(math.log10(edge)) + 2))
    assert lr_range_around(math.inf) is None and lr_range_around(-1.0) is None


def test_stability_edge_of_a_point_without_a_hessian_is_infinite():
    class Broken:
        def hessian(self, x):
            raise ValueError("no")
    assert stability_edge(Broken(), np.zeros(2)) == math.inf


def test_isocurve_of_a_disc_is_one_closed_loop_around_it():
    n = 21
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    inside = ((ii - 10) ** 2 + (jj - 10) ** 2 <= 25).astype(float)
    lines = isocurve(inside, 0.5)
    assert len(lines) == 1
    p = np.asarray(lines[0]) - 0.5
    assert np.allclose(p[0], p[-1])  # closed
    r = np.hypot(p[:, 0] - 10, p[:, 1] - 10)
    assert np.all((r > 4.0) & (r < 6.0))


def test_the_snapshot_gives_the_lr_of_the_next_step_under_a_schedule():
    from lab.engine.race import Race, RacerSpec
    from lab.objectives import make_objective
    from lab.views.snapshot import collect

    q = make_objective("quadratic", kappa=4.0)
    race = Race(q, [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.4, "schedule": "exponential", "gamma": 0.5}),
                                RacerSpec("sgd", {"lr": 0.4}), RacerSpec("adam", {"lr": 0.1})], max_steps=10)
    race.step(3)
    points = [u.point for u in collect(race, [0, 0, 0]).racers]
    assert points[0].lr == 0.4 * 0.5 ** 3  # three steps taken: the fourth uses lr·γ³
    assert points[1].lr == 0.4 and points[2].lr == 0.1
    # the stability limit is compared with that lr: 2/λmax = 0.5 > 0.05, where the unscheduled 0.4 is too
    assert points[0].bound == points[1].bound == 0.5


def test_points_at_step_k_are_the_races_own():
    """points_at: x_k and the Hessian there for every racer; ∇f and the arrows (details_at) for those asked and for
    a scheduled racer (its lr is the next step's); a racer that stopped early at its last step."""
    import numpy as np

    from lab.curvature import curvature
    from lab.objectives import make_objective
    from lab.race import Race, RacerSpec
    from lab.views.snapshot import points_at

    obj = make_objective("rosenbrock")
    specs = [RacerSpec("momentum", {"lr": 0.001, "rho": 0.9}), RacerSpec("newton"),
             RacerSpec("sgd", {"lr": 0.001, "schedule": "step", "step_size": 5, "gamma": 0.5})]
    race = Race(obj, [-1.5, 2.0], specs, max_steps=40).run()
    k = 12
    points = points_at(race, k, arrows_for={0})
    assert sorted(points) == [0, 1, 2]
    for i, p in points.items():
        tr = race.tracks[i]
        x = tr.positions[min(k, tr.steps)]
        assert np.array_equal(p.x, x)
        story = curvature(obj.hessian(x[None]))
        assert np.array_equal(p.eigenvalues, story.eigenvalues[0]) and p.condition == float(story.condition_number[0])
    d = race.details_at(0, k)
    assert np.array_equal(points[0].grad, d["grad"]) and np.array_equal(points[0].details["velocity"], d["velocity"])
    assert points[1].grad is None and race.tracks[1].steps < k  # newton stopped at 7: its last point, no arrows
    assert points[2].lr == 0.001 * 0.5 ** 2 and points[2].grad is not None  # lr of step 13 = lr·γ^⌊12/5⌋
    only = points_at(race, k, racers=[1], arrows_for={1})
    assert list(only) == [1] and only[1].grad is not None
