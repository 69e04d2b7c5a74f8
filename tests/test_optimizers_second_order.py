"""Newton's method (its closed forms and its fallbacks) and L-BFGS (convergence, history, scipy as a reference)."""
from __future__ import annotations

import numpy as np
import pytest

from lab.objectives import OBJECTIVES, make_objective
from lab.objectives.base import Objective
from lab.optimizers import make_optimizer

ROSENBROCK = make_objective("rosenbrock")


def run(opt, obj, x0, steps):
    """The library's path x_0..x_steps and the states after each step."""
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    path, states = [x], []
    for _ in range(steps):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
        path.append(x)
        states.append(state)
    return np.array(path), states


class Quadratic(Objective):
    """f = ½(x − c)ᵀA(x − c) + bᵀx for any symmetric A (indefinite, singular, ...): built by hand for these tests."""

    dim = 2

    def __init__(self, a, c=(0.0, 0.0), b=(0.0, 0.0)):
        self.A = np.asarray(a, dtype=float)
        self.c = np.asarray(c, dtype=float)
        self.b = np.asarray(b, dtype=float)
        super().__init__({}, [[-2, 2], [-2, 2]], np.empty((0, 2)), None, [1.0, 1.0])

    def value(self, x):
        z = np.asarray(x, dtype=float) - self.c
        return 0.5 * np.einsum("...i,ij,...j->...", z, self.A, z) + np.asarray(x, dtype=float) @ self.b

    def grad(self, x):
        return (np.asarray(x, dtype=float) - self.c) @ self.A.T + self.b

    def hessian(self, x):
        return np.broadcast_to(self.A, np.shape(x)[:-1] + (2, 2)).copy()


class MonkeySaddle(Objective):
    """f = x³ − 3xy²: gradient and Hessian both vanish at the origin."""

    dim = 2

    def __init__(self):
        super().__init__({}, [[-2, 2], [-2, 2]], np.empty((0, 2)), None, [0.0, 0.0])

    def value(self, p):
        x, y = p[..., 0], p[..., 1]
        return x**3 - 3 * x * y**2

    def grad(self, p):
        x, y = p[..., 0], p[..., 1]
        return np.stack([3 * x**2 - 3 * y**2, -6 * x * y], axis=-1)

    def hessian(self, p):
        x, y = p[..., 0], p[..., 1]
        return np.stack([np.stack([6 * x, -6 * y], -1), np.stack([-6 * y, -6 * x], -1)], -2)


class BrokenHessian(Quadratic):
    """A finite gradient with a Hessian that is NaN (or inf)."""

    def __init__(self, bad=np.nan):
        super().__init__(np.eye(2))
        self.bad = bad

    def hessian(self, x):
        return np.full(np.shape(x)[:-1] + (2, 2), self.bad)


def newton_step(obj, x, **hp):
    opt = make_optimizer("newton", **hp)
    x = np.asarray(x, dtype=float)
    step, state = opt.update(obj.grad(x), opt.init(x), x, obj)
    return step, state, opt.note(state)


# ---------------------------------------------------------------------------------------------------------------------
# Newton: closed forms.

STARTS = [(-1.8, 1.2), (3.0, -7.0), (1e-3, 2e-3), (-40.0, 25.0)]


@pytest.mark.parametrize("kappa, angle", [(1, 0), (10, 30), (100, -75), (1000, 45), (3.5, 200)])
@pytest.mark.parametrize("start", STARTS)
def test_newton_lands_on_the_quadratic_minimum_in_one_step(kappa, angle, start):
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    step, state, note = newton_step(obj, start)
    x1 = np.asarray(start) + step
    np.testing.assert_allclose(x1, [0.0, 0.0], rtol=0, atol=1e-12 * max(1.0, np.abs(start).max()))
    assert note == ""
    assert state.count == 1


