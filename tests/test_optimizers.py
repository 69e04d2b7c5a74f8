"""First-order optimizers against plain for-loop versions of their pseudo-code, closed forms, batching,
validation, purity and details(). Newton and L-BFGS are in test_optimizers_second_order.py.

The reference loops below are written straight from the contract, one coordinate at a time in Python floats, and are
deliberately not vectorised: they are the ground truth the NumPy code must reproduce to 1e-12.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from lab.errors import LabError
from lab.objectives import OBJECTIVES as ALL_OBJECTIVES
from lab.objectives import make_objective
from lab.optimizers import OPTIMIZERS, make_optimizer
from lab.optimizers.pieces import NAMES as PIECES

ROSENBROCK = make_objective("rosenbrock")
QUADRATIC = make_objective("quadratic", kappa=10, angle=30)
OBJECTIVES = {"rosenbrock": ROSENBROCK, "quadratic": QUADRATIC}
START = {"rosenbrock": (-1.5, 2.0), "quadratic": (-1.8, 1.2)}
STEPS = 200


def run(opt, obj, x0, steps):
    """The library's path: x_0, x_1, ..., x_steps (an array of shape (steps + 1, *x0.shape)) and the last state."""
    x = np.array(x0, dtype=float)
    state = opt.init(x)
    path = [x]
    for _ in range(steps):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
        path.append(x)
    return np.array(path), state


def grad_floats(obj, x):
    """The gradient at a point given as a list of floats, as a list of floats."""
    return [float(gi) for gi in obj.grad(np.array(x, dtype=float))]


# ---------------------------------------------------------------------------------------------------------------------
# The reference loops: one per first-order optimizer, straight from the pseudo-code.

def value_floats(obj, x):
    """f at a point given as a list of floats, as a float."""
    return float(obj.value(np.array(x, dtype=float)))


def ref_sgd(obj, x0, steps, lr, weight_decay=0.0, line_search="none"):
    x = [float(xi) for xi in x0]
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            g[i] = g[i] + weight_decay * x[i]
        alpha = lr
        if line_search == "armijo":  # φ = f + ½·wd·|x|², whose gradient g is
            def phi(z):
                return value_floats(obj, z) + 0.5 * weight_decay * sum(zi * zi for zi in z)

            fx, gg = phi(x), sum(gi * gi for gi in g)
            for halving in range(51):
                if phi([x[i] - alpha * g[i] for i in range(len(x))]) <= fx - 1e-4 * alpha * gg:
                    break
                if halving < 50:
                    alpha = alpha / 2
        for i in range(len(x)):
            x[i] = x[i] - alpha * g[i]
        path.append(list(x))
    return path


def ref_momentum(obj, x0, steps, lr, rho, weight_decay=0.0):
    x = [float(xi) for xi in x0]
    v = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            g[i] = g[i] + weight_decay * x[i]
            v[i] = rho * v[i] + g[i]
            x[i] = x[i] - lr * v[i]
        path.append(list(x))
    return path


def ref_nesterov(obj, x0, steps, lr, rho, weight_decay=0.0):
    x = [float(xi) for xi in x0]
    v = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            g[i] = g[i] + weight_decay * x[i]
            v[i] = rho * v[i] + g[i]
            x[i] = x[i] - lr * (g[i] + rho * v[i])
        path.append(list(x))
    return path


def ref_adagrad(obj, x0, steps, lr, eps):
    x = [float(xi) for xi in x0]
    big_g = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            big_g[i] = big_g[i] + g[i] * g[i]
            x[i] = x[i] - lr * g[i] / (math.sqrt(big_g[i]) + eps)
        path.append(list(x))
    return path


def ref_rmsprop(obj, x0, steps, lr, decay_rate, eps):
    x = [float(xi) for xi in x0]
    s = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            s[i] = decay_rate * s[i] + (1 - decay_rate) * g[i] * g[i]
            x[i] = x[i] - lr * g[i] / (math.sqrt(s[i]) + eps)
        path.append(list(x))
    return path


