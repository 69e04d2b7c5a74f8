"""One rule, several speeds: each optimizer's per-coordinate rule on floats gives the same bits as its update() on
arrays, float formulas the same bits as the array formulas, and the race's 2-D fast path the general path's."""
import math

import numpy as np
import pytest

import lab.engine.race
from lab.objectives import classic, make_objective
from lab.objectives.base import Function2D, float_safe
from lab.optimizers import OPTIMIZERS as SPECS
from lab.optimizers import make_optimizer
from lab.optimizers.elementwise import ARRAY, FLOAT, rebind
from lab.optimizers.float_steps import FloatSteps
from lab.race import CONVERGED, DIVERGED, ERROR, MAX_STEPS, Race, RacerSpec
from states import assert_same_state  # tests/states.py (tests/ is on the path: tests/conftest.py)

CLASSIC = [cls.name for cls in classic.ALL]
FLOAT_SAFE = [n for n in CLASSIC if float_safe(make_objective(n))]

OPTIMIZERS = [
    ("sgd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3, "rho": 0.8}), ("nesterov", {"lr": 2e-3, "rho": 0.95}),
    ("adagrad", {"lr": 0.1}), ("adagrad", {"lr": 0.3, "eps": 1e-3}), ("rmsprop", {"lr": 0.01, "decay_rate": 0.9}),
    ("adam", {"lr": 0.05}), ("adam", {"lr": 0.05, "amsgrad": True}), ("adam", {"lr": 0.02, "bias_correction": False}),
    ("adam", {"lr": 0.1, "beta1": 0.0, "beta2": 0.0}), ("adamw", {"lr": 0.05, "weight_decay": 0.3}),
    ("adamw", {"lr": 0.05, "amsgrad": True, "bias_correction": False}),
    ("newton", {}), ("newton", {"lr": 0.5, "damping": 0.1}), ("newton", {"lr": 0.7, "damping": 3.0}),
    ("sgd", {"lr": 1e-3, "weight_decay": 0.5}), ("momentum", {"lr": 1e-3, "weight_decay": 0.5}),
    ("nesterov", {"lr": 1e-3, "rho": 0.5, "weight_decay": 2.0}), ("sgd", {"lr": 0.1, "line_search": "armijo"}),
    ("nadam", {"lr": 0.05}), ("nadam", {"lr": 0.02, "weight_decay": 0.1, "momentum_decay": 0.1}),
    ("radam", {"lr": 0.01}), ("radam", {"lr": 0.01, "beta2": 0.9, "weight_decay": 0.1}),
    ("adamax", {"lr": 0.05}), ("adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("adadelta", {}), ("adadelta", {"rho": 0.5, "weight_decay": 0.1}),
    ("lion", {"lr": 0.01}), ("lion", {"lr": 0.01, "weight_decay": 0.5}),
    ("qhm", {"lr": 1e-3}), ("qhm", {"lr": 1e-3, "nu": 1.0, "beta": 0.5}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in hp.items())}" for n, hp in OPTIMIZERS]


def test_the_float_safe_objectives_are_the_polynomials_written_without_powers():
    assert FLOAT_SAFE == ["quadratic", "saddle", "rosenbrock", "booth", "himmelblau", "goldstein_price", "matyas",
                          "three_hump_camel"]

    class Subclass(type(make_objective("rosenbrock"))):
        def f(self, x, y):
            return (self.a - x) ** 3  # a subclass is not float_safe unless it says so itself

    assert not float_safe(Subclass(1.0, 100.0))


@pytest.mark.parametrize("name", CLASSIC)
def test_fused_value_and_grad_is_value_and_grad_bit_for_bit(name):
    obj = make_objective(name)
    rng = np.random.default_rng(7)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    pts = rng.uniform(lo - 1, hi + 1, (400, 2))
    with np.errstate(all="ignore"):
        value, grad = obj.value_and_grad(pts)
        np.testing.assert_array_equal(value, obj.value(pts))
        np.testing.assert_array_equal(grad, obj.grad(pts))
        v1, g1 = obj.value_and_grad(pts[3])
    assert v1.shape == () and g1.shape == (2,) and v1 == value[3] and np.array_equal(g1, grad[3])


@pytest.mark.parametrize("name", FLOAT_SAFE)
def test_float_safe_formulas_on_floats_equal_the_array_formulas(name):
    obj = make_objective(name)
    rng = np.random.default_rng(11)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    pts = np.concatenate([rng.uniform(lo - 1, hi + 1, (300, 2)), rng.normal(0, 1e3, (100, 2)),
                          [[1e200, -1e200], [np.inf, 1.0], [np.nan, 0.0]]])
    with np.errstate(all="ignore"):
        value, grad, hess = obj.value(pts), obj.grad(pts), obj.hessian(pts)
    for p, v, g, h in zip(pts.tolist(), value, grad, hess):
        f, fx, fy = obj.fg(*p)
        hxx, hxy, hyy = obj.h(*p)
        np.testing.assert_array_equal([f, fx, fy], [v, g[0], g[1]])
        np.testing.assert_array_equal([hxx, hxy, hyy], [h[0, 0], h[0, 1], h[1, 1]])


RULES = [(n, hp) for n, hp in OPTIMIZERS if FloatSteps.available(make_optimizer(n, **hp))]


def test_every_first_order_optimizer_is_a_rule_and_the_others_are_not():
    assert {n for n, _ in RULES} == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam",
                                     "radam", "adamax", "adadelta", "lion", "qhm"}
    assert not FloatSteps.available(make_optimizer("sgd", line_search="armijo"))  # it evaluates f: update runs it
    assert not FloatSteps.available(make_optimizer("lbfgs"), make_objective("rosenbrock"))
    assert FloatSteps.available(make_optimizer("newton"), make_objective("rosenbrock"))  # its 2-D point rule
    assert not FloatSteps.available(make_optimizer("newton"))  # which needs the objective's Hessian
    own = make_optimizer("sgd", lr=0.1)
    assert not FloatSteps.available(own._replace(update=lambda g, s, x, o=None: (-g, s)))  # a replaced update


@pytest.mark.parametrize(("name", "hp"), RULES, ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in hp.items())}"
                                                    for n, hp in RULES])
