"""Gradient descent (SGD when the gradient comes from a minibatch)."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.optimizers.base import OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.scales import round_down


class SGDState(NamedTuple):
    """Plain gradient descent keeps nothing."""


def rule(g, x, t, lr):
    """One coordinate: the step −lr·g."""
    return (-lr * g,)


def sgd(lr: float) -> "Optimizer":
    """Gradient descent; stochastic when the gradient comes from a minibatch.

    Algorithm::

        for t in range(num_steps):
            g = grad(x)
            x = x - lr * g

    Example: ``sgd(lr=0.1)`` on f = ½x² from x = 1 gives 0.9, 0.81, ...
    """

    def details(grad, state, x):
        return {"effective_lr": np.full(np.shape(x), lr)}

    return per_coordinate("sgd", {"lr": lr}, rule, SGDState, details)


SPEC = OptimizerSpec(
    "sgd", (lr(1e-3),), sgd,
    rule="g = ∇f(x)\nx ← x − lr·g",
    summary="gradient descent (SGD on minibatches)",
    label="SGD", short_label="SGD",
    lr_bound=lambda hp: 2.0, lr_bound_text="2/λmax",
    # Past 1/L so that steep directions overshoot and come back (the lecture's zigzag), inside 2/L.
    preset=lambda scales: {"lr": round_down(1.5 / scales.curvature)},
    per_point=("lr",), lecture=True)
