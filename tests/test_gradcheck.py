import numpy as np
import pytest

from lab.gradcheck import grad_check, hessian_check, numeric_grad, numeric_hessian, relative_error
from lab.objectives import make_objective


def test_numeric_grad_of_a_cubic_by_hand():
    f = lambda x: x[..., 0] ** 3 + 2 * x[..., 0] * x[..., 1]  # noqa: E731
    x = np.array([2.0, -1.0])
    np.testing.assert_allclose(numeric_grad(f, x), [3 * 4 - 2, 4.0], rtol=1e-9)


def test_numeric_hessian_of_a_gradient_by_hand():
    grad = lambda x: np.stack([3 * x[..., 0] ** 2 + 2 * x[..., 1], 2 * x[..., 0]], axis=-1)  # noqa: E731
    np.testing.assert_allclose(numeric_hessian(grad, np.array([2.0, -1.0])), [[12.0, 2.0], [2.0, 0.0]],
                               atol=1e-8)


def test_relative_error_definition():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / np.hypot(1.0, 2.2))
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([np.nan]), np.array([1.0])) == np.inf


class WrongGradient:
    """rosenbrock with a sign error in ∂f/∂y: the check must catch it."""

    def __init__(self):
        self.r = make_objective("rosenbrock")

    def value(self, x):
        return self.r.value(x)

    def grad(self, x):
        g = self.r.grad(x)
        g[..., 1] *= -1
        return g

    def hessian(self, x):
        h = self.r.hessian(x)
        h[..., 0, 0] += 1.0
        return h


def test_check_catches_wrong_derivatives():
    x = np.array([-1.2, 1.7])
    good = make_objective("rosenbrock")
    assert grad_check(good, x) < 1e-7 and hessian_check(good, x) < 1e-7
    assert grad_check(WrongGradient(), x) > 0.5
    assert hessian_check(WrongGradient(), x) > 1e-3


def test_no_false_alarm_where_the_gradient_vanishes():
    """At the monkey saddle's origin both the gradient and Hessian are 0; a 2-point stencil would report 1e-4."""
    obj = make_objective("monkey_saddle")
    assert grad_check(obj, np.zeros(2)) < 1e-9
    assert hessian_check(obj, np.zeros(2)) < 1e-9


@pytest.mark.parametrize("name", ["rastrigin", "levi13", "ackley", "rosenbrock", "easom"])
def test_default_step_checks_rippled_objectives(name):
    obj = make_objective(name)
    rng = np.random.default_rng(7)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    x = lo + (hi - lo) * rng.random((40, 2))
    assert grad_check(obj, x) < 1e-6 and hessian_check(obj, x) < 1e-6


def test_centred_differences_by_hand():
    """f = x³ + y⁴ at (1, 1): (f(1+h) − f(1−h))/2h = 3 + h² in x, 4 + 4h² in y; the gradient's centred
    difference 6 (exact) and 12 + 4h²; so the relative errors are known in closed form."""
    from lab.gradcheck import centred_grad, centred_hessian, check_over_h

    obj = make_objective("custom", expr="x**3 + y**4")
    x = np.array([1.0, 1.0])
    h = 0.1
    np.testing.assert_allclose(centred_grad(obj.value, x, h), [3 + h * h, 4 + 4 * h * h], rtol=1e-12)
    np.testing.assert_allclose(centred_hessian(obj.grad, x, h), [[6.0, 0.0], [0.0, 12 + 4 * h * h]], rtol=1e-12)
    rows = check_over_h(obj, x, [0.1, 0.01])
    assert [r["h"] for r in rows] == [0.1, 0.01]
    for r in rows:
        h = r["h"]
        grad_err = np.hypot(h * h, 4 * h * h) / np.hypot(3 + h * h, 4 + 4 * h * h)
        hess_err = 4 * h * h / np.hypot(6.0, 12 + 4 * h * h)
        assert r["grad_error"] == pytest.approx(grad_err, rel=1e-6)
        assert r["hessian_error"] == pytest.approx(hess_err, rel=1e-6)


def test_the_h_table_is_a_v():
    """Truncation falls as h², then rounding grows as 1/h: the smallest error is in the middle of 1e-1 … 1e-12."""
    from lab.gradcheck import H_SWEEP, check_over_h

    rows = check_over_h(make_objective("rosenbrock"), np.array([-1.2, 1.0]))
    assert [r["h"] for r in rows] == list(H_SWEEP) and len(rows) == 12
    errors = [r["grad_error"] for r in rows]
    best = int(np.argmin(errors))
    assert 2 <= best <= 8
    assert errors[0] > 100 * errors[best] and errors[-1] > 100 * errors[best]
    assert errors[0] > errors[1] > errors[2]  # truncation: ×100 less per decade of h
    assert errors[0] / errors[1] == pytest.approx(100, rel=0.05)


def test_check_at_holds_evals_numbers():
    """The window's gradient check shows the numbers `eval` prints (same functions, same h)."""
    from lab.cli.evaluate import evaluate
    from lab.gradcheck import check_at

    obj = make_objective("rosenbrock")
    x = np.array([-1.2, 1.0])
    report = check_at(obj, x)
    printed = evaluate(obj, x)
    assert report["grad_error"] == printed["grad_check_error"]
    assert report["hessian_error"] == printed["hessian_check_error"]
    assert report["grad"] == printed["grad"] and report["hessian"] == printed["hessian"]
    np.testing.assert_allclose(report["numeric_grad"], [-215.6, -88.0], rtol=1e-9)  # ∇f by hand at (−1.2, 1)
    assert len(report["over_h"]) == 12


def test_check_at_skips_the_hessian_in_high_dimension():
    from lab.gradcheck import HESSIAN_CHECK_MAX_DIM, check_at

    obj = make_objective("mlp")
    assert obj.dim > HESSIAN_CHECK_MAX_DIM
    report = check_at(obj, obj.start, hs=[1e-4])
    assert report["hessian"] is None and report["hessian_error"] is None
    assert report["over_h"][0]["hessian_error"] is None
    assert report["grad_error"] < 1e-6 and report["over_h"][0]["grad_error"] < 1e-3