def test_the_rule_on_floats_steps_like_update_bit_for_bit(name, hp):
    obj = make_objective("rosenbrock")
    opt = make_optimizer(name, **hp)
    rng = np.random.default_rng(3)
    x = np.array([-1.2, 1.4])
    state = opt.init(x)
    floats = FloatSteps(opt, state)
    scales = [1e-300, 1e-8, 1.0, 1e3, 1e150]
    for t in range(60):  # gradients of every size, some zero, some huge; points from the update itself
        g = rng.normal(size=2) * scales[t % len(scales)] if t % 7 else np.zeros(2)
        with np.errstate(all="ignore"):
            step, state = opt.update(g, state, x, obj)
        expected = x + step
        got = floats.step2(float(g[0]), float(g[1]), float(x[0]), float(x[1]))
        np.testing.assert_array_equal(got, expected, err_msg=f"step {t}")
        assert_same_state(floats.state(), state)
        x = expected if np.all(np.abs(expected) < 1e6) else rng.normal(size=2)


@pytest.mark.parametrize("hp", [{}, {"lr": 0.5, "damping": 0.1}, {"lr": 0.7, "damping": 3.0}])
def test_newtons_point_rule_on_floats_steps_like_update_bit_for_bit(hp):
    obj = make_objective("rosenbrock")
    opt = make_optimizer("newton", **hp)
    rng = np.random.default_rng(5)
    for _ in range(200):
        x = rng.uniform(-2, 2, 2) * 10.0 ** rng.integers(-3, 3)
        state = opt.init(x)
        step, new_state = opt.update(obj.grad(x), state, x, obj)
        floats = FloatSteps(opt, state, obj)
        got = floats.step2(*obj.grad(x).tolist(), *x.tolist())
        np.testing.assert_array_equal(got, x + step)
        assert_same_state(floats.state(), new_state)
        assert floats.note() == opt.note(new_state)


def test_newtons_point_rule_on_a_saddle_a_flat_direction_and_a_non_finite_hessian():
    q = make_objective("quadratic", kappa=1.0)
    opt = make_optimizer("newton", lr=0.5)
    for a, x, code in [(np.diag([1.0, -1.0]), (0.5, 0.1), 1), (np.diag([2.0, 0.0]), (0.5, -2.0), 2),
                       (np.array([[1.0, 3.0], [3.0, 2.0]]), (0.3, 0.4), 1), (np.eye(2) * 3.0, (0.3, 0.4), 0),
                       (np.array([[np.inf, 0.0], [0.0, 1.0]]), (0.5, 0.5), 3)]:
        q.A = a
        xs = np.array(x)
        step, state = opt.update(q.grad(xs), opt.init(xs), xs, q)
        floats = FloatSteps(opt, opt.init(xs), q)
        np.testing.assert_array_equal(floats.step2(*map(float, q.g(*x)), *x), xs + step)
        assert int(state.fallback) == floats.code == code and floats.note() == opt.note(state)