@pytest.mark.parametrize("center", [(1.0, -2.0), (-0.3, 0.7)])
def test_newton_lands_on_a_shifted_minimum(center):
    obj = Quadratic([[4.0, 1.0], [1.0, 3.0]], c=center)
    step, _, _ = newton_step(obj, (5.0, 5.0))
    np.testing.assert_allclose(np.array([5.0, 5.0]) + step, center, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lr", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("damping", [0.0, 0.1, 1.0, 25.0])
@pytest.mark.parametrize("kappa, angle", [(10, 30), (100, -60)])
def test_newton_with_damping_solves_the_damped_system(lr, damping, kappa, angle):
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    x = np.array([-1.8, 1.2])
    step, _, note = newton_step(obj, x, lr=lr, damping=damping)
    expected = -lr * np.linalg.solve(obj.A + damping * np.eye(2), obj.grad(x))
    np.testing.assert_allclose(step, expected, rtol=1e-12, atol=1e-15)
    assert note == ""


def test_newton_converges_on_rosenbrock():
    path, states = run(make_optimizer("newton"), ROSENBROCK, (-1.5, 2.0), 30)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-10)
    assert all(np.isfinite(path).ravel())


# ---------------------------------------------------------------------------------------------------------------------
# Newton: the fallbacks. Never an exception; what happened is in note(state).

SADDLE = Quadratic([[2.0, 0.0], [0.0, -2.0]])          # f = x² − y²
TILTED_SADDLE = Quadratic([[1.0, 2.0], [2.0, 1.0]])    # eigenvalues 3 and −1


