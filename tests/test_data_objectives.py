"""Linear and logistic regression: exact derivatives, exact minima, stable numerics, data plot helpers."""
import warnings

import numpy as np
import pytest

from lab.errors import LabError
from lab.gradcheck import grad_check, hessian_check
from lab.objectives import OBJECTIVES, make_objective
from lab.objectives.data import separable
from lab.views.data_fit import data_points, decision_regions, fitted_line, has_data, predict_classes

CASES = [
    ("linear_regression", {}), ("linear_regression", {"n": 7, "noise": 0.0, "seed": 3}),
    ("linear_regression", {"n": 500, "noise": 3.0, "batch_size": 50, "sampling": "replacement", "seed": 9}),
    ("logistic_regression", {}), ("logistic_regression", {"separation": 0.5, "seed": 1}),
    ("logistic_regression", {"n": 400, "separation": 3.0, "batch_size": 400, "seed": 2}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in p.items()) for name, p in CASES]


def _points(obj, n, seed=0):
    """n seeded points over the objective's domain, widened by half its size on each side."""
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    pad = 0.5 * (hi - lo)
    return np.random.default_rng(seed).uniform(lo - pad, hi + pad, (n, obj.dim))


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_gradient_and_hessian_pass_the_checks_at_many_points(name, params):
    obj = make_objective(name, **params)
    pts = _points(obj, 200)
    assert grad_check(obj, pts) < 1e-8
    assert hessian_check(obj, pts) < 1e-8
    k = 3  # the minibatch losses have exact derivatives too
    g = obj.grad_on(pts, obj.minibatch(k))
    np.testing.assert_array_equal(g, obj.minibatch_grad(pts, k))
    h = 1e-6
    e = np.eye(2) * h
    fd = np.stack([(obj.minibatch_value(pts + e[i], k) - obj.minibatch_value(pts - e[i], k)) / (2 * h)
                   for i in range(2)], axis=-1)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_batches_give_the_same_bits_as_single_points(name, params):
    obj = make_objective(name, **params)
    pts = _points(obj, 12, seed=1).reshape(3, 4, 2)
    value, grad = obj.value_and_grad(pts)
    hess = obj.hessian(pts)
    assert value.shape == (3, 4) and grad.shape == (3, 4, 2) and hess.shape == (3, 4, 2, 2)
    np.testing.assert_array_equal(value, obj.value(pts))
    np.testing.assert_array_equal(grad, obj.grad(pts))
    for idx in np.ndindex(3, 4):
        assert obj.value(pts[idx]) == value[idx]
        np.testing.assert_array_equal(obj.grad(pts[idx]), grad[idx])
        np.testing.assert_array_equal(obj.hessian(pts[idx]), hess[idx])
    np.testing.assert_array_equal(hess, np.swapaxes(hess, -1, -2))


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_the_minimum_is_exact_and_global_on_a_grid(name, params):
    obj = make_objective(name, **params)
    (xstar,) = obj.minima
    assert np.linalg.norm(obj.grad(xstar)) < 1e-13
    assert np.linalg.eigvalsh(obj.hessian(xstar)).min() > 0
    assert float(obj.value(xstar)) == obj.min_value
    grid = np.stack(np.meshgrid(*(np.linspace(lo, hi, 201) for lo, hi in obj.domain), indexing="ij"), axis=-1)
    assert obj.min_value <= obj.value(grid).min()
    assert np.all(obj.domain[:, 0] < xstar) and np.all(xstar < obj.domain[:, 1])
    assert np.all(obj.domain[:, 0] <= obj.start) and np.all(obj.start <= obj.domain[:, 1])
    assert float(obj.value(obj.start)) > obj.min_value + 1e-3


@pytest.mark.parametrize("params", [{}, {"n": 2, "batch_size": 1}, {"n": 333, "noise": 2.0, "seed": 5}])
def test_linear_regression_minimum_matches_lstsq(params):
    obj = make_objective("linear_regression", **params)
    t, y = data_points(obj)
    design = np.stack([t, np.ones_like(t)], axis=-1)
    coef, res, *_ = np.linalg.lstsq(design, y, rcond=None)
    np.testing.assert_allclose(obj.minima[0], coef, rtol=1e-13, atol=1e-14)
    expected = res[0] / len(t) if len(res) else 0.0
    assert obj.min_value == pytest.approx(expected, rel=1e-10, abs=1e-28)


def test_linear_regression_values_by_hand():
    obj = make_objective("linear_regression", n=3, noise=0.0, batch_size=3)
    t, y = data_points(obj)
    np.testing.assert_allclose(y, t + 0.5, rtol=1e-15)  # no noise: the data lie on the true line y = t + 1/2
    assert obj.min_value == pytest.approx(0.0, abs=1e-28)
    w, b = 2.0, -1.0
    r = w * t + b - y
    assert float(obj.value([w, b])) == pytest.approx(np.mean(r ** 2), rel=1e-15)
    np.testing.assert_allclose(obj.grad([w, b]), [2 * np.mean(r * t), 2 * np.mean(r)], rtol=1e-14)
    np.testing.assert_allclose(obj.hessian([w, b]), 2 * np.array([[np.mean(t * t), np.mean(t)], [np.mean(t), 1]]),
                               rtol=1e-15)


