"""First-order optimizers: each is a few lines over shared pieces (momentum, root-mean-square scaling, Adam moments)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import Optimizer


class SGDState(NamedTuple):
    """Plain gradient descent keeps nothing."""


class MomentumState(NamedTuple):
    """v: the running sum of gradients ("velocity"), v₀ = 0."""

    v: np.ndarray


class GradSquaredState(NamedTuple):
    """grad_squared: the (decayed) sum of squared gradients, per coordinate (AdaGrad's G, RMSProp's S)."""

    grad_squared: np.ndarray


class AdamState(NamedTuple):
    """count t (steps taken), mu = first moment m, nu = second moment v, nu_max = running max of v (amsgrad)."""

    count: int
    mu: np.ndarray
    nu: np.ndarray
    nu_max: np.ndarray


def sgd(lr: float) -> Optimizer:
    """Gradient descent; stochastic when the gradient comes from a minibatch.

    Algorithm::

        for t in range(num_steps):
            g = grad(x)
            x = x - lr * g

    Example: ``sgd(lr=0.1)`` on f = ½x² from x = 1 gives 0.9, 0.81, ...
    """

    def init(x):
        return SGDState()

    def update(grad, state, x, oracle=None):
        return -lr * grad, state

    def details(grad, state, x):
        return {"effective_lr": np.full(np.shape(x), lr)}

    return Optimizer("sgd", {"lr": lr}, init, update, details)


def _momentum(name: str, lr: float, rho: float, nesterov: bool) -> Optimizer:
    def init(x):
        return MomentumState(np.zeros_like(x, dtype=float))

    if nesterov:
        def update(grad, state, x, oracle=None):
            v = rho * state.v + grad
            return -lr * (grad + rho * v), MomentumState(v)
    else:
        def update(grad, state, x, oracle=None):
            v = rho * state.v + grad
            return -lr * v, MomentumState(v)

    def details(grad, state, x):
        velocity = -lr * state.v  # the lecture's v: the displacement momentum carries
        out = {"velocity": velocity, "effective_lr": np.full(np.shape(x), lr)}
        if nesterov:
            out["position"] = x - rho * velocity  # the lecture's x; the reported x is its lookahead x + rho*v
            out["lookahead"] = np.asarray(x, dtype=float)
        return out

    return Optimizer(name, {"lr": lr, "rho": rho}, init, update, details)


def momentum(lr: float, rho: float = 0.9) -> Optimizer:
    """SGD + momentum (heavy ball): a velocity built from past gradients; rho is 1 − friction.

    Algorithm::

        v = 0
        for t in range(num_steps):
            g = grad(x)
            v = rho * v + g
            x = x - lr * v

    The lecture writes v ← ρv − α·g, x ← x + v: the same iterates, with its v equal to −lr times this v.
    Example: on f = ½x², x₀ = 1, lr = 0.1, rho = 0.9: v = 1, 1.8, 2.34; x = 0.9, 0.72, 0.486.
    """
    return _momentum("momentum", lr, rho, nesterov=False)


def nesterov(lr: float, rho: float = 0.9) -> Optimizer:
    """Nesterov momentum: the gradient is taken at the lookahead point.

    Algorithm (the form that needs one gradient at the reported point)::

        v = 0
        for t in range(num_steps):
            g = grad(x)
            v = rho * v + g
            x = x - lr * (g + rho * v)

    Equivalence with the lecture's lookahead form v' = ρv − α∇f(x + ρv), x' = x + v': let
    x̃ = x + ρv and u = −v/α. Then v' = ρv − α∇f(x̃) is u' = ρu + ∇f(x̃), and
    x̃' = x' + ρv' = x̃ − ρv + (1 + ρ)v' = x̃ + v' + ρ(v' − v) = x̃ − α∇f(x̃) − αρu'.
    So the x reported here is the lecture's lookahead point x̃ = x + ρv (equal at t = 0, v₀ = 0);
    ``details`` gives back the lecture's position x = x̃ − ρv and velocity v = −lr·u.
    This is torch's ``SGD(nesterov=True, dampening=0)``.
    """
    return _momentum("nesterov", lr, rho, nesterov=True)


def _root_mean_square(name: str, hyper: dict, lr: float, decay: float, weight: float, eps: float) -> Optimizer:
    """x ← x − lr·g/(√S + eps) with S ← decay·S + weight·g²: AdaGrad (1, 1), RMSProp (ρ, 1 − ρ)."""

    def init(x):
        return GradSquaredState(np.zeros_like(x, dtype=float))

    def update(grad, state, x, oracle=None):
        s = decay * state.grad_squared + weight * (grad * grad)
        return -lr * grad / (np.sqrt(s) + eps), GradSquaredState(s)

    def details(grad, state, x):
        return {"effective_lr": lr / (np.sqrt(state.grad_squared) + eps), "grad_squared": state.grad_squared}

    return Optimizer(name, hyper, init, update, details)


def adagrad(lr: float, eps: float = 1e-10) -> Optimizer:
    """AdaGrad: per-parameter learning rates from the running sum of squared gradients.

    Algorithm::

        grad_squared = 0
        for t in range(num_steps):
            g = grad(x)
            grad_squared += g * g
            x = x - lr * g / (sqrt(grad_squared) + eps)

    Steep directions are damped, flat ones sped up, and every step size decays over time.
    The lecture adds 1e-7 to the root; torch's default eps is 1e-10, used here.
    Example: the first step is lr·g/(|g| + eps) ≈ lr·sign(g).
    """
    return _root_mean_square("adagrad", {"lr": lr, "eps": eps}, lr, 1.0, 1.0, eps)


def rmsprop(lr: float, decay_rate: float = 0.99, eps: float = 1e-8) -> Optimizer:
    """RMSProp: AdaGrad with a leaky (decayed) sum, so step sizes stop shrinking.

    Algorithm::

        grad_squared = 0
        for t in range(num_steps):
            g = grad(x)
            grad_squared = decay_rate * grad_squared + (1 - decay_rate) * g * g
            x = x - lr * g / (sqrt(grad_squared) + eps)

    torch calls decay_rate ``alpha``. Example: the first step is lr·g/(√(1 − decay_rate)·|g| + eps), 10·lr for 0.99.
    """
    return _root_mean_square("rmsprop", {"lr": lr, "decay_rate": decay_rate, "eps": eps},
                             lr, decay_rate, 1.0 - decay_rate, eps)


def _adam(name: str, hyper: dict, lr: float, beta1: float, beta2: float, eps: float,
          bias_correction: bool, amsgrad: bool, weight_decay: float) -> Optimizer:
    shrink = 1.0 - lr * weight_decay

    def init(x):
        zeros = np.zeros_like(x, dtype=float)
        return AdamState(0, zeros, zeros, zeros)

    def update(grad, state, x, oracle=None):
        t = state.count + 1
        mu = beta1 * state.mu + (1.0 - beta1) * grad
        nu = beta2 * state.nu + (1.0 - beta2) * (grad * grad)
        nu_max = np.maximum(state.nu_max, nu) if amsgrad else state.nu_max
        second = nu_max if amsgrad else nu
        if bias_correction:
            step = -(lr / (1.0 - beta1**t)) * mu / (np.sqrt(second / (1.0 - beta2**t)) + eps)
        else:
            step = -lr * mu / (np.sqrt(second) + eps)
        if weight_decay:
            step = step - (1.0 - shrink) * x
        return step, AdamState(t, mu, nu, nu_max)

    def details(grad, state, x):
        t = max(state.count, 1)
        second = state.nu_max if amsgrad else state.nu
        c1, c2 = (1.0 - beta1**t, 1.0 - beta2**t) if bias_correction else (1.0, 1.0)
        return {"first_moment": state.mu / c1, "second_moment": second / c2,
                "velocity": -lr * state.mu / c1, "effective_lr": lr / (np.sqrt(second / c2) + eps)}

    return Optimizer(name, hyper, init, update, details)


def adam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         bias_correction: bool = True, amsgrad: bool = False) -> Optimizer:
    """Adam: momentum (first moment) + RMSProp (second moment) + bias correction.

    Algorithm::

        m = v = v_max = 0
        for t in range(1, num_steps + 1):
            g = grad(x)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if amsgrad: v_max = max(v_max, v); v_used = v_max  else: v_used = v
            if bias_correction: m_hat = m / (1 - beta1**t); v_hat = v_used / (1 - beta2**t)
            else:               m_hat = m;                  v_hat = v_used
            x = x - lr * m_hat / (sqrt(v_hat) + eps)

    Without bias correction the first step is lr·(1 − β1)·g/(√(1 − β2)·|g|) ≈ 3.16·lr·sign(g) for the
    defaults — the lecture's "very large first step" (m₀ and v₀ start at zero, v much slower to grow).
    With it the first step is lr·sign(g), up to eps. Matches torch.optim.Adam (amsgrad as torch: max of v, then corrected).
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps,
             "bias_correction": bias_correction, "amsgrad": amsgrad}
    return _adam("adam", hyper, lr, beta1, beta2, eps, bias_correction, amsgrad, 0.0)


def adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False, bias_correction: bool = True) -> Optimizer:
    """AdamW: Adam with decoupled weight decay.

    Algorithm::

        x = x * (1 - lr * weight_decay)       # decay first, outside the moments
        x = x - lr * m_hat / (sqrt(v_hat) + eps)   # then Adam's step, with g = grad(x) taken before the decay

    Matches torch.optim.AdamW. With weight_decay = 0 it is Adam.
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay,
             "amsgrad": amsgrad, "bias_correction": bias_correction}
    return _adam("adamw", hyper, lr, beta1, beta2, eps, bias_correction, amsgrad, weight_decay)