def test_newtons_closed_form_equals_lapacks_eigen_step():
    from lab.optimizers.newton import _eigen_step, _rule2_arrays

    rng = np.random.default_rng(9)
    h = rng.normal(size=(4000, 2, 2)) * 10.0 ** rng.integers(-4, 5, (4000, 1, 1))
    h = h + np.swapaxes(h, -1, -2)
    h[:500, 1] = h[:500, 0] * 0.5  # rank one: singular
    h[:500, :, 1] = h[:500, :, 0] * 0.5
    h[500:600] = np.eye(2) * rng.uniform(0.1, 10, (100, 1, 1))  # isotropic: r = 0
    g = rng.normal(size=(4000, 2))
    step, code = _eigen_step(g, h, 0.7, 0.0)
    sx, sy, code2 = _rule2_arrays(g[:, 0], g[:, 1], h[:, 0, 0], h[:, 0, 1], h[:, 1, 1], 0.7, 0.0)
    np.testing.assert_array_equal(code2, code)
    scale = np.abs(step).max(axis=1) + 1e-300
    assert np.max(np.abs(np.stack([sx, sy], axis=1) - step).max(axis=1) / scale) < 1e-7


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "adam"])
def test_the_rule_on_floats_in_any_dimension(name):
    opt = make_optimizer(name, lr=0.01)
    x = np.array([0.3, -1.0, 2.0, 5.0])
    state = opt.init(x)
    floats = FloatSteps(opt, state)
    for t in range(5):
        g = np.array([1.0, -2.0, 0.5, 3.0]) * (t + 1)
        step, state = opt.update(g, state, x, None)
        np.testing.assert_array_equal(floats.step(g.tolist(), x.tolist()), x + step)
        x = x + step
    assert_same_state(floats.state(), state)


def test_one_source_rebound_per_speed():
    rule = SPECS["adam"].factory().update.rule
    as_arrays, as_floats = rebind(rule, ARRAY), rebind(rule, FLOAT)
    assert as_arrays.__code__ is rule.__code__ is as_floats.__code__  # the same code object, other globals
    assert as_floats.__globals__["sqrt"] is math.sqrt and as_arrays.__globals__["sqrt"] is np.sqrt
    args = (0.5, 1.0, 3, 0.1, 0.2, 0.2, 0.01, 0.9, 0.999, 1e-8, True, True)
    assert as_floats(*args) == tuple(float(v) for v in as_arrays(*args))


def _exact_gradient(objective):
    """A gradient source giving the exact gradient: the same numbers, but the race takes its general path."""
    return lambda x, k: objective.grad(x)


@pytest.mark.parametrize("name", FLOAT_SAFE)
def test_fast_race_equals_the_general_race_bit_for_bit(name):
    obj = make_objective(name)
    specs = [RacerSpec(n, hp) for n, hp in OPTIMIZERS] + [RacerSpec("lbfgs")]
    fast = Race(obj, obj.start, specs, max_steps=80, tol=1e-9, bound=1e4)
    general = Race(obj, obj.start, specs, max_steps=80, tol=1e-9, bound=1e4,
                   gradient_source=_exact_gradient(obj))
    assert fast._floats and not general._floats
    taken = [fast.step(n) for n in (1, 5, 100)]
    general.run()
    assert sum(taken) == general.step_count
    for a, b in zip(fast.tracks, general.tracks):
        np.testing.assert_array_equal(a.positions, b.positions, err_msg=a.spec.optimizer)
        np.testing.assert_array_equal(a.losses, b.losses)
        np.testing.assert_array_equal(a.grad_norms, b.grad_norms)
        assert (a.status, a.status_step, a.reason, a.notes) == (b.status, b.status_step, b.reason, b.notes)
        assert_same_state(a.state, b.state)
        np.testing.assert_array_equal(a.grad, b.grad)
        assert set(fast.details(0)) == set(general.details(0))