def test_logistic_regression_values_by_hand():
    obj = make_objective("logistic_regression", n=4, separation=1.0, batch_size=4)
    p, labels = data_points(obj)
    assert labels.tolist() == [0, 1, 0, 1]
    s = 2.0 * labels - 1
    w = np.array([0.7, -0.4])
    m = s * (p @ w)
    assert float(obj.value(w)) == pytest.approx(np.mean(np.log1p(np.exp(-m))), rel=1e-14)
    sig = 1 / (1 + np.exp(-m))
    np.testing.assert_allclose(obj.grad(w), -np.mean(((1 - sig) * s)[:, None] * p, axis=0), rtol=1e-13)
    np.testing.assert_allclose(obj.hessian(w), np.einsum("n,ni,nj->ij", sig * (1 - sig), p, p) / 4, rtol=1e-13)


def test_logistic_regression_is_finite_and_quiet_at_huge_weights():
    obj = make_objective("logistic_regression")
    w = np.array([[1e6, 1e6], [-1e8, 3e7], [1e300, -1e300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad, hess = obj.value(w), obj.grad(w), obj.hessian(w)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    assert np.all(value > 0)


def test_separable_classes_have_no_minimum_and_the_loss_falls_towards_zero():
    obj = make_objective("logistic_regression", separation=10.0)
    assert obj.minima.shape == (0, 2) and obj.min_value is None
    assert "separable" in obj.notes
    direction = np.array([0.8, 0.6])  # the axis of the class centres separates them here
    losses = obj.value(np.outer([1, 10, 100, 1000], direction))
    assert np.all(np.diff(losses) < 0) and losses[-1] < 1e-12
    assert np.all(obj.domain[:, 0] <= obj.start) and np.all(obj.start <= obj.domain[:, 1])


@pytest.mark.parametrize(("q", "expected"), [
    ([[1, 0], [0, 1]], True),                         # both in the quarter-plane x, y >= 0
    ([[1, 0], [-1, 0.1], [0, -1]], False),            # they surround the origin
    ([[1, 0], [-1, 0]], True),                        # opposite: the closed half-plane y >= 0 holds both
    ([[1, 1], [-1, 1], [0, -1], [2, 2]], False),
    ([[0, 0], [1, 2]], True),                         # a zero row constrains nothing
])
def test_separable_is_exact_in_two_dimensions(q, expected):
    assert separable(np.array(q, dtype=float)) is expected


def test_the_default_classes_overlap():
    obj = make_objective("logistic_regression")
    p, labels = data_points(obj)
    wrong = predict_classes(obj, obj.minima[0], p) != labels
    assert 0.05 < wrong.mean() < 0.4


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression"])
def test_parameters_are_checked(name):
    spec = OBJECTIVES[name]
    assert [p.name for p in spec.params][-8:] == ["batch_size", "sampling", "seed", "data", "columns", "standardize",
                                                  "data_sha256", "data_csv"]
    assert spec.dim == 2 and "f = " in spec.summary
    n = spec.make().params["n"]
    with pytest.raises(LabError, match=f"batch_size={n + 1} is not allowed: expected 1 <= batch_size <= n={n}"):
        make_objective(name, batch_size=n + 1)
    with pytest.raises(LabError, match="sampling"):
        make_objective(name, sampling="shuffle")
    with pytest.raises(LabError, match="batch_size"):
        make_objective(name, batch_size=0)
    with pytest.raises(LabError, match="parameter n=1 is not allowed"):
        make_objective(name, n=1)


def test_defaults():
    assert make_objective("linear_regression").params == {"n": 50, "noise": 0.5, "batch_size": 5,
                                                          "sampling": "epoch", "seed": 0}
    assert make_objective("logistic_regression").params == {"n": 100, "separation": 2.0, "batch_size": 10,
                                                            "sampling": "epoch", "seed": 0}
    assert make_objective("linear_regression").stochastic is True


def test_the_data_set_repeats_with_the_seed_and_differs_with_another():
    for name in ("linear_regression", "logistic_regression"):
        a, b, c = (data_points(make_objective(name, seed=s)) for s in (4, 4, 5))
        np.testing.assert_array_equal(a[0], b[0])
        assert not np.array_equal(a[0], c[0])
        # the data do not depend on how they are batched
        np.testing.assert_array_equal(a[0], data_points(make_objective(name, seed=4, batch_size=1))[0])


def test_data_plot_helpers():
    lin = make_objective("linear_regression")
    assert has_data(lin) and not has_data(make_objective("rosenbrock"))
    t, yhat = fitted_line(lin, [2.0, -1.0], n=5)
    np.testing.assert_allclose(yhat, 2 * t - 1, rtol=1e-15)
    assert t[0] == lin.inputs.min() and t[-1] == lin.inputs.max()
    log = make_objective("logistic_regression")
    xs, ys, classes = decision_regions(log, [1.0, -2.0], n=50)
    assert classes.shape == (50, 50) and xs.shape == ys.shape == (50,)
    expected = (xs[:, None] * 1.0 + ys[None, :] * -2.0 > 0).astype(int)
    np.testing.assert_array_equal(classes, expected)
    with pytest.raises(LabError, match="not a classification"):
        decision_regions(lin, [1.0, 0.0])
    with pytest.raises(LabError, match="not a regression"):
        fitted_line(log, [1.0, 0.0])
    with pytest.raises(LabError, match="not a data-driven"):
        data_points(make_objective("rosenbrock"))
