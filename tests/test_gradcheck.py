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
