"""The lecture set's hyperparameters: inside every range, inside the stability bounds, and they behave."""
import math

import numpy as np
import pytest

from lab.curvature import curvature, stability_bound
from lab.objectives import OBJECTIVES, make_objective
from lab.optimizers import make_optimizer
from lab.presets import (GRADIENT_STEP, LECTURE_SET, curvature_scale, domain_width, lecture_set,
                         round_down, suggest)
from lab.race import CONVERGED, DIVERGED, Race

TWO_D = [name for name, spec in OBJECTIVES.items() if spec.dim == 2]


def test_lecture_set_is_the_lectures_seven_in_order():
    specs = lecture_set(make_objective("rosenbrock"))
    assert [s.optimizer for s in specs] == list(LECTURE_SET)
    assert [s.label for s in specs] == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam", "Newton"]


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_suggestion_is_a_valid_hyperparameter_set(name):
    obj = make_objective(name)
    for spec in lecture_set(obj):
        make_optimizer(spec.optimizer, **spec.hyperparameters)  # raises LabError if out of range
        assert spec.hyperparameters["lr"] > 0


def test_quadratic_rules_by_hand():
    obj = make_objective("quadratic", kappa=10.0, angle=30.0)
    assert curvature_scale(obj, obj.start) == pytest.approx(10.0)
    assert suggest("sgd", obj) == {"lr": 0.15}
    assert suggest("momentum", obj) == {"lr": 0.1, "rho": 0.9}
    assert suggest("nesterov", obj) == {"lr": 0.1, "rho": 0.9}
    assert domain_width(obj) == 4.0
    assert suggest("adagrad", obj) == {"lr": 0.4}
    assert suggest("adam", obj) == {"lr": 0.01}
    assert suggest("newton", obj) == {"lr": 1.0}


@pytest.mark.parametrize("name", TWO_D)
def test_gradient_steps_are_inside_the_stability_bound_at_start_and_minima(name):
    obj = make_objective(name)
    points = np.vstack([obj.start[None], obj.minima])
    bound = np.min(stability_bound(curvature(obj.hessian(points)).eigenvalues))
    for opt in GRADIENT_STEP:
        assert suggest(opt, obj)["lr"] < bound


def test_the_plateau_uses_the_minimums_curvature():
    # easom's start is on a nearly flat plateau: 1/λ there would be huge and explode in the hole
    obj = make_objective("easom")
    at_start = curvature(obj.hessian(obj.start)).eigenvalues.max()
    assert at_start < 0.1
    assert curvature_scale(obj, obj.start) == pytest.approx(3.0)


@pytest.mark.parametrize("name", ["quadratic", "booth", "himmelblau", "matyas", "rosenbrock", "beale"])
def test_the_lecture_set_never_diverges_where_there_is_a_minimum(name):
    obj = make_objective(name)
    race = Race(obj, obj.start, lecture_set(obj), max_steps=3000).run()
    assert not [t for t in race.tracks if t.status == DIVERGED]
    assert all(np.isfinite(t.losses).all() for t in race.tracks)


def test_sgd_zigzags_on_the_bowl_and_converges():
    obj = make_objective("quadratic", kappa=10.0, angle=0.0)
    race = Race(obj, obj.start, lecture_set(obj)[:1], max_steps=1000).run()
    y = race.tracks[0].positions[:6, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))  # the steep coordinate changes sign each step
    assert race.tracks[0].status == CONVERGED


@pytest.mark.parametrize("value, expected", [(0.000717017, 0.00071), (1.0, 1.0), (0.15, 0.15), (123.9, 120.0),
                                             (1 / 3, 0.33), (2.0 / 3.0, 0.66)])
def test_round_down(value, expected):
    assert round_down(value) == expected
    assert round_down(value) <= value


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_round_down_refuses_non_positive(bad):
    with pytest.raises(ValueError):
        round_down(bad)


