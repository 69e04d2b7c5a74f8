"""Objectives that exist for a lesson only: not in the ``objectives`` listing or the window's list, but usable by name
in a lesson or experiment file (``lab.objectives.LESSON_OBJECTIVES``)."""
from __future__ import annotations

import numpy as np

from lab.objectives.base import Function2D
from lab.params import Param

NO_MISTAKE, MISSING_FACTOR_2 = "none", "missing_factor_2"


class WrongGradient(Function2D):
    """The gradient-check lesson's function: f = x² + xy + y² − 2x + cos x, its gradient with a planted mistake.

    The true gradient is ∇f = (2x + y − 2 − sin x, x + 2y). With ``mistake='missing_factor_2'`` the analytic
    gradient writes d(x²)/dx as x instead of 2x, so ``grad`` returns (x + y − 2 − sin x, x + 2y): wrong by x in its
    first coordinate. The gradient check fails wherever x ≠ 0 and, unluckily, passes on the line x = 0 — check at
    several points. The racers step on the wrong gradient and stop where it vanishes, near (3.43, −1.72), not at f's
    minimum near (1.95, −0.98). ``cos x`` keeps f from being a polynomial, so a large h shows the difference formula's
    truncation error. The Hessian is f's true one.
    """

    name = "wrong_gradient"
    PARAMS = (Param("mistake", NO_MISTAKE, kind="choice", choices=(NO_MISTAKE, MISSING_FACTOR_2),
                    doc="none: the true gradient; missing_factor_2: d(x²)/dx written as x"),)

    def __init__(self, mistake: str):
        self.mistake = mistake
        minimum = self._stationary(2.0)
        super().__init__({"mistake": mistake}, [[-2.0, 5.0], [-3.5, 3.5]], [minimum], float(self.f(*minimum)),
                         [-1.5, 2.5], "lesson 1 only: the analytic gradient can carry a planted mistake")

    @staticmethod
    def _stationary(a: float) -> np.ndarray:
        """The zero of (a·x + y − 2 − sin x, x + 2y): y = −x/2, (a − ½)x − 2 − sin x = 0, by Newton's method."""
        x = 2.0
        for _ in range(50):
            x -= ((a - 0.5) * x - 2 - np.sin(x)) / ((a - 0.5) - np.cos(x))
        return np.array([x, -x / 2])

    def f(self, x, y):
        return x * x + x * y + y * y - 2 * x + np.cos(x)

    def g(self, x, y):
        a = 1.0 if self.mistake == MISSING_FACTOR_2 else 2.0
        return a * x + y - 2 - np.sin(x), x + 2 * y

    def h(self, x, y):
        return 2 - np.cos(x), np.ones(np.shape(x)), np.full(np.shape(x), 2.0)


ALL = (WrongGradient,)
