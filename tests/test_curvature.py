import numpy as np
import pytest

from lab.curvature import curvature, condition_number, point_kind, stability_bound
from lab.objectives import make_objective


def rotation(deg):
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("kappa,angle", [(1.0, 0.0), (10.0, 0.0), (10.0, 30.0), (250.0, -75.0)])
def test_quadratic_bowl_has_eigenvalues_one_and_kappa(kappa, angle):
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    c = curvature(obj.hessian(np.array([0.3, -0.7])))
    np.testing.assert_allclose(c.eigenvalues, [1.0, kappa], rtol=1e-12)
    assert c.condition_number == pytest.approx(kappa, rel=1e-12)
    assert c.kind == "minimum"
    # the top eigenvector is the rotated y axis (up to sign)
    top = c.eigenvectors[:, 1]
    assert abs(top @ (rotation(angle) @ [0.0, 1.0])) == pytest.approx(1.0, abs=1e-12)
    assert stability_bound(c.eigenvalues) == pytest.approx(2.0 / kappa)


def test_kinds_by_hand():
    assert point_kind(np.array([1.0, 2.0])) == "minimum"
    assert point_kind(np.array([-3.0, -1.0])) == "maximum"
    assert point_kind(np.array([-2.0, 2.0])) == "saddle"
    assert point_kind(np.array([0.0, 2.0])) == "degenerate"
    assert point_kind(np.array([-1e-12, 5.0])) == "degenerate"  # within the stated tolerance of zero
    assert point_kind(np.array([0.0, 0.0])) == "degenerate"
    assert point_kind(np.array([np.nan, 1.0])) == "degenerate"
    np.testing.assert_array_equal(point_kind(np.array([[1.0, 2.0], [-1.0, 1.0]])), ["minimum", "saddle"])


def test_condition_number_singular_and_signed():
    assert condition_number(np.array([-4.0, 2.0])) == 2.0  # ratio of |λ|: the singular values
    assert condition_number(np.array([0.0, 3.0])) == np.inf
    assert condition_number(np.array([np.nan, 3.0])) == np.inf


def test_saddle_objectives():
    c = curvature(make_objective("rosenbrock").hessian(np.array([1.0, 1.0])))
    assert c.kind == "minimum"
    # rosenbrock at (1, 1): H = [[802, -400], [-400, 200]], by hand
    h = np.array([[802.0, -400.0], [-400.0, 200.0]])
    np.testing.assert_allclose(c.eigenvalues, np.linalg.eigvalsh(h), rtol=1e-12)
    assert c.condition_number == pytest.approx(np.linalg.cond(h), rel=1e-9)


def test_batched_and_nonfinite_hessians():
    hs = np.array([np.diag([1.0, 4.0]), np.diag([-1.0, 1.0]), np.full((2, 2), np.nan)])
    c = curvature(hs)
    np.testing.assert_allclose(c.eigenvalues[:2], [[1.0, 4.0], [-1.0, 1.0]])
    assert np.isnan(c.eigenvalues[2]).all()
    assert list(c.kind) == ["minimum", "saddle", "degenerate"]
    np.testing.assert_array_equal(c.condition_number, [4.0, 1.0, np.inf])


def test_stability_bound_is_where_gradient_descent_diverges():
    """On f = ½ xᵀAx, gradient descent contracts iff lr < 2/λmax (the lecture's step-size limit)."""
    obj = make_objective("quadratic", kappa=20.0, angle=15.0)
    bound = stability_bound(curvature(obj.A).eigenvalues)
    x0 = np.array([1.0, 1.0])
    for lr, grows in [(0.98 * bound, False), (1.02 * bound, True)]:
        xt = np.linalg.matrix_power(np.eye(2) - lr * obj.A, 2000) @ x0
        assert (np.linalg.norm(xt) > 1.0) == grows
    assert stability_bound(np.array([-1.0, -2.0])) == np.inf


@pytest.mark.parametrize("optimizer,rho", [("sgd", 0.0), ("momentum", 0.5), ("momentum", 0.9),
                                           ("nesterov", 0.5), ("nesterov", 0.9)])
def test_lr_limit_is_where_each_gradient_step_method_starts_to_diverge(optimizer, rho):
    """Run the real optimizer on f = ½xᵀAx just below and just above the limit."""
    from lab.curvature import lr_limit
    from lab.optimizers import make_optimizer

    obj = make_objective("quadratic", kappa=8.0, angle=25.0)
    hp = {} if optimizer == "sgd" else {"rho": rho}
    limit = lr_limit(optimizer, hp, np.linalg.eigvalsh(obj.A))
    for factor, grows in [(0.97, False), (1.03, True)]:
        size = _final_size(make_optimizer(optimizer, lr=factor * limit, **hp), obj, 3000)
        assert (size > 1.0) == grows, (factor, size)


def _final_size(opt, obj, steps):
    """|x| after ``steps`` steps from (1, 1) (or once it passes 1e6)."""
    x = np.array([1.0, 1.0])
    state = opt.init(x)
    for _ in range(steps):
        step, state = opt.update(obj.grad(x), state, x)
        x = x + step
        if np.linalg.norm(x) > 1e6:
            break
    return np.linalg.norm(x)


@pytest.mark.parametrize("nu, beta", [(0.7, 0.999), (0.7, 0.9), (0.0, 0.9), (1.0, 0.5), (0.9, 0.2), (0.3, 0.0),
                                      (0.99, 0.95)])
def test_qhms_lr_limit_is_where_it_starts_to_diverge(nu, beta):
    """QHM's limit (the smaller of its two root conditions) against the real optimizer on f = ½xᵀAx."""
    from lab.curvature import lr_limit
    from lab.optimizers import make_optimizer

    obj = make_objective("quadratic", kappa=8.0, angle=25.0)
    limit = lr_limit("qhm", {"nu": nu, "beta": beta}, np.linalg.eigvalsh(obj.A))
    for factor, grows in [(0.97, False), (1.03, True)]:
        size = _final_size(make_optimizer("qhm", lr=factor * limit, nu=nu, beta=beta), obj, 6000)
        assert (size > 1.0) == grows, (factor, size)


def test_the_armijo_search_lifts_sgds_lr_limit():
    from lab.curvature import lr_limit

    assert lr_limit("sgd", {"line_search": "armijo"}, np.array([1.0, 10.0])) == np.inf
    assert lr_limit("sgd", {"line_search": "none"}, np.array([1.0, 10.0])) == pytest.approx(0.2)


def test_lr_limit_by_hand_and_where_it_does_not_apply():
    from lab.curvature import lr_limit

    assert lr_limit("sgd", {"lr": 1}, np.array([1.0, 10.0])) == pytest.approx(0.2)
    assert lr_limit("momentum", {"rho": 0.9}, np.array([1.0, 10.0])) == pytest.approx(0.38)
    assert lr_limit("nesterov", {"rho": 0.9}, np.array([1.0, 10.0])) == pytest.approx(0.38 / 2.8)
    assert lr_limit("momentum", {}, np.array([1.0, 10.0])) == pytest.approx(0.38)  # rho's default, 0.9
    assert lr_limit("sgd", {}, np.array([-2.0, -1.0])) == np.inf
    assert lr_limit("adam", {"lr": 1}, np.array([1.0, 10.0])) is None
    assert lr_limit("newton", {}, np.array([1.0, 10.0])) is None
