"""signSGD (Bernstein et al., 2018) as an Optimizer Lab plug-in: every coordinate steps lr against its gradient's sign.

The entry point ``signsgd = "signsgd_plugin"`` (group ``optimizer_lab.optimizers``) names this module; the lab
reads its ``SPEC``. The update is a per-coordinate rule, so the race steps it on floats, basin maps and sweeps
step it in batches, and the window lists it with its rule text, with no change to the lab.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

# Only the optimizer building blocks: lab.optimizers itself is still loading when a plug-in is imported.
from lab.optimizers.base import OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate, select
from lab.optimizers.scales import round_down


class SignSGDState(NamedTuple):
    """signSGD keeps nothing."""


def rule(g, x, t, lr):
    """One coordinate: the step −lr·sign(g) (0 where g = 0; NaN kept)."""
    return (-lr * select(g > 0.0, 1.0, select(g < 0.0, -1.0, g * 0.0)),)


def signsgd(lr: float = 0.01):
    """signSGD: gradient descent on the gradient's signs only.

    Algorithm::

        for t in range(num_steps):
            g = grad(x)
            x = x - lr * sign(g)

    Every coordinate moves by exactly lr (0 where its gradient is 0): near a minimum it zigzags within lr.
    """

    def details(grad, state, x):
        return {"effective_lr": np.full(np.shape(x), lr)}

    return per_coordinate("signsgd", {"lr": lr}, rule, SignSGDState, details)


SPEC = OptimizerSpec(
    "signsgd", (lr(0.01),), signsgd,
    rule="g = ∇f(x)\nx ← x − lr·sign(g)",
    summary="the sign of the gradient: every coordinate moves by lr (a plug-in)",
    label="signSGD", short_label="signSGD",
    # Steps of lr per coordinate: a length, as for Adam.
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr",))
