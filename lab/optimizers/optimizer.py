"""What a built optimizer is: pure ``init``/``update`` functions over NamedTuple states, closed over its
hyperparameters (its declaration, ``OptimizerSpec``, is in lab/optimizers/base.py)."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np


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