def ref_adam(obj, x0, steps, lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay=0.0):
    x = [float(xi) for xi in x0]
    m = [0.0] * len(x)
    v = [0.0] * len(x)
    v_max = [0.0] * len(x)
    path = [list(x)]
    for t in range(1, steps + 1):
        g = grad_floats(obj, x)  # AdamW: the gradient from before the decay
        for i in range(len(x)):
            x[i] = x[i] * (1 - lr * weight_decay)
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            if amsgrad:
                v_max[i] = max(v_max[i], v[i])
                v_used = v_max[i]
            else:
                v_used = v[i]
            if bias_correction:
                m_hat = m[i] / (1 - beta1 ** t)
                v_hat = v_used / (1 - beta2 ** t)
            else:
                m_hat, v_hat = m[i], v_used
            x[i] = x[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(list(x))
    return path


def ref_nadam(obj, x0, steps, lr, beta1, beta2, eps, weight_decay, momentum_decay):
    x = [float(xi) for xi in x0]
    m = [0.0] * len(x)
    v = [0.0] * len(x)
    mu_product = 1.0
    path = [list(x)]
    for t in range(1, steps + 1):
        g = grad_floats(obj, x)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_product = mu_product * mu_t
        for i in range(len(x)):
            gi = g[i] + weight_decay * x[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            denom = math.sqrt(v[i] / (1 - beta2 ** t)) + eps
            x[i] = (x[i] - lr * (1 - mu_t) / (1 - mu_product) * gi / denom
                    - lr * mu_next / (1 - mu_product * mu_next) * m[i] / denom)
        path.append(list(x))
    return path


def ref_radam(obj, x0, steps, lr, beta1, beta2, eps, weight_decay):
    x = [float(xi) for xi in x0]
    m = [0.0] * len(x)
    v = [0.0] * len(x)
    rho_inf = 2 / (1 - beta2) - 1
    path = [list(x)]
    for t in range(1, steps + 1):
        g = grad_floats(obj, x)
        rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        for i in range(len(x)):
            gi = g[i] + weight_decay * x[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat = m[i] / (1 - beta1 ** t)
            if rho_t > 5:
                r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                x[i] = x[i] - lr * m_hat * r * math.sqrt(1 - beta2 ** t) / (math.sqrt(v[i]) + eps)
            else:
                x[i] = x[i] - lr * m_hat
        path.append(list(x))
    return path


def ref_adamax(obj, x0, steps, lr, beta1, beta2, eps, weight_decay):
    x = [float(xi) for xi in x0]
    m = [0.0] * len(x)
    u = [0.0] * len(x)
    path = [list(x)]
    for t in range(1, steps + 1):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            gi = g[i] + weight_decay * x[i]
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            u[i] = max(beta2 * u[i], abs(gi) + eps)
            x[i] = x[i] - lr / (1 - beta1 ** t) * m[i] / u[i]
        path.append(list(x))
    return path


def ref_adadelta(obj, x0, steps, lr, rho, eps, weight_decay):
    x = [float(xi) for xi in x0]
    square_avg = [0.0] * len(x)
    acc_delta = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            gi = g[i] + weight_decay * x[i]
            square_avg[i] = rho * square_avg[i] + (1 - rho) * gi * gi
            delta = math.sqrt(acc_delta[i] + eps) / math.sqrt(square_avg[i] + eps) * gi
            acc_delta[i] = rho * acc_delta[i] + (1 - rho) * delta * delta
            x[i] = x[i] - lr * delta
        path.append(list(x))
    return path


def ref_lion(obj, x0, steps, lr, beta1, beta2, weight_decay):
    x = [float(xi) for xi in x0]
    m = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            c = beta1 * m[i] + (1 - beta1) * g[i]
            x[i] = x[i] - lr * ((c > 0) - (c < 0) + weight_decay * x[i])
            m[i] = beta2 * m[i] + (1 - beta2) * g[i]
        path.append(list(x))
    return path


def ref_qhm(obj, x0, steps, lr, nu, beta):
    x = [float(xi) for xi in x0]
    b = [0.0] * len(x)
    path = [list(x)]
    for _ in range(steps):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            b[i] = beta * b[i] + (1 - beta) * g[i]
            x[i] = x[i] - lr * ((1 - nu) * g[i] + nu * b[i])
        path.append(list(x))
    return path


REFERENCES = {"sgd": ref_sgd, "momentum": ref_momentum, "nesterov": ref_nesterov, "adagrad": ref_adagrad,
              "rmsprop": ref_rmsprop, "adam": ref_adam, "adamw": ref_adam, "nadam": ref_nadam, "radam": ref_radam,
              "adamax": ref_adamax, "adadelta": ref_adadelta, "lion": ref_lion, "qhm": ref_qhm}

# (optimizer, hyperparameters) per objective: several settings each, step sizes that keep the path well inside
# the region where rounding is not amplified (rosenbrock's largest curvature at its start is about 1900).
GROUND_TRUTH = {
    "rosenbrock": [
        ("sgd", {"lr": 2e-4}),
        ("sgd", {"lr": 5e-4}),
        ("momentum", {"lr": 1e-4}),
        ("momentum", {"lr": 3e-4, "rho": 0.5}),
        ("nesterov", {"lr": 1e-4}),
        ("nesterov", {"lr": 3e-4, "rho": 0.6}),
        ("adagrad", {"lr": 0.05}),
        ("adagrad", {"lr": 0.2, "eps": 1e-3}),
        ("rmsprop", {"lr": 1e-3}),
        ("rmsprop", {"lr": 1e-3, "decay_rate": 0.9}),
        ("rmsprop", {"lr": 3e-3, "decay_rate": 0.0, "eps": 1e-4}),
        ("adam", {"lr": 1e-2}),
        ("adam", {"lr": 1e-2, "bias_correction": False}),
        ("adam", {"lr": 1e-2, "beta2": 0.9, "amsgrad": True}),
        ("adam", {"lr": 1e-2, "beta1": 0.0, "beta2": 0.5, "amsgrad": True, "bias_correction": False}),
        ("adamw", {"lr": 1e-2}),
        ("adamw", {"lr": 1e-2, "weight_decay": 0.5, "beta2": 0.9, "amsgrad": True}),
        ("adamw", {"lr": 1e-2, "weight_decay": 0.1, "bias_correction": False}),
        ("sgd", {"lr": 2e-4, "weight_decay": 0.5}),
        ("sgd", {"lr": 1e-3, "line_search": "armijo"}),
        ("sgd", {"lr": 1.0, "line_search": "armijo", "weight_decay": 0.1}),
        ("momentum", {"lr": 1e-4, "weight_decay": 0.5}),
        ("nesterov", {"lr": 1e-4, "rho": 0.6, "weight_decay": 2.0}),
        ("nadam", {}),
        ("nadam", {"lr": 1e-2, "beta2": 0.99, "weight_decay": 0.1, "momentum_decay": 0.05}),
        ("radam", {"lr": 1e-2}),
        ("radam", {"lr": 1e-2, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.1}),
        ("adamax", {"lr": 1e-2}),
        ("adamax", {"lr": 1e-2, "beta2": 0.5, "eps": 1e-3, "weight_decay": 0.1}),
        ("adadelta", {}),
        ("adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
        ("lion", {"lr": 1e-2}),
        ("lion", {"lr": 1e-2, "beta1": 0.5, "beta2": 0.9, "weight_decay": 0.3}),
        ("qhm", {"lr": 5e-4}),
        ("qhm", {"lr": 5e-4, "nu": 1.0, "beta": 0.9}),
    ],
    "quadratic": [
        ("sgd", {"lr": 0.1}),
        ("sgd", {"lr": 0.19}),
        ("momentum", {"lr": 0.05}),
        ("momentum", {"lr": 0.02, "rho": 0.3}),
        ("nesterov", {"lr": 0.05}),
        ("nesterov", {"lr": 0.1, "rho": 0.5}),
        ("adagrad", {"lr": 0.5}),
        ("rmsprop", {"lr": 1e-2}),
        ("rmsprop", {"lr": 1e-2, "decay_rate": 0.9}),
        ("adam", {"lr": 0.05}),
        ("adam", {"lr": 0.05, "bias_correction": False}),
        ("adam", {"lr": 0.05, "beta2": 0.9, "amsgrad": True}),
        ("adamw", {"lr": 0.05, "weight_decay": 0.3}),
        ("adamw", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "bias_correction": False}),
        ("sgd", {"lr": 0.1, "weight_decay": 0.3}),
        ("sgd", {"lr": 0.5, "line_search": "armijo"}),
        ("momentum", {"lr": 0.02, "rho": 0.3, "weight_decay": 0.3}),
        ("nesterov", {"lr": 0.05, "weight_decay": 0.3}),
        ("nadam", {"lr": 0.05}),
        ("radam", {"lr": 0.05, "beta2": 0.99}),
        ("adamax", {"lr": 0.05}),
        ("adadelta", {"lr": 2.0}),
        ("lion", {"lr": 0.01, "weight_decay": 0.1}),
        ("qhm", {"lr": 0.1, "nu": 0.3, "beta": 0.5}),
    ],
}


def _ids(case):
    name, hp = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in hp.items()) + ")"


@pytest.mark.parametrize("objective, name, hp", [
    pytest.param(obj, name, hp, id=f"{obj}-{_ids((name, hp))}") for obj, cases in GROUND_TRUTH.items()
    for name, hp in cases])
def test_matches_the_plain_loop(objective, name, hp):
    opt = make_optimizer(name, **hp)
    obj = OBJECTIVES[objective]
    got, _ = run(opt, obj, START[objective], STEPS)
    expected = np.array(REFERENCES[name](obj, START[objective], STEPS, **opt.hyperparameters))
    assert np.all(np.isfinite(expected))
    assert np.abs(expected[-1] - expected[0]).max() > 1e-3  # the path really moved
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("objective", ["rosenbrock", "quadratic"])
@pytest.mark.parametrize("name, variant", [
    ("adam", {"bias_correction": False}),
    ("adam", {"amsgrad": True}),
    ("adamw", {"amsgrad": True}),
    ("rmsprop", {"decay_rate": 0.5}),
])
def test_hyperparameter_variants_change_the_path(objective, name, variant):
    """The variants in the ground-truth table are not vacuous: each really changes the path."""
    obj = OBJECTIVES[objective]
    base = {"lr": 1e-2, "beta2": 0.9} if name.startswith("adam") else {"lr": 1e-3}
    plain, _ = run(make_optimizer(name, **base), obj, START[objective], STEPS)
    changed, _ = run(make_optimizer(name, **base, **variant), obj, START[objective], STEPS)
    assert np.abs(plain - changed).max() > 1e-6


# ---------------------------------------------------------------------------------------------------------------------
# Closed forms.

@pytest.mark.parametrize("kappa, angle, lr", [(10, 30, 0.1), (10, 30, 0.19), (1, 0, 0.5), (50, -75, 0.01),
                                              (4, 120, 0.3)])
def test_gradient_descent_on_a_quadratic_is_a_matrix_power(kappa, angle, lr):
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    x0 = np.array([-1.8, 1.2])
    path, _ = run(make_optimizer("sgd", lr=lr), obj, x0, 60)
    m = np.eye(2) - lr * obj.A
    for t in (0, 1, 2, 7, 30, 60):
        np.testing.assert_allclose(path[t], np.linalg.matrix_power(m, t) @ x0, rtol=0, atol=1e-12)


GRADS = [np.array([3.0, -0.5]), np.array([-1e-3, 250.0]), np.array([[1.0, -2.0], [0.01, 7.0]])]


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_first_step_is_lr_times_sign(g, lr):
    opt = make_optimizer("adam", lr=lr)
    x = np.zeros_like(g)
    step, state = opt.update(g, opt.init(x), x)
    np.testing.assert_allclose(step, -lr * g / (np.abs(g) + 1e-8), rtol=1e-14, atol=0)
    # lr·sign(g) up to eps: |step + lr·sign(g)| = lr·eps/(|g| + eps)
    assert np.all(np.abs(step + lr * np.sign(g)) <= lr * 1e-8 / np.abs(g) + 4 * np.spacing(lr))
    assert np.all(np.abs(step + lr * np.sign(g)) > 0)  # eps is really there
    assert state.count == 1


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("beta1, beta2", [(0.9, 0.999), (0.5, 0.99), (0.0, 0.9)])
def test_adam_first_step_without_bias_correction_is_large(g, beta1, beta2):
    lr = 1e-2
    opt = make_optimizer("adam", lr=lr, beta1=beta1, beta2=beta2, bias_correction=False)
    x = np.zeros_like(g)
    step, _ = opt.update(g, opt.init(x), x)
    exact = -lr * (1 - beta1) * g / (math.sqrt(1 - beta2) * np.abs(g) + 1e-8)
    np.testing.assert_allclose(step, exact, rtol=1e-14)
    factor = (1 - beta1) / math.sqrt(1 - beta2)
    np.testing.assert_allclose(step, -lr * factor * np.sign(g), rtol=1e-3)  # eps/(√(1 − β2)·|g|) ≤ 3e-4


def test_adam_first_step_without_bias_correction_is_the_lectures_3_16_lr():
    """The lecture's "very large first step": (1 − 0.9)/√(1 − 0.999) = 3.162... times lr, from the defaults."""
    opt = make_optimizer("adam", bias_correction="false")  # a string, as from a settings file
    g = np.array([0.2, -40.0])
    step, _ = opt.update(g, opt.init(np.zeros(2)), np.zeros(2))
    np.testing.assert_allclose(step / 1e-3, [-math.sqrt(10), math.sqrt(10)], rtol=1e-5)  # 0.1/√0.001 = √10


def test_momentum_three_steps_by_hand():
    """f = ½|x|² (so g = x), x₀ = (1, −2), lr = 0.1, rho = 0.9:
    step 1: g = (1, −2);        v = (1, −2);                      x = (1, −2) − 0.1·(1, −2) = (0.9, −1.8)
    step 2: g = (0.9, −1.8);    v = 0.9·(1, −2) + g = (1.8, −3.6);  x = (0.9, −1.8) − (0.18, −0.36) = (0.72, −1.44)
    step 3: g = (0.72, −1.44);  v = 0.9·(1.8, −3.6) + g = (1.62 + 0.72, ...) = (2.34, −4.68);
            x = (0.72, −1.44) − (0.234, −0.468) = (0.486, −0.972)
    The first coordinate is the example in momentum's docstring.
    """
    opt = make_optimizer("momentum", lr=0.1, rho=0.9)
    x = np.array([1.0, -2.0])
    state = opt.init(x)
    xs, vs = [], []
    for _ in range(3):
        step, state = opt.update(x.copy(), state, x)  # g = x
        x = x + step
        xs.append(x)
        vs.append(state.v)
    np.testing.assert_allclose(vs, [[1.0, -2.0], [1.8, -3.6], [2.34, -4.68]], rtol=1e-14)
    np.testing.assert_allclose(xs, [[0.9, -1.8], [0.72, -1.44], [0.486, -0.972]], rtol=1e-14)


def test_momentum_docstring_example():
    """The docstring's example (f = ½x², x₀ = 1, lr = 0.1, rho = 0.9) is what the code does."""
    import re

    from lab.optimizers import momentum
    found = re.search(r"v = ([\d., ]+); x = ([\d., ]+)\.", momentum.__doc__)
    assert found, "momentum's docstring example changed form"
    v_doc = [float(a) for a in found.group(1).split(",")]
    x_doc = [float(a) for a in found.group(2).split(",")]
    opt = make_optimizer("momentum", lr=0.1, rho=0.9)
    x, state, xs, vs = np.array([1.0]), opt.init(np.array([1.0])), [], []
    for _ in range(len(x_doc)):
        step, state = opt.update(x.copy(), state, x)
        x = x + step
        xs.append(float(x[0]))
        vs.append(float(state.v[0]))
    np.testing.assert_allclose(vs, v_doc, rtol=1e-12)
    np.testing.assert_allclose(xs, x_doc, rtol=1e-12)


@pytest.mark.parametrize("lr, rho", [(1e-4, 0.9), (5e-4, 0.5), (2e-4, 0.95)])
def test_nesterov_is_the_lectures_lookahead_form(lr, rho):
    """Lecture: v' = ρv − lr·∇f(x + ρv), x' = x + v'. The library reports x̃ = x + ρv."""
    obj = ROSENBROCK
    opt = make_optimizer("nesterov", lr=lr, rho=rho)
    x = np.array([-1.5, 2.0])
    v = np.zeros(2)
    x_lib = x.copy()
    state = opt.init(x_lib)
    for _ in range(50):
        v = rho * v - lr * obj.grad(x + rho * v)
        x = x + v
        step, state = opt.update(obj.grad(x_lib), state, x_lib)
        x_lib = x_lib + step
        np.testing.assert_allclose(x_lib, x + rho * v, rtol=0, atol=1e-12)
        # details() gives back the lecture's position and velocity
        d = opt.details(obj.grad(x_lib), state, x_lib)
        np.testing.assert_allclose(d["position"], x, rtol=0, atol=1e-12)
        np.testing.assert_allclose(d["velocity"], v, rtol=0, atol=1e-12)
    assert np.abs(x - [-1.5, 2.0]).max() > 1e-2


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("lr, eps", [(0.01, 1e-10), (0.5, 1e-3)])
def test_adagrad_first_step(g, lr, eps):
    opt = make_optimizer("adagrad", lr=lr, eps=eps)
    step, _ = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_allclose(step, -lr * g / (np.abs(g) + eps), rtol=1e-14, atol=0)


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("decay_rate", [0.99, 0.9, 0.0])
def test_rmsprop_first_step(g, decay_rate):
    lr, eps = 0.01, 1e-8
    opt = make_optimizer("rmsprop", lr=lr, decay_rate=decay_rate, eps=eps)
    step, _ = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_allclose(step, -lr * g / (math.sqrt(1 - decay_rate) * np.abs(g) + eps), rtol=1e-14)
    if decay_rate == 0.99:  # the docstring's "10·lr"
        np.testing.assert_allclose(np.abs(step), 10 * lr, rtol=1e-4)  # |g| ≥ 1e-3 ≫ eps


@pytest.mark.parametrize("objective", ["rosenbrock", "quadratic"])
@pytest.mark.parametrize("hp", [{}, {"amsgrad": True, "beta2": 0.9}, {"bias_correction": False}])
def test_adamw_without_weight_decay_is_adam(objective, hp):
    obj = OBJECTIVES[objective]
    adam_path, _ = run(make_optimizer("adam", lr=1e-2, **hp), obj, START[objective], 100)
    adamw_path, _ = run(make_optimizer("adamw", lr=1e-2, weight_decay=0.0, **hp), obj, START[objective], 100)
    np.testing.assert_array_equal(adamw_path, adam_path)


def test_adamw_decays_before_the_adam_step():
    """One step by hand from x with g: x·(1 − lr·wd) − lr·sign(g) (Adam's first step, up to eps)."""
    lr, wd = 0.1, 0.5
    opt = make_optimizer("adamw", lr=lr, weight_decay=wd, eps=1e-300)
    x = np.array([2.0, -4.0])
    g = np.array([1.0, 1.0])
    step, _ = opt.update(g, opt.init(x), x)
    np.testing.assert_allclose(x + step, x * (1 - lr * wd) - lr * np.sign(g), rtol=1e-15)


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("beta1", [0.9, 0.0])
def test_lion_steps_lr_times_the_sign(g, beta1):
    """m₀ = 0: c = (1 − β₁)·g, so the first step is exactly −lr·sign(g); with decay −lr·(sign(g) + wd·x)."""
    x = np.full_like(g, 2.0)
    for wd in (0.0, 0.25):
        opt = make_optimizer("lion", lr=0.01, beta1=beta1, weight_decay=wd)
        step, state = opt.update(g, opt.init(x), x)
        np.testing.assert_array_equal(step, -0.01 * (np.sign(g) + wd * x))
        np.testing.assert_allclose(state.m, (1 - 0.99) * g, rtol=1e-15)
    step, _ = opt.update(np.zeros_like(g), opt.init(x), np.zeros_like(g))
    np.testing.assert_array_equal(step, np.zeros_like(g))  # sign(0) = 0


def test_lion_follows_the_momentum_not_the_last_gradient():
    """β₁ = 0.9: after m = 1, a gradient of −2 still steps with sign(0.9·1 − 0.1·2) = +1 (down along +g)."""
    opt = make_optimizer("lion", lr=0.1, beta1=0.9, beta2=0.0)
    state = opt.init(np.zeros(1))
    _, state = opt.update(np.array([1.0]), state, np.zeros(1))  # m = β₂·0 + (1 − β₂)·1 = 1
    step, state = opt.update(np.array([-2.0]), state, np.zeros(1))
    np.testing.assert_array_equal(step, [-0.1])
    np.testing.assert_array_equal(state.m, [-2.0])


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
def test_adamax_first_step(g):
    """m₁ = (1 − β₁)g, u₁ = |g| + eps: the step −lr·g/(|g| + eps) ≈ −lr·sign(g)."""
    opt = make_optimizer("adamax", lr=0.01)
    step, state = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_allclose(step, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_array_equal(state.u, np.abs(g) + 1e-8)


def test_adamax_keeps_the_decayed_maximum():
    # β₂ = 0.5, |g| = 8 then 1: u = max(0.5·(8 + eps), 1 + eps) = 4 + eps/2; then g = 3: u = max(2 + eps/4, 3 + eps)
    opt = make_optimizer("adamax", lr=0.1, beta2=0.5, eps=1e-8)
    state = _feed(opt, [np.array([-8.0]), np.array([1.0])])
    np.testing.assert_array_equal(state.u, [0.5 * (8.0 + 1e-8)])
    state = _feed(opt, [np.array([-8.0]), np.array([1.0]), np.array([3.0])])
    np.testing.assert_array_equal(state.u, [3.0 + 1e-8])


@pytest.mark.parametrize("g", GRADS, ids=["simple", "scales", "batch"])
@pytest.mark.parametrize("rho, eps", [(0.9, 1e-6), (0.5, 1e-3)])
def test_adadelta_first_step_is_small(g, rho, eps):
    """E[Δ²] = 0: the first step is lr·√eps·g/√((1 − ρ)g² + eps), the docstring's slow start."""
    opt = make_optimizer("adadelta", rho=rho, eps=eps)
    step, _ = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_allclose(step, -math.sqrt(eps) * g / np.sqrt((1 - rho) * g * g + eps), rtol=1e-14)
    if rho == 0.9:
        big = np.abs(g) > 0.1
        np.testing.assert_allclose(np.abs(step)[big], math.sqrt(eps / (1 - rho)), rtol=1e-3)


@pytest.mark.parametrize("objective", ["rosenbrock", "quadratic"])
def test_qhm_with_nu_zero_is_gradient_descent(objective):
    obj = OBJECTIVES[objective]
    lr = 2e-4 if objective == "rosenbrock" else 0.1
    qhm_path, _ = run(make_optimizer("qhm", lr=lr, nu=0.0, beta=0.9), obj, START[objective], 100)
    sgd_path, _ = run(make_optimizer("sgd", lr=lr), obj, START[objective], 100)
    np.testing.assert_array_equal(qhm_path, sgd_path)


def test_qhm_with_nu_one_is_momentum_with_a_running_mean():
    """ν = 1: b ← βb + (1 − β)g, x ← x − lr·b, which is momentum (v ← ρv + g) with lr·(1 − β) and ρ = β."""
    obj, beta, lr = ROSENBROCK, 0.9, 1e-3
    qhm_path, _ = run(make_optimizer("qhm", lr=lr, nu=1.0, beta=beta), obj, START["rosenbrock"], STEPS)
    mom_path, _ = run(make_optimizer("momentum", lr=lr * (1 - beta), rho=beta), obj, START["rosenbrock"], STEPS)
    np.testing.assert_allclose(qhm_path, mom_path, rtol=0, atol=1e-10)


@pytest.mark.parametrize("objective", ["rosenbrock", "quadratic"])
def test_radam_starts_with_plain_momentum_steps(objective):
    """ρₜ ≤ 5 for t ≤ 5 with β₂ = 0.999 (t = 6: 5.0..., rectified): with β₁ = 0 those steps are −lr·g exactly."""
    from lab.optimizers.radam import rectification

    assert [rectification(t, 0.999)[1] is None for t in range(1, 8)] == [True] * 5 + [False] * 2
    obj = OBJECTIVES[objective]
    lr = 2e-4 if objective == "rosenbrock" else 0.01
    radam_path, _ = run(make_optimizer("radam", lr=lr, beta1=0.0), obj, START[objective], 8)
    sgd_path, _ = run(make_optimizer("sgd", lr=lr), obj, START[objective], 8)
    np.testing.assert_array_equal(radam_path[:6], sgd_path[:6])
    assert np.abs(radam_path[7] - sgd_path[7]).max() > 1e-6


def test_nadam_momentum_schedule_and_first_step():
    """μ₁ = 0.9·(1 − ½·0.96^0.004), μ₂ likewise; the first step with m₁ = 0.1g, v̂₁ = g²:
    −lr·[(1 − μ₁)/(1 − μ₁) + μ₂·0.1/(1 − μ₁μ₂)]·g/(|g| + eps)."""
    mu1 = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
    g = np.array([3.0, -0.5])
    opt = make_optimizer("nadam")
    step, state = opt.update(g, opt.init(g), np.zeros(2))
    np.testing.assert_allclose(step, -2e-3 * (1 + mu2 * 0.1 / (1 - mu1 * mu2)) * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(state.mu_product, [mu1, mu1], rtol=1e-15)
    _, state = opt.update(g, state, np.zeros(2))
    np.testing.assert_allclose(state.mu_product, [mu1 * mu2, mu1 * mu2], rtol=1e-15)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov"])
def test_weight_decay_is_gradient_descent_on_the_penalised_objective(name):
    """g + wd·x is the gradient of f + ½·wd·|x|²: on f = ½x², wd = 1 is the same path as f = x² (g = 2x) without it.
    sgd's docstring: lr = 0.1 from 1 gives 0.8, 0.64."""
    opt = make_optimizer(name, lr=0.1, weight_decay=1.0)
    plain = make_optimizer(name, lr=0.1)
    x = y = np.array([1.0])
    s, s_plain = opt.init(x), plain.init(y)
    xs = []
    for _ in range(10):
        step, s = opt.update(x.copy(), s, x)  # f = ½x²: g = x
        step_plain, s_plain = plain.update(2 * y, s_plain, y)  # f = x²: g = 2x
        x, y = x + step, y + step_plain
        np.testing.assert_array_equal(x, y)
        xs.append(float(x[0]))
    if name == "sgd":
        np.testing.assert_allclose(xs[:2], [0.8, 0.64], rtol=1e-15)


def ref_rmsprop_bias_corrected(obj, x0, steps, lr, beta2, eps):
    """RMSProp with Adam's bias correction of the second moment: what Adam is with beta1 = 0."""
    x = [float(xi) for xi in x0]
    s = [0.0] * len(x)
    path = [list(x)]
    for t in range(1, steps + 1):
        g = grad_floats(obj, x)
        for i in range(len(x)):
            s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i]
            s_hat = s[i] / (1 - beta2 ** t)
            x[i] = x[i] - lr * g[i] / (math.sqrt(s_hat) + eps)
        path.append(list(x))
    return path


@pytest.mark.parametrize("objective", ["rosenbrock", "quadratic"])
@pytest.mark.parametrize("beta2", [0.999, 0.9])
def test_adam_with_beta1_zero_is_bias_corrected_rmsprop(objective, beta2):
    obj = OBJECTIVES[objective]
    got, _ = run(make_optimizer("adam", lr=1e-2, beta1=0.0, beta2=beta2), obj, START[objective], STEPS)
    expected = ref_rmsprop_bias_corrected(obj, START[objective], STEPS, 1e-2, beta2, 1e-8)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("objective", [n for n, spec in ALL_OBJECTIVES.items()
                                       if not getattr(spec.make(), "stochastic", False)])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_small_first_step_goes_downhill(name, objective):
    """Every optimizer, on every registered objective, from its start: a small step lowers f."""
    obj = make_objective(objective)
    x = obj.start
    g = obj.grad(x)
    assert np.abs(g).max() > 1e-6, "a start should not be a stationary point"
    opt = make_optimizer(name, lr=1e-6)
    step, _ = opt.update(g, opt.init(x), x, obj)
    assert np.abs(step).max() > 0
    if name != "lbfgs":  # (its line search may stretch the step)
        assert np.abs(step).max() < 1e-2
    assert g @ step < 0
    assert obj.value(x + step) < obj.value(x)


# ---------------------------------------------------------------------------------------------------------------------
# Batching: K starts in one array move exactly as K separate runs.

BATCHED = list(OPTIMIZERS)
BATCH_HP = {"sgd": {"lr": 2e-4}, "momentum": {"lr": 1e-4}, "nesterov": {"lr": 1e-4}, "adagrad": {"lr": 0.05},
            "rmsprop": {"lr": 1e-3}, "adam": {"lr": 1e-2, "amsgrad": True}, "adamw": {"lr": 1e-2},
            "newton": {"lr": 0.5, "damping": 0.1}, "nadam": {"lr": 1e-2, "weight_decay": 0.1},
            "radam": {"lr": 2e-4}, "adamax": {"lr": 1e-2}, "adadelta": {"weight_decay": 0.1},
            "lion": {"lr": 1e-2, "weight_decay": 0.1}, "qhm": {"lr": 5e-4}, "lbfgs": {"lr": 1.0}}


def test_batched_flags():
    assert sorted(BATCHED) == sorted(BATCH_HP)
    for name in OPTIMIZERS:
        assert make_optimizer(name).batched


@pytest.mark.parametrize("name", BATCHED)
def test_batch_equals_separate_runs(name):
    rng = np.random.default_rng(7)
    starts = np.column_stack([rng.uniform(-2, 2, 7), rng.uniform(-1, 3, 7)])
    opt = make_optimizer(name, **BATCH_HP[name])
    batch, _ = run(opt, ROSENBROCK, starts, 40)
    assert batch.shape == (41, 7, 2)
    for k in range(7):
        alone, _ = run(opt, ROSENBROCK, starts[k], 40)
        np.testing.assert_allclose(batch[:, k], alone, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(batch))


@pytest.mark.parametrize("line_search", ["strong_wolfe", "none"])
def test_batched_lbfgs_takes_each_points_one_point_bits(line_search):
    """Per-point histories, per-point lr, points that converge at different steps: each point of the batch is its
    one-point run, bit for bit (positions, history length, line-search evaluations)."""
    rng = np.random.default_rng(9)
    starts = np.column_stack([rng.uniform(-2, 2, 6), rng.uniform(-1, 3, 6)])
    lrs = np.array([1.0, 0.5, 0.25, 1.0, 0.1, 0.75]) if line_search == "strong_wolfe" else np.full(6, 2e-3)
    from lab.optimizers import optimizer_spec

    batch_opt = optimizer_spec("lbfgs").build(lr=lrs[:, None], line_search=line_search, history_size=3)  # as the engine
    batch, state = run(batch_opt, ROSENBROCK, starts, 25)
    assert state.n.max() == 3  # histories filled, and then shifted
    for k in range(6):
        alone, alone_state = run(make_optimizer("lbfgs", lr=float(lrs[k]), line_search=line_search, history_size=3),
                                 ROSENBROCK, starts[k], 25)
        np.testing.assert_array_equal(batch[:, k], alone)
        assert state.n[k] == len(alone_state.s) and state.evaluations[k] == alone_state.evaluations
        if len(alone_state.s):
            np.testing.assert_array_equal(state.s[k, -len(alone_state.s):], np.array(alone_state.s))


@pytest.mark.parametrize("hp", [{"lr": 0.05, "line_search": "armijo"},
                                {"lr": 1.0, "line_search": "armijo", "weight_decay": 0.1},
                                {"lr": 2e-4, "weight_decay": 0.5}, {"lr": 1e-4, "rho": 0.5, "weight_decay": 0.5}])
def test_batch_equals_separate_runs_with_weight_decay_and_the_line_search(hp):
    name = "momentum" if "rho" in hp else "sgd"
    rng = np.random.default_rng(8)
    starts = np.column_stack([rng.uniform(-2, 2, 6), rng.uniform(-1, 3, 6)])
    opt = make_optimizer(name, **hp)
    batch, state = run(opt, ROSENBROCK, starts, 30)
    for k in range(6):
        alone, alone_state = run(opt, ROSENBROCK, starts[k], 30)
        np.testing.assert_array_equal(batch[:, k], alone)
        if "line_search" in hp:
            assert state.evaluations[k] == alone_state.evaluations and state.alpha[k] == alone_state.alpha
    assert np.all(np.isfinite(batch))


# ---------------------------------------------------------------------------------------------------------------------
# Validation: one table of bad hyperparameters and what the message must say.

NAN, INF = float("nan"), float("inf")
BAD = [
    # name, hyperparameters, fragments of the message
    ("sgd", {"lr": 0}, ["lr=0", "0 < lr"]),
    ("sgd", {"lr": -0.1}, ["lr=-0.1", "0 < lr"]),
    ("sgd", {"lr": NAN}, ["lr=nan", "0 < lr", "finite"]),
    ("adam", {"lr": INF}, ["lr=inf", "0 < lr", "finite"]),
    ("momentum", {"lr": -INF}, ["lr=-inf", "0 < lr"]),
    ("newton", {"lr": 0.0}, ["lr=0.0", "0 < lr"]),
    ("lbfgs", {"lr": -1}, ["lr=-1", "0 < lr"]),
    ("sgd", {"lr": "fast"}, ["lr=fast", "0 < lr"]),
    ("sgd", {"lr": True}, ["lr=True", "0 < lr"]),
    ("sgd", {"lr": None}, ["lr=None", "0 < lr"]),
    ("momentum", {"rho": 1}, ["rho=1", "0 <= rho < 1"]),
    ("momentum", {"rho": -0.1}, ["rho=-0.1", "0 <= rho < 1"]),
    ("nesterov", {"rho": 1.5}, ["rho=1.5", "0 <= rho < 1"]),
    ("nesterov", {"rho": NAN}, ["rho=nan", "0 <= rho < 1"]),
    ("adam", {"beta1": 1.0}, ["beta1=1.0", "0 <= beta1 < 1"]),
    ("adam", {"beta1": -0.5}, ["beta1=-0.5", "0 <= beta1 < 1"]),
    ("adam", {"beta2": 1}, ["beta2=1", "0 <= beta2 < 1"]),
    ("adam", {"beta2": -1e-9}, ["beta2=-1e-09", "0 <= beta2 < 1"]),
    ("adamw", {"beta1": 1}, ["beta1=1", "0 <= beta1 < 1"]),
    ("adamw", {"beta2": 2}, ["beta2=2", "0 <= beta2 < 1"]),
    ("adam", {"eps": 0}, ["eps=0", "0 < eps"]),
    ("adamw", {"eps": -1e-8}, ["eps=-1e-08", "0 < eps"]),
    ("adagrad", {"eps": 0.0}, ["eps=0.0", "0 < eps"]),
    ("rmsprop", {"eps": -1}, ["eps=-1", "0 < eps"]),
    ("rmsprop", {"decay_rate": 1}, ["decay_rate=1", "0 <= decay_rate < 1"]),
    ("rmsprop", {"decay_rate": -0.01}, ["decay_rate=-0.01", "0 <= decay_rate < 1"]),
    ("adamw", {"weight_decay": -0.01}, ["weight_decay=-0.01", "0 <= weight_decay"]),
    ("adamw", {"weight_decay": INF}, ["weight_decay=inf", "0 <= weight_decay"]),
    ("newton", {"damping": -1e-3}, ["damping=-0.001", "0 <= damping"]),
    ("lbfgs", {"history_size": 0}, ["history_size=0", "1 <= history_size", "whole number"]),
    ("lbfgs", {"history_size": -3}, ["history_size=-3", "1 <= history_size"]),
    ("lbfgs", {"history_size": 2.5}, ["history_size=2.5", "1 <= history_size", "whole number"]),
    ("lbfgs", {"line_search": "armijo"}, ["line_search=armijo", "'strong_wolfe'", "'none'"]),
    ("adam", {"bias_correction": "maybe"}, ["bias_correction=maybe", "true or false"]),
    ("adam", {"amsgrad": 1}, ["amsgrad=1", "true or false"]),
    ("adamw", {"amsgrad": "yes"}, ["amsgrad=yes", "true or false"]),
    # the shared pieces every first-order optimizer takes: schedules and clipping
    ("adam", {"schedule": "cosinus"}, ["schedule=cosinus", "'constant'", "'warmup_cosine'"]),
    ("sgd", {"gamma": 0}, ["gamma=0", "0 < gamma <= 1"]),
    ("momentum", {"gamma": 1.5}, ["gamma=1.5", "0 < gamma <= 1"]),
    ("adamw", {"t_max": 0}, ["t_max=0", "1 <= t_max", "whole number"]),
    ("rmsprop", {"step_size": 0}, ["step_size=0", "1 <= step_size"]),
    ("nesterov", {"warmup": 2.5}, ["warmup=2.5", "whole number"]),
    ("adagrad", {"clip_norm": -1}, ["clip_norm=-1", "0 < clip_norm"]),
    ("sgd", {"clip_value": 0}, ["clip_value=0", "0 < clip_value"]),
    ("adam", {"lr_min": -0.1}, ["lr_min=-0.1", "0 <= lr_min"]),
    ("adam", {"lr_min": 0.01, "lr": 0.01}, ["lr_min=0.01", "lr_min < lr"]),
    ("sgd", {"lr_min": 0.5, "lr": 0.1, "schedule": "cosine"}, ["lr_min=0.5", "lr_min < lr (lr=0.1)"]),
    # unknown names: the message names the stranger and lists the known parameters
    ("sgd", {"rho": 0.9}, ["'rho'", "lr"]),
    ("adam", {"weight_decay": 0.01}, ["'weight_decay'", "beta1", "amsgrad"]),
    ("newton", {"learning_rate": 1.0}, ["'learning_rate'", "damping"]),
    ("lbfgs", {"history": 5}, ["'history'", "history_size", "line_search"]),
    ("sgd", {"weight_decay": -1}, ["weight_decay=-1", "0 <= weight_decay"]),
    ("momentum", {"weight_decay": NAN}, ["weight_decay=nan", "0 <= weight_decay"]),
    ("nesterov", {"weight_decay": "heavy"}, ["weight_decay=heavy", "0 <= weight_decay"]),
    ("sgd", {"line_search": "wolfe"}, ["line_search=wolfe", "'none'", "'armijo'"]),
    ("nadam", {"lr": 0}, ["lr=0", "0 < lr"]),
    ("nadam", {"beta1": 1}, ["beta1=1", "0 <= beta1 < 1"]),
    ("nadam", {"beta2": -0.1}, ["beta2=-0.1", "0 <= beta2 < 1"]),
    ("nadam", {"eps": 0}, ["eps=0", "0 < eps"]),
    ("nadam", {"weight_decay": -0.5}, ["weight_decay=-0.5", "0 <= weight_decay"]),
    ("nadam", {"momentum_decay": -0.004}, ["momentum_decay=-0.004", "0 <= momentum_decay"]),
    ("radam", {"beta2": 1.0}, ["beta2=1.0", "0 <= beta2 < 1"]),
    ("radam", {"eps": -1e-8}, ["eps=-1e-08", "0 < eps"]),
    ("radam", {"weight_decay": INF}, ["weight_decay=inf", "0 <= weight_decay"]),
    ("adamax", {"beta1": 1.5}, ["beta1=1.5", "0 <= beta1 < 1"]),
    ("adamax", {"eps": 0.0}, ["eps=0.0", "0 < eps"]),
    ("adadelta", {"rho": 1}, ["rho=1", "0 <= rho < 1"]),
    ("adadelta", {"eps": 0}, ["eps=0", "0 < eps"]),
    ("adadelta", {"lr": -1.0}, ["lr=-1.0", "0 < lr"]),
    ("lion", {"beta1": 1}, ["beta1=1", "0 <= beta1 < 1"]),
    ("lion", {"beta2": -0.01}, ["beta2=-0.01", "0 <= beta2 < 1"]),
    ("lion", {"weight_decay": -0.1}, ["weight_decay=-0.1", "0 <= weight_decay"]),
    ("qhm", {"nu": 1.1}, ["nu=1.1", "0 <= nu <= 1"]),
    ("qhm", {"nu": -0.1}, ["nu=-0.1", "0 <= nu <= 1"]),
    ("qhm", {"beta": 1}, ["beta=1", "0 <= beta < 1"]),
    ("qhm", {"eps": 1e-8}, ["'eps'", "nu", "beta"]),
]


@pytest.mark.parametrize("name, hp, fragments", BAD, ids=[_ids((n, h)) for n, h, _ in BAD])
def test_bad_hyperparameters_are_refused(name, hp, fragments):
    with pytest.raises(LabError) as info:
        make_optimizer(name, **hp)
    message = str(info.value)
    assert f"'{name}'" in message
    assert next(iter(hp)) in message or "lr_min" in hp
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "\n" not in message


def test_every_range_rule_is_in_the_table():
    """Every hyperparameter of every optimizer has at least one bad value in BAD."""
    covered = {next(iter(h)) for _, h, _ in BAD}
    for name, spec in OPTIMIZERS.items():
        for p in spec.params:
            assert p.name in covered, (name, p.name)


@pytest.mark.parametrize("name", ["adamx", "", "Adam", "l-bfgs", None])
def test_unknown_optimizer_lists_the_valid_names(name):
    with pytest.raises(LabError) as info:
        make_optimizer(name)
    message = str(info.value)
    assert repr(name) in message
    for valid in OPTIMIZERS:
        assert valid in message


GOOD = [
    ("momentum", {"rho": 0}, {"rho": 0.0}),
    ("adam", {"beta1": 0, "beta2": 0}, {"beta1": 0.0, "beta2": 0.0}),
    ("rmsprop", {"decay_rate": 0}, {"decay_rate": 0.0}),
    ("newton", {"damping": 0}, {"damping": 0.0}),
    ("adamw", {"weight_decay": 0}, {"weight_decay": 0.0}),
    ("lbfgs", {"history_size": 1}, {"history_size": 1}),
    ("lbfgs", {"history_size": 4.0}, {"history_size": 4}),
    ("lbfgs", {"line_search": "none"}, {"line_search": "none"}),
    ("sgd", {"line_search": "armijo", "weight_decay": 0}, {"line_search": "armijo", "weight_decay": 0.0}),
    ("qhm", {"nu": 1, "beta": 0}, {"nu": 1.0, "beta": 0.0}),
    ("lion", {"weight_decay": "0.5"}, {"weight_decay": 0.5}),
    ("sgd", {"lr": 1e-300}, {"lr": 1e-300}),
    ("sgd", {"lr": "0.25"}, {"lr": 0.25}),
    ("adam", {"bias_correction": "false", "amsgrad": "true"}, {"bias_correction": False, "amsgrad": True}),
    ("adamw", {"bias_correction": " False ", "amsgrad": "TRUE"}, {"bias_correction": False, "amsgrad": True}),
    ("adam", {"bias_correction": False, "amsgrad": True}, {"bias_correction": False, "amsgrad": True}),
]


@pytest.mark.parametrize("name, hp, expected", GOOD, ids=[_ids((n, h)) for n, h, _ in GOOD])
def test_good_hyperparameters_are_accepted_and_converted(name, hp, expected):
    opt = make_optimizer(name, **hp)
    for key, value in expected.items():
        assert opt.hyperparameters[key] == value
        assert type(opt.hyperparameters[key]) is type(value)


def test_string_booleans_change_the_behaviour():
    g = np.array([1.0, -1.0])
    steps = {}
    for text in ("true", "false"):
        opt = make_optimizer("adam", lr=0.1, bias_correction=text)
        steps[text], _ = opt.update(g, opt.init(g), np.zeros(2))
    np.testing.assert_allclose(steps["true"], [-0.1, 0.1], rtol=1e-7)
    np.testing.assert_allclose(steps["false"], [-0.1 * 0.1 / math.sqrt(0.001), 0.1 * 0.1 / math.sqrt(0.001)],
                               rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------------------
# Purity: the state is a NamedTuple and update() never mutates what it is given.

PURITY_HP = {"lbfgs": {}, "newton": {"damping": 0.5}, **{n: BATCH_HP[n] for n in BATCH_HP if n != "newton"}}


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True) and np.shape(a) == np.shape(b)
    if isinstance(a, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_is_pure(name):
    opt = make_optimizer(name, **PURITY_HP[name])
    x = np.array([-1.2, 1.5])
    state = opt.init(x.copy())
    assert isinstance(state, tuple) and hasattr(type(state), "_fields")
    for _ in range(4):  # a state with some history in it
        x_before, state_before = x.copy(), copy.deepcopy(state)
        g = ROSENBROCK.grad(x)
        g_before = g.copy()
        step, new_state = opt.update(g, state, x, ROSENBROCK)
        assert np.array_equal(x, x_before)
        assert np.array_equal(g, g_before)
        assert _same(state, state_before), "update() changed the state it was given"
        assert isinstance(new_state, tuple) and hasattr(type(new_state), "_fields")
        assert type(new_state) is type(state)
        assert step.shape == x.shape and step is not x and step is not g
        opt.details(g, new_state, x)
        assert np.array_equal(x, x_before) and np.array_equal(g, g_before)
        state, x = new_state, x + step


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_is_reproducible(name):
    """Same inputs, same outputs: no hidden state in the closure."""
    opt = make_optimizer(name, **PURITY_HP[name])
    a, _ = run(opt, ROSENBROCK, (-1.2, 1.5), 10)
    b, _ = run(opt, ROSENBROCK, (-1.2, 1.5), 10)
    np.testing.assert_array_equal(a, b)


CONTRACT_DEFAULTS = {
    "momentum": {"rho": 0.9, "weight_decay": 0.0},
    "nesterov": {"rho": 0.9, "weight_decay": 0.0},
    "adagrad": {"eps": 1e-10},
    "rmsprop": {"decay_rate": 0.99, "eps": 1e-8},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "bias_correction": True, "amsgrad": False},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False,
              "bias_correction": True},
    "newton": {"lr": 1.0, "damping": 0.0},
    "sgd": {"weight_decay": 0.0, "line_search": "none"},
    "nadam": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "momentum_decay": 4e-3},
    "radam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adamax": {"lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "lion": {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
    "qhm": {"lr": 1e-3, "nu": 0.7, "beta": 0.999},
    "lbfgs": {"lr": 1.0, "history_size": 10, "line_search": "strong_wolfe"},
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_are_the_contracts(name):
    hp = make_optimizer(name).hyperparameters
    # the shared pieces (schedule, clipping) are listed only when they are on
    assert set(hp) == {p.name for p in OPTIMIZERS[name].params if p.name not in PIECES}
    for key, value in CONTRACT_DEFAULTS.get(name, {}).items():
        assert hp[key] == value, key
    assert hp["lr"] > 0


def test_repr_shows_name_and_hyperparameters():
    assert repr(make_optimizer("adam")) == ("adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, "
                                            "bias_correction=True, amsgrad=False)")
    assert repr(make_optimizer("momentum", lr=0.05, rho=0.5)) == "momentum(lr=0.05, rho=0.5, weight_decay=0.0)"
    assert repr(make_optimizer("lbfgs", line_search="none")) == "lbfgs(lr=1.0, history_size=10, line_search='none')"
    for name, spec in OPTIMIZERS.items():
        text = repr(make_optimizer(name))
        assert text.startswith(name + "(")
        for p in spec.params:
            assert (f"{p.name}={p.default!r}" in text) != (p.name in PIECES), p.name  # pieces only when on
    assert repr(make_optimizer("sgd", lr=0.1, schedule="exponential", gamma=0.9)) == \
        "sgd(lr=0.1, weight_decay=0.0, line_search='none', schedule='exponential', gamma=0.9)"


# ---------------------------------------------------------------------------------------------------------------------
# details(): what a teacher draws.

@pytest.mark.parametrize("name", ["momentum", "nesterov"])
def test_momentum_velocity_is_minus_lr_v(name):
    lr, rho = 1e-4, 0.9
    opt = make_optimizer(name, lr=lr, rho=rho)
    x = np.array([-1.5, 2.0])
    state = opt.init(x)
    for _ in range(20):
        g = ROSENBROCK.grad(x)
        step, state = opt.update(g, state, x)
        x_new = x + step
        d = opt.details(ROSENBROCK.grad(x_new), state, x_new)
        np.testing.assert_allclose(d["velocity"], -lr * state.v, rtol=1e-15)
        np.testing.assert_array_equal(d["effective_lr"], [lr, lr])
        if name == "momentum":  # the lecture's v is the step just taken
            np.testing.assert_allclose(d["velocity"], x_new - x, rtol=1e-9)
        else:  # the reported x is the lookahead of the lecture's position
            np.testing.assert_allclose(d["position"] + rho * d["velocity"], x_new, rtol=1e-15)
            np.testing.assert_array_equal(d["lookahead"], x_new)
        x = x_new


def _feed(opt, grads):
    """Feed the given gradients (at x = 0) and return the state."""
    x = np.zeros_like(grads[0])
    state = opt.init(x)
    for g in grads:
        _, state = opt.update(g, state, x)
    return state


def test_adagrad_effective_lr_by_hand():
    # g₁ = (3, −4), g₂ = (4, 0): G = (9 + 16, 16 + 0) = (25, 16); √G = (5, 4); effective lr = 0.1/(5, 4)
    opt = make_optimizer("adagrad", lr=0.1, eps=1e-10)
    state = _feed(opt, [np.array([3.0, -4.0]), np.array([4.0, 0.0])])
    d = opt.details(None, state, np.zeros(2))
    np.testing.assert_allclose(d["grad_squared"], [25.0, 16.0], rtol=1e-15)
    np.testing.assert_allclose(d["effective_lr"], [0.1 / (5 + 1e-10), 0.1 / (4 + 1e-10)], rtol=1e-15)


def test_rmsprop_effective_lr_by_hand():
    # decay_rate 0.5, g₁ = (6, 2), g₂ = (0, 6): S₁ = 0.5·(36, 4) = (18, 2);
    # S₂ = 0.5·(18, 2) + 0.5·(0, 36) = (9, 1 + 18) = (9, 19); effective lr = 0.01/(3, √19)
    opt = make_optimizer("rmsprop", lr=0.01, decay_rate=0.5, eps=1e-8)
    state = _feed(opt, [np.array([6.0, 2.0]), np.array([0.0, 6.0])])
    d = opt.details(None, state, np.zeros(2))
    np.testing.assert_allclose(d["grad_squared"], [9.0, 19.0], rtol=1e-15)
    np.testing.assert_allclose(d["effective_lr"], [0.01 / (3 + 1e-8), 0.01 / (math.sqrt(19) + 1e-8)], rtol=1e-14)


def test_adam_details_by_hand():
    # beta1 = 0.5, beta2 = 0.75, g₁ = (4, 2), g₂ = (0, 2):
    # m₁ = 0.5·(4, 2) = (2, 1); m₂ = 0.5·(2, 1) + 0.5·(0, 2) = (1, 1.5); m̂ = m₂/(1 − 0.25) = (4/3, 2)
    # v₁ = 0.25·(16, 4) = (4, 1); v₂ = 0.75·(4, 1) + 0.25·(0, 4) = (3, 1.75); v̂ = v₂/(1 − 0.5625) = (6.857.., 4)
    # effective lr = lr/(√v̂ + eps); velocity = −lr·m̂
    lr, eps = 0.1, 1e-8
    opt = make_optimizer("adam", lr=lr, beta1=0.5, beta2=0.75, eps=eps)
    state = _feed(opt, [np.array([4.0, 2.0]), np.array([0.0, 2.0])])
    assert state.count == 2
    d = opt.details(None, state, np.zeros(2))
    v_hat = np.array([3.0, 1.75]) / 0.4375
    np.testing.assert_allclose(d["first_moment"], [4 / 3, 2.0], rtol=1e-15)
    np.testing.assert_allclose(d["second_moment"], v_hat, rtol=1e-15)
    np.testing.assert_allclose(d["velocity"], [-lr * 4 / 3, -lr * 2.0], rtol=1e-15)
    np.testing.assert_allclose(d["effective_lr"], lr / (np.sqrt(v_hat) + eps), rtol=1e-15)


def test_amsgrad_uses_the_running_maximum():
    # beta1 = 0, beta2 = 0.5, g₁ = 4, g₂ = 0: v₁ = 8, v₂ = 4, v_max = 8.
    # Step 2: m = 0, so no move; details use v_max/(1 − 0.25) = 32/3 (plain Adam: v₂/(0.75) = 16/3).
    lr, eps = 0.1, 1e-8
    grads = [np.array([4.0]), np.array([0.0]), np.array([1.0])]
    ams = make_optimizer("adam", lr=lr, beta1=0.0, beta2=0.5, eps=eps, amsgrad=True)
    plain = make_optimizer("adam", lr=lr, beta1=0.0, beta2=0.5, eps=eps)
    s_ams, s_plain = _feed(ams, grads[:2]), _feed(plain, grads[:2])
    np.testing.assert_allclose(s_ams.nu_max, [8.0])
    np.testing.assert_allclose(s_ams.nu, [4.0])
    np.testing.assert_allclose(ams.details(None, s_ams, np.zeros(1))["second_moment"], [32 / 3], rtol=1e-15)
    np.testing.assert_allclose(plain.details(None, s_plain, np.zeros(1))["second_moment"], [16 / 3], rtol=1e-15)
    # step 3 with g = 1: v₃ = 0.5·4 + 0.5 = 2.5, v_max = 8, v̂ = 8/(1 − 0.125) = 64/7; step = −lr·1/(√(64/7) + eps)
    step, _ = ams.update(grads[2], s_ams, np.zeros(1))
    np.testing.assert_allclose(step, [-lr / (math.sqrt(64 / 7) + eps)], rtol=1e-15)
    step, _ = plain.update(grads[2], s_plain, np.zeros(1))
    np.testing.assert_allclose(step, [-lr / (math.sqrt(2.5 / 0.875) + eps)], rtol=1e-15)


def test_sgd_details():
    opt = make_optimizer("sgd", lr=0.3)
    d = opt.details(np.ones((3, 2)), opt.init(np.ones((3, 2))), np.ones((3, 2)))
    np.testing.assert_array_equal(d["effective_lr"], np.full((3, 2), 0.3))


def test_new_optimizers_details_by_hand():
    from lab.optimizers.radam import rectification

    # qhm, β = 0.5: g₁ = (2, −4) → b = (1, −2); velocity −lr·ν·b, the momentum part of the next step
    qhm = make_optimizer("qhm", lr=0.1, nu=0.7, beta=0.5)
    d = qhm.details(None, _feed(qhm, [np.array([2.0, -4.0])]), np.zeros(2))
    np.testing.assert_allclose(d["velocity"], [-0.07, 0.14], rtol=1e-15)
    np.testing.assert_array_equal(d["first_moment"], [1.0, -2.0])
    # lion, β₂ = 0.5: g₁ = (2, −4) → m = (1, −2); velocity −lr·sign(m)
    lion = make_optimizer("lion", lr=0.1, beta2=0.5)
    d = lion.details(None, _feed(lion, [np.array([2.0, -4.0])]), np.zeros(2))
    np.testing.assert_array_equal(d["velocity"], [-0.1, 0.1])
    # adadelta, ρ = 0.5, eps = 1e-6: g₁ = 2 → E[g²] = 2, Δ = √eps·2/√(2 + eps), E[Δ²] = Δ²/2;
    # effective lr = lr·√(E[Δ²] + eps)/√(E[g²] + eps)
    ada = make_optimizer("adadelta", lr=0.5, rho=0.5, eps=1e-6)
    state = _feed(ada, [np.array([2.0])])
    delta = math.sqrt(1e-6) * 2 / math.sqrt(2 + 1e-6)
    np.testing.assert_allclose(state.acc_delta, [delta * delta / 2], rtol=1e-15)
    d = ada.details(None, state, np.zeros(1))
    np.testing.assert_allclose(d["effective_lr"], [0.5 * math.sqrt(delta * delta / 2 + 1e-6) / math.sqrt(2 + 1e-6)],
                               rtol=1e-15)
    # radam, β₂ = 0.999: the next step (t = 2) is still a momentum step of lr·m̂; at t = 6 a rectified one
    radam = make_optimizer("radam", lr=0.1, beta1=0.0)
    state = _feed(radam, [np.array([3.0])])
    np.testing.assert_array_equal(radam.details(None, state, np.zeros(1))["effective_lr"], [0.1])
    state = _feed(radam, [np.array([3.0])] * 5)
    _, rect = rectification(6, 0.999)
    v = (1 - 0.999**5) * 9.0
    np.testing.assert_allclose(radam.details(None, state, np.zeros(1))["effective_lr"],
                               [0.1 * rect * math.sqrt(1 - 0.999**6) / (math.sqrt(v) + 1e-8)], rtol=1e-12)