@pytest.mark.parametrize("obj", [make_objective("saddle"), SADDLE, TILTED_SADDLE], ids=["saddle", "x2-y2", "tilted"])
@pytest.mark.parametrize("start", [(1.0, 0.5), (-0.3, 0.01), (2.0, -1.5)])
@pytest.mark.parametrize("lr", [1.0, 0.3])
def test_newton_on_an_indefinite_hessian_goes_downhill(obj, start, lr):
    x = np.asarray(start, dtype=float)
    step, state, note = newton_step(obj, x, lr=lr)
    assert np.all(np.isfinite(step))
    assert obj.value(x + step) < obj.value(x)
    assert "indefinite" in note
    assert int(state.fallback) == 1
    # saddle-free Newton: −lr·|H|⁻¹g with |H| = V|Λ|Vᵀ
    lam, vec = np.linalg.eigh(obj.hessian(x))
    expected = -lr * vec @ ((vec.T @ obj.grad(x)) / np.abs(lam))
    np.testing.assert_allclose(step, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("obj", [make_objective("saddle"), SADDLE], ids=["saddle", "x2-y2"])
def test_newton_on_the_saddle_moves_away_from_it(obj):
    """On x² − y² plain Newton would jump onto the saddle point (0, 0); the fallback doubles y instead."""
    step, _, _ = newton_step(obj, (1.0, 0.5))
    np.testing.assert_allclose(np.array([1.0, 0.5]) + step, [0.0, 1.0], atol=1e-15)


def test_newton_races_down_the_saddle():
    """From the saddle objective's own start, every step is finite, goes downhill and says why."""
    obj = make_objective("saddle")
    opt = make_optimizer("newton", lr=0.5)
    path, states = run(opt, obj, obj.start, 8)
    assert np.all(np.isfinite(path))
    assert np.all(np.diff(obj.value(path)) < 0)
    assert all("indefinite" in opt.note(s) for s in states)


@pytest.mark.parametrize("obj, x, expected", [
    # f = x² + 0·y²: H = diag(2, 0); the x-direction is Newton's, the flat y-direction has no gradient.
    (Quadratic([[2.0, 0.0], [0.0, 0.0]]), (1.0, 3.0), (-1.0, 0.0)),
    # f = x² + y: H = diag(2, 0), g = (2x, 1): a gradient step of size lr = 1 along y.
    (Quadratic([[2.0, 0.0], [0.0, 0.0]], b=(0.0, 1.0)), (0.5, -2.0), (-0.5, -1.0)),
    # the monkey saddle's origin: H = 0 and g = 0, so no move at all.
    (MonkeySaddle(), (0.0, 0.0), (0.0, 0.0)),
    (make_objective("monkey_saddle"), (0.0, 0.0), (0.0, 0.0)),
], ids=["x2", "x2+y", "monkey-origin", "monkey_saddle-origin"])
def test_newton_on_a_singular_hessian_takes_a_finite_step(obj, x, expected):
    step, state, note = newton_step(obj, x)
    assert np.all(np.isfinite(step))
    np.testing.assert_allclose(step, expected, rtol=0, atol=1e-15)
    assert "singular" in note
    assert int(state.fallback) == 2


def test_newton_on_a_singular_hessian_uses_lr_along_the_flat_direction():
    obj = Quadratic([[2.0, 0.0], [0.0, 0.0]], b=(0.0, 1.0))
    step, _, _ = newton_step(obj, (0.5, -2.0), lr=0.25)
    np.testing.assert_allclose(step, [-0.125, -0.25], rtol=0, atol=1e-15)


def test_newton_damping_removes_the_singular_fallback():
    obj = Quadratic([[2.0, 0.0], [0.0, 0.0]], b=(0.0, 1.0))
    step, _, note = newton_step(obj, (0.5, -2.0), damping=0.5)
    np.testing.assert_allclose(step, -np.linalg.solve(obj.A + 0.5 * np.eye(2), obj.grad(np.array([0.5, -2.0]))))
    assert note == ""


@pytest.mark.parametrize("obj", [BrokenHessian(np.nan), BrokenHessian(np.inf)], ids=["nan", "inf"])
def test_newton_on_a_non_finite_hessian_gives_a_nan_step(obj):
    step, state, note = newton_step(obj, (1.0, -1.0))
    assert step.shape == (2,)
    assert np.all(np.isnan(step))
    assert "not finite" in note
    assert int(state.fallback) == 3


def test_newton_on_a_non_finite_gradient_gives_a_nan_step():
    obj = Quadratic(np.eye(2))
    opt = make_optimizer("newton")
    x = np.array([1.0, 1.0])
    step, state = opt.update(np.array([np.inf, 1.0]), opt.init(x), x, obj)
    assert np.all(np.isnan(step))
    assert "not finite" in opt.note(state)


def test_newton_fallbacks_are_per_point_in_a_batch():
    """One batch: a plain bowl point, a saddle point and a flat point; each gets its own treatment and code."""

    class Mixed(Objective):
        dim = 2

        def __init__(self):
            super().__init__({}, [[-2, 2], [-2, 2]], np.empty((0, 2)), None, [0.0, 0.0])
            self.parts = [Quadratic(np.eye(2)), SADDLE, Quadratic([[2.0, 0.0], [0.0, 0.0]]), BrokenHessian()]

        def grad(self, x):
            return np.stack([p.grad(x[k]) for k, p in enumerate(self.parts)])

        def hessian(self, x):
            return np.stack([p.hessian(x[k]) for k, p in enumerate(self.parts)])

    obj = Mixed()
    x = np.array([[1.0, 2.0], [1.0, 0.5], [1.0, 3.0], [1.0, 1.0]])
    opt = make_optimizer("newton")
    step, state = opt.update(obj.grad(x), opt.init(x), x, obj)
    np.testing.assert_array_equal(state.fallback, [0, 1, 2, 3])
    np.testing.assert_allclose(step[:3], [[-1.0, -2.0], [-1.0, 0.5], [-1.0, 0.0]], atol=1e-15)
    assert np.all(np.isnan(step[3]))
    note = opt.note(state)
    assert "indefinite" in note and "singular" in note and "not finite" in note
    assert opt.note(opt.init(x)) == ""


REGISTERED = [name for name, spec in OBJECTIVES.items() if not getattr(spec.make(), "stochastic", False)]


@pytest.mark.parametrize("name", REGISTERED)
def test_newton_never_fails_on_a_registered_objective(name):
    """A 9×9 grid over the objective's domain in one batch: finite steps, each downhill to first order, notes."""
    obj = make_objective(name)
    (x0, x1), (y0, y1) = obj.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, 9), np.linspace(y0, y1, 9))
    x = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    opt = make_optimizer("newton")
    g = obj.grad(x)
    step, state = opt.update(g, opt.init(x), x, obj)
    assert step.shape == x.shape
    assert np.all(np.isfinite(step))
    assert np.all(np.einsum("ki,ki->k", g, step) <= 1e-12 * np.abs(g).sum(axis=-1) * np.abs(step).sum(axis=-1))
    assert set(np.unique(state.fallback)) <= {0, 1, 2}
    assert isinstance(opt.note(state), str)


