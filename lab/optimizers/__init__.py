"""The optimizers a racer can use, by name, with their hyperparameters (a public contract)."""
from __future__ import annotations

from lab.errors import LabError
from lab.optimizers.base import (AMSGRAD, BETA1, BETA2, BIAS_CORRECTION, DECAY_RATE, RHO, Optimizer,
                                 OptimizerSpec, eps, lr)
from lab.optimizers.first_order import adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd
from lab.optimizers.lbfgs import lbfgs
from lab.optimizers.second_order import newton
from lab.params import Param

_ADAM = (lr(1e-3), BETA1, BETA2, eps(1e-8), BIAS_CORRECTION, AMSGRAD)

OPTIMIZERS: dict[str, OptimizerSpec] = {s.name: s for s in (
    OptimizerSpec("sgd", (lr(1e-3),), sgd,
                  "g = ∇f(x)\nx ← x − lr·g",
                  "gradient descent (SGD on minibatches)"),
    OptimizerSpec("momentum", (lr(1e-3), RHO), momentum,
                  "g = ∇f(x)\nv ← ρ·v + g\nx ← x − lr·v",
                  "SGD + momentum: a velocity from past gradients, friction 1 − ρ"),
    OptimizerSpec("nesterov", (lr(1e-3), RHO), nesterov,
                  "g = ∇f(x̃)   (x̃ = x + ρv, the lookahead point)\nv ← ρ·v + g\nx̃ ← x̃ − lr·(g + ρ·v)",
                  "Nesterov momentum: the gradient at the lookahead point"),
    OptimizerSpec("adagrad", (lr(1e-2), eps(1e-10)), adagrad,
                  "g = ∇f(x)\nG ← G + g²\nx ← x − lr·g / (√G + ε)",
                  "per-parameter learning rates from the sum of squared gradients"),
    OptimizerSpec("rmsprop", (lr(1e-2), DECAY_RATE, eps(1e-8)), rmsprop,
                  "g = ∇f(x)\nS ← decay_rate·S + (1 − decay_rate)·g²\nx ← x − lr·g / (√S + ε)",
                  "AdaGrad with a leaky sum of squared gradients"),
    OptimizerSpec("adam", _ADAM, adam,
                  "g = ∇f(x);  t ← t + 1\nm ← β₁·m + (1 − β₁)·g\nv ← β₂·v + (1 − β₂)·g²\n"
                  "m̂ = m / (1 − β₁ᵗ);  v̂ = v / (1 − β₂ᵗ)   (bias correction)\nx ← x − lr·m̂ / (√v̂ + ε)",
                  "momentum + RMSProp + bias correction"),
    OptimizerSpec("adamw", _ADAM[:4] + (Param("weight_decay", 0.01, lo=0.0, doc="decoupled weight decay"),
                                        AMSGRAD, BIAS_CORRECTION), adamw,
                  "x ← x·(1 − lr·weight_decay)\nthen Adam's step with g = ∇f(x) from before the decay",
                  "Adam with decoupled weight decay"),
    OptimizerSpec("newton", (lr(1.0), Param("damping", 0.0, lo=0.0, doc="added to the Hessian's diagonal")), newton,
                  "g = ∇f(x);  H = ∇²f(x)\nx ← x − lr·(H + damping·I)⁻¹·g",
                  "second order: jump to the minimum of the local quadratic model"),
    OptimizerSpec("lbfgs", (lr(1.0), Param("history_size", 10, lo=1, hi=1000, kind="int",
                                          doc="how many past steps approximate the curvature"),
                            Param("line_search", "strong_wolfe", kind="choice", choices=("strong_wolfe", "none"),
                                  doc="strong_wolfe: search along the direction; none: step lr")), lbfgs,
                  "g = ∇f(x)\nd = −H·g   (H from the last history_size pairs s = Δx, y = Δg)\n"
                  "x ← x + α·lr·d   (α from a strong-Wolfe line search, or 1)",
                  "quasi-Newton: curvature estimated from recent steps"),
)}


def optimizer_spec(name: str) -> OptimizerSpec:
    """The spec called ``name``, or LabError listing the valid names."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise LabError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}") from None


def make_optimizer(name: str, **hyperparameters) -> Optimizer:
    """Build optimizer ``name``: defaults filled, every value checked (LabError names the bad one and its range)."""
    return optimizer_spec(name).make(**hyperparameters)


__all__ = ["OPTIMIZERS", "Optimizer", "OptimizerSpec", "make_optimizer", "optimizer_spec",
           "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "newton", "lbfgs"]
