"""What an optimizer's ``explain`` (on its OptimizerSpec) receives, and the way it writes numbers for students.

An explanation is the rule's lines with this step's numbers, one assignment a line, in the lecture's notation::

    m = β₁·m + (1 − β₁)·g = (0.0271, -0.0138)

``Step`` carries one update (racer's step k): the point, the gradient the update used (after noise and clipping),
the learning rate used, the state before and after (keyed by the rule's names, ``OptimizerSpec.state_names``) and
the update itself; ``num``/``vec`` print numbers at NUM_DIGITS significant digits, a long vector (the mlp's 82
coordinates) as its first SHOWN coordinates and its norm. lab/explain.py writes the lines every optimizer shares
(the gradient, its clipping, the scheduled lr, x ← x + step); each optimizer's own lines live in its module.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

NUM_DIGITS = 4
"""Significant digits of the numbers in an explanation's lines (the JSON values keep every bit)."""
SHOWN = 3
"""A vector longer than this (d > 2 besides the 2-D objectives) is shown as its first SHOWN coordinates and |·|."""

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


class Step(NamedTuple):
    """One update of one racer, as an optimizer's ``explain(step) -> list[str]`` sees it.

    ``k``: the update's number (it moves x_(k−1) to x_k); ``hp``: every hyperparameter (defaults filled);
    ``x``: x_(k−1); ``g``: the gradient the update used (after noise and clipping); ``lr``: the learning rate used;
    ``before``/``after``: the state by the rule's names (arrays, counts as ints); ``step``: x_k − x_(k−1);
    ``objective``: for methods that ask it more (Newton's Hessian).
    """

    k: int
    hp: dict
    x: np.ndarray
    g: np.ndarray
    lr: float
    before: dict
    after: dict
    step: np.ndarray
    objective: Any


def num(value) -> str:
    """A number at NUM_DIGITS significant digits: '0.02713', '-1.5e-05', 'nan', 'inf'."""
    value = float(value)
    if value == 0.0:
        return "0"
    return f"{value:.{NUM_DIGITS}g}"


def vec(values) -> str:
    """A vector as '(a, b)'; longer than SHOWN: '(a, b, c, …; first 3 of 82, |·| = n)': its first coordinates, its norm."""
    a = np.atleast_1d(np.asarray(values, dtype=float))
    if a.size <= max(SHOWN, 2):
        return "(" + ", ".join(num(v) for v in a) + ")"
    with np.errstate(all="ignore"):
        norm = float(np.sqrt(np.sum(a * a)))
    return "(" + ", ".join(num(v) for v in a[:SHOWN]) + f", …; first {SHOWN} of {a.size}, |·| = {num(norm)})"


def sup(n: int) -> str:
    """n as superscript digits: sup(3) = '³' (β₁³)."""
    return str(int(n)).translate(_SUPERSCRIPTS)


def weight_decay_lines(s: Step) -> list[str]:
    """The line of torch's coupled weight decay, g ← g + wd·x, when the optimizer has one that is on."""
    wd = s.hp.get("weight_decay", 0.0)
    return [f"g ← g + wd·x = {vec(s.g + wd * s.x)}   (wd = {num(wd)})"] if wd else []


def sub(n: int) -> str:
    """n as subscript digits: sub(2) = '₂' (B₂, the minibatch of step 2)."""
    return str(int(n)).translate(_SUBSCRIPTS)


def matrix(h) -> str:
    """A small matrix as '[[a, b], [c, d]]'; a larger one as its size (its eigenvalues say more)."""
    h = np.asarray(h, dtype=float)
    if h.shape[-1] > SHOWN:
        return f"{h.shape[0]}×{h.shape[1]} matrix"
    return "[" + ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in h) + "]"


__all__ = ["NUM_DIGITS", "SHOWN", "Step", "matrix", "num", "sub", "sup", "vec", "weight_decay_lines"]