# ---------------------------------------------------------------------------------------------------------------------
# L-BFGS.

@pytest.mark.parametrize("kappa, angle", [(10, 30), (100, -60), (1, 0), (1000, 10)])
@pytest.mark.parametrize("start", [(-1.8, 1.2), (5.0, 3.0)])
def test_lbfgs_solves_a_quadratic_in_a_handful_of_steps(kappa, angle, start):
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    path, states = run(make_optimizer("lbfgs"), obj, start, 10)
    dist = np.linalg.norm(path, axis=1)
    assert dist[-1] < 1e-8
    assert np.all(np.diff(obj.value(path)) <= 1e-15)  # the line search never goes uphill


def test_lbfgs_on_rosenbrock():
    opt = make_optimizer("lbfgs")
    path, states = run(opt, ROSENBROCK, (-1.5, 2.0), 100)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], rtol=0, atol=1e-6)
    first = next(t for t, x in enumerate(path) if np.abs(x - 1.0).max() < 1e-6)
    assert first <= 100
    evaluations = [s.evaluations for s in states[:first]]
    assert evaluations[0] > 0
    assert all(b > a for a, b in zip(evaluations, evaluations[1:]))  # every line search costs something
    assert opt.details(ROSENBROCK.grad(path[-1]), states[-1], path[-1])["evaluations"] == states[-1].evaluations


def test_lbfgs_matches_scipy_on_rosenbrock():
    """Not the same path (different line searches and first steps), but the same minimum, with similar effort."""
    import scipy.optimize as scipy_optimize  # a dependency: lbfgs's line search is scipy's
    x0 = np.array([-1.5, 2.0])
    ref = scipy_optimize.minimize(ROSENBROCK.value, x0, jac=ROSENBROCK.grad, method="L-BFGS-B",
                                  options={"gtol": 1e-12, "ftol": 1e-15, "maxcor": 10})
    assert ref.success
    path, _ = run(make_optimizer("lbfgs"), ROSENBROCK, x0, 100)
    np.testing.assert_allclose(path[-1], ref.x, rtol=0, atol=1e-6)
    ours = next(t for t, x in enumerate(path) if np.abs(x - ref.x).max() < 1e-6)
    assert ours <= 2 * ref.nit + 10


def test_lbfgs_without_line_search_still_decreases_f():
    obj = make_objective("quadratic", kappa=10, angle=30)
    opt = make_optimizer("lbfgs", lr=0.05, line_search="none")
    path, states = run(opt, obj, (-1.8, 1.2), 60)
    values = obj.value(path)
    assert np.all(np.diff(values) < 0)
    assert values[-1] < 0.5 * values[0]
    assert all(s.evaluations == 0 for s in states)  # no line search, no extra evaluations


def test_lbfgs_first_step_is_a_cautious_gradient_step():
    """As torch: d = −g·min(1, 1/|g|₁), then lr·d without a line search."""
    obj = make_objective("quadratic", kappa=10, angle=30)
    x = np.array([-1.8, 1.2])
    g = obj.grad(x)
    opt = make_optimizer("lbfgs", lr=0.3, line_search="none")
    step, state = opt.update(g, opt.init(x), x, obj)
    np.testing.assert_allclose(step, -0.3 * g * min(1.0, 1.0 / np.abs(g).sum()), rtol=1e-15)
    assert state.s == () and state.evaluations == 0