def test_fast_race_diverges_converges_and_runs_out_like_the_general_race():
    q = make_objective("quadratic", kappa=10.0)
    specs = [RacerSpec("sgd", {"lr": 0.25}), RacerSpec("sgd", {"lr": 0.15}), RacerSpec("sgd", {"lr": 1e-4}),
             RacerSpec("momentum", {"lr": 0.5}), RacerSpec("newton")]
    fast = Race(q, [1.0, 1.0], specs, max_steps=300, tol=1e-9, bound=1e3).run()
    general = Race(q, [1.0, 1.0], specs, max_steps=300, tol=1e-9, bound=1e3,
                   gradient_source=_exact_gradient(q)).run()
    assert [(t.status, t.status_step, t.reason) for t in fast.tracks] == \
        [(t.status, t.status_step, t.reason) for t in general.tracks]
    assert [t.status for t in fast.tracks] == [DIVERGED, CONVERGED, MAX_STEPS, DIVERGED, CONVERGED]


def test_a_non_finite_loss_on_the_fast_path_is_a_divergence():
    rosen = make_objective("rosenbrock")
    specs = [RacerSpec("sgd", {"lr": 1.0})]
    fast = Race(rosen, [1e5, 1e5], specs, max_steps=5, tol=0.0, bound=1e300).run()
    general = Race(rosen, [1e5, 1e5], specs, max_steps=5, tol=0.0, bound=1e300,
                   gradient_source=_exact_gradient(rosen)).run()
    tr = fast.tracks[0]
    assert tr.status == DIVERGED and "not finite" in tr.reason
    assert (tr.status_step, tr.reason) == (general.tracks[0].status_step, general.tracks[0].reason)
    np.testing.assert_array_equal(tr.losses, general.tracks[0].losses)


def test_a_float_step_that_raises_hands_over_to_update(monkeypatch):
    q = make_objective("quadratic", kappa=2.0)
    specs = [RacerSpec("adam", {"lr": 0.1}), RacerSpec("momentum", {"lr": 0.1})]
    general = Race(q, [1.0, 1.0], specs, max_steps=8, tol=0.0, gradient_source=_exact_gradient(q)).run()
    race = Race(q, [1.0, 1.0], specs, max_steps=8, tol=0.0)
    race.step(3)
    assert all(tr._floats is not None for tr in race.tracks)

    def raises(self, *args):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(FloatSteps, "step2", raises)
    race.run()
    for a, b in zip(race.tracks, general.tracks):
        assert a._floats is None and a.status == MAX_STEPS
        np.testing.assert_array_equal(a.positions, b.positions)
        assert_same_state(a.state, b.state)


class Quartic(Function2D):
    """f = x⁴ + y², written with ** (which raises OverflowError on big floats), failing for x < −10."""

    name = "quartic"
    float_safe = True  # not true to the bit (it uses **), but enough to test the fall-backs

    def __init__(self):
        super().__init__({}, [[-1, 1], [-1, 1]], [[0, 0]], 0.0, [0.5, 0.5])

    def f(self, x, y):
        if np.any(np.asarray(x) < -10):
            raise RuntimeError("outside")
        return x ** 4 + y * y

    def g(self, x, y):
        return 4 * x ** 3, 2 * y

    def h(self, x, y):
        return 12 * x * x, 0 * x, 2 + 0 * y


def test_an_objective_that_raises_on_floats_falls_back_to_arrays_or_is_an_error():
    obj = Quartic()
    huge = Race(obj, [1e80, 0.5], [RacerSpec("sgd", {"lr": 1e-300})], max_steps=3)  # 1e80 ** 4 overflows
    assert huge._floats and huge.tracks[0].status == DIVERGED and huge.tracks[0].status_step == 0
    assert huge.tracks[0].reason == "loss is not finite"
    race = Race(obj, [0.5, 0.5], [RacerSpec("sgd", {"lr": 1e-3}), RacerSpec("sgd", {"lr": 30.0})],
                max_steps=3, tol=0.0).run()
    ok, bad = race.tracks
    assert ok.status == MAX_STEPS
    np.testing.assert_array_equal(ok.losses, obj.value(ok.positions))
    assert bad.status == ERROR and bad.status_step == 1 and bad.reason == "objective failed: RuntimeError: outside"
