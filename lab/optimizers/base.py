"""What an optimizer is: hyperparameters, ``init(x) -> state`` and ``update(grad, state, x, oracle) -> (step, state)``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from lab.params import Param, check_all


class Optimizer(NamedTuple):
    """A built optimizer: pure functions closed over checked hyperparameters.

    - ``init(x) -> state``: the state for a start point x of shape (..., d).
    - ``update(grad, state, x, oracle) -> (step, state)``: the move x_new = x + step, from the gradient at x.
      ``oracle`` (an Objective) is used only by second-order methods and line searches.
    - ``details(grad, state, x) -> dict``: what a teacher draws at x (velocity, lookahead, effective lr, ...).
    - ``note(state) -> str``: what the last step did out of the ordinary ("" for nothing); None if never.
    States are NamedTuples of arrays; updates return new arrays and never mutate.
    """

    name: str
    hyperparameters: dict
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    details: Callable[..., dict]
    note: Callable[[Any], str] | None = None
    batched: bool = True

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"{self.name}({hp})"


@dataclass(frozen=True)
class OptimizerSpec:
    """A named optimizer: its hyperparameters, its update rule in the lecture's notation, and its factory."""

    name: str
    params: tuple[Param, ...]
    factory: Callable[..., Optimizer] = field(repr=False)
    rule: str = ""
    summary: str = ""

    def make(self, **hyperparameters) -> Optimizer:
        values = check_all(self.params, hyperparameters, f"optimizer {self.name!r}")
        return self.factory(**values)

    def param(self, name: str) -> Param:
        return {p.name: p for p in self.params}[name]


# The shared hyperparameter ranges (the validation contract).
def lr(default: float) -> Param:
    return Param("lr", default, lo=0.0, lo_open=True, doc="learning rate (step size)")


RHO = Param("rho", 0.9, lo=0.0, hi=1.0, hi_open=True, doc="momentum: the friction is 1 - rho")
BETA1 = Param("beta1", 0.9, lo=0.0, hi=1.0, hi_open=True, doc="decay of the first moment (momentum)")
BETA2 = Param("beta2", 0.999, lo=0.0, hi=1.0, hi_open=True, doc="decay of the second moment")
DECAY_RATE = Param("decay_rate", 0.99, lo=0.0, hi=1.0, hi_open=True, doc="decay of the running mean of g²")
BIAS_CORRECTION = Param("bias_correction", True, kind="bool", doc="divide the moments by 1 - beta^t")
AMSGRAD = Param("amsgrad", False, kind="bool", doc="use the running maximum of the second moment")


def eps(default: float) -> Param:
    return Param("eps", default, lo=0.0, lo_open=True, doc="added to the denominator, avoids division by zero")