def _bfgs_inverse(s_list, y_list):
    """The explicit BFGS inverse-Hessian update H ← (I − ρsyᵀ)H(I − ρysᵀ) + ρssᵀ from H₀ = (sᵀy/yᵀy)·I (newest)."""
    s_new, y_new = s_list[-1], y_list[-1]
    h = (s_new @ y_new) / (y_new @ y_new) * np.eye(len(s_new))
    for s, y in zip(s_list, y_list):
        rho = 1.0 / (y @ s)
        v = np.eye(len(s)) - rho * np.outer(y, s)
        h = v.T @ h @ v + rho * np.outer(s, s)
    return h


@pytest.mark.parametrize("history_size", [1, 2, 3, 10])
def test_lbfgs_direction_is_the_bfgs_inverse_hessian(history_size):
    """The two-loop recursion against the explicit matrix formula, over the pairs the state holds."""
    opt = make_optimizer("lbfgs", lr=1.0, history_size=history_size, line_search="none")
    x = np.array([-1.2, 1.0])
    state = opt.init(x)
    obj = make_objective("quadratic", kappa=4, angle=20)
    for t in range(6):
        g = obj.grad(x)
        step, new_state = opt.update(g, state, x, obj)
        if new_state.s:
            h = _bfgs_inverse(new_state.s, new_state.y)
            np.testing.assert_allclose(step, -h @ g, rtol=1e-10, atol=1e-14)
        state, x = new_state, x + step
    assert len(state.s) == min(history_size, 5)


@pytest.mark.parametrize("history_size", [1, 3, 5])
def test_lbfgs_history_never_exceeds_history_size(history_size):
    opt = make_optimizer("lbfgs", history_size=history_size)
    path, states = run(opt, ROSENBROCK, (-1.5, 2.0), 40)
    lengths = [len(s.s) for s in states]
    assert max(lengths) == history_size
    assert all(len(s.s) == len(s.y) <= history_size for s in states)
    # the newest pair is the last step taken and its gradient change; when full, the oldest pair is dropped
    checked = 0
    for t in range(1, len(states)):
        if len(states[t - 1].s) == history_size and states[t].s[0] is not states[t - 1].s[0]:
            checked += 1
            assert all(a is b for a, b in zip(states[t].s, states[t - 1].s[1:]))
            np.testing.assert_allclose(states[t].s[-1], path[t] - path[t - 1], rtol=1e-15)
            np.testing.assert_allclose(states[t].y[-1], ROSENBROCK.grad(path[t]) - ROSENBROCK.grad(path[t - 1]),
                                       rtol=1e-15)
    assert checked >= 3
    assert opt.details(None, states[-1], path[-1])["history"] == len(states[-1].s)


def test_lbfgs_note_is_the_last_message():
    opt = make_optimizer("lbfgs")
    _, states = run(opt, ROSENBROCK, (-1.5, 2.0), 5)
    for s in states:
        assert opt.note(s) == s.message
        assert isinstance(s.message, str)


def test_lbfgs_at_a_zero_gradient_takes_no_step_and_keeps_no_alias():
    opt = make_optimizer("lbfgs")
    quad = make_objective("quadratic", kappa=3.0)
    x = np.array([0.0, 0.0])
    step, state = opt.update(np.zeros(2), opt.init(x), x, quad)
    np.testing.assert_array_equal(step, [0.0, 0.0])
    assert opt.note(state) == "gradient is zero: no step" and state.evaluations == 0
    x = np.array([1.0, -1.0])
    g = quad.grad(x)
    _, state = opt.update(g, opt.init(x), x, quad)
    x += 5.0  # a caller that moves x in place must not change the remembered point
    g *= 2.0
    np.testing.assert_array_equal(state.x_prev, [1.0, -1.0])
    np.testing.assert_array_equal(state.g_prev, quad.grad(np.array([1.0, -1.0])))
