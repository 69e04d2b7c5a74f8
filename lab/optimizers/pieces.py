"""Pieces every first-order optimizer takes: a learning-rate schedule and gradient clipping.

Each piece is one function written on + − × ÷, cos, maximum and minimum, like the rules (lab/optimizers/elementwise.py),
so that it runs on floats, on arrays and compiled with the same bits. A spec whose optimizer is a rule gets these
hyperparameters without naming them (``OptimizerSpec`` adds ``PARAMS``); left at their defaults, nothing changes.

Schedules — with t the number of steps already taken (the first update has t = 0), update t + 1 uses
(torch's schedulers, stepped once after every optimizer step, give the same numbers)::

    constant        lr
    step            lr·gamma^⌊t/step_size⌋                                   (torch StepLR)
    exponential     lr·gamma^t                                               (torch ExponentialLR)
    cosine          lr_min + (lr − lr_min)·(1 + cos(π·min(t, t_max)/t_max))/2  (torch CosineAnnealingLR
                    (T_max=t_max, eta_min=lr_min) for t ≤ t_max; then held at lr_min)
    warmup_cosine   lr·(t + 1)/warmup for t < warmup, then cosine with t − warmup in place of t

Clipping, applied to the gradient before the update, clip_value first::

    clip_value c    every coordinate clamped to [−c, c]         (torch clip_grad_value_)
    clip_norm c     g ← g·min(1, c/‖g‖₂)                        (optax clip_by_global_norm)
"""
from __future__ import annotations

import math
from math import cos

import numpy as np

from lab.params import Param

SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup_cosine")
CONSTANT, STEP, EXPONENTIAL, COSINE, WARMUP_COSINE = range(len(SCHEDULES))

PARAMS = (
    Param("schedule", "constant", kind="choice", choices=SCHEDULES, doc="how lr changes over the steps"),
    Param("step_size", 100, lo=1, kind="int", doc="step schedule: steps between two decays"),
    Param("gamma", 0.1, lo=0.0, hi=1.0, lo_open=True, doc="step and exponential schedules: the decay factor",
          symbol="γ"),
    Param("t_max", 1000, lo=1, kind="int", doc="cosine schedules: steps from lr down to lr_min"),
    Param("lr_min", 0.0, lo=0.0, doc="cosine schedules: the lowest lr, below lr"),
    Param("warmup", 100, lo=1, kind="int", doc="warmup_cosine: steps of linear warm-up"),
    Param("clip_norm", None, lo=0.0, lo_open=True, doc="clip the gradient's norm to this (off when empty)"),
    Param("clip_value", None, lo=0.0, lo_open=True, doc="clip each gradient coordinate to ±this (off when empty)"),
)
NAMES = tuple(p.name for p in PARAMS)
DEFAULTS = {p.name: p.default for p in PARAMS}
_PI = math.pi

# Bound per speed as in the rules: arrays here; floats and compiled through elementwise.rebind. The schedule's t
# and its own hyperparameters are one number for a whole batch (only lr may be per point), so its cosine is
# always math.cos, on one float, whatever the speed.
select = np.where
maximum = np.maximum
minimum = np.minimum


def constant_lr(t, lr, step_size, gamma, t_max, lr_min, warmup):
    return lr


def step_lr(t, lr, step_size, gamma, t_max, lr_min, warmup):
    return lr * gamma ** float(t // step_size)  # float: pow() on every speed


def exponential_lr(t, lr, step_size, gamma, t_max, lr_min, warmup):
    return lr * gamma ** float(t)


def cosine_lr(t, lr, step_size, gamma, t_max, lr_min, warmup):
    s = t if t < t_max else t_max
    return lr_min + (lr - lr_min) * (1.0 + cos(_PI * s / t_max)) / 2.0


def warmup_cosine_lr(t, lr, step_size, gamma, t_max, lr_min, warmup):
    if t < warmup:
        return lr * (t + 1) / warmup
    return cosine_lr(t - warmup, lr, step_size, gamma, t_max, lr_min, warmup)


LR_OF = (constant_lr, step_lr, exponential_lr, cosine_lr, warmup_cosine_lr)
"""The schedules' functions, in the order of SCHEDULES: ``f(t, lr, step_size, gamma, t_max, lr_min, warmup)``."""


def scheduled_lr(t, lr, schedule, step_size, gamma, t_max, lr_min, warmup):
    """The lr of update t + 1 (t steps taken); ``schedule`` is its index in SCHEDULES."""
    return LR_OF[schedule](t, lr, step_size, gamma, t_max, lr_min, warmup)


def clip_value(g, c):
    """Every coordinate of g clamped to [−c, c] (NaN stays NaN)."""
    return minimum(maximum(g, -c), c)


def clip_factor(norm, c):
    """min(1, c/‖g‖) from ‖g‖: the factor clip_norm multiplies the gradient by (c/c = 1 exactly when ‖g‖ ≤ c)."""
    return c / maximum(norm, c)


USED = {"constant": (), "step": ("step_size", "gamma"), "exponential": ("gamma",), "cosine": ("t_max", "lr_min"),
        "warmup_cosine": ("t_max", "lr_min", "warmup")}
"""The hyperparameters each schedule reads."""


def shown(schedule: str) -> tuple[str, ...]:
    """The pieces' hyperparameters worth a field with this schedule: it, what it reads, and the clipping."""
    return ("schedule", *USED[schedule], "clip_norm", "clip_value")


def active(values: dict) -> dict:
    """The pieces' hyperparameters that change anything (the schedule's only with a schedule)."""
    out = {}
    if values.get("schedule", "constant") != "constant":
        out["schedule"] = values["schedule"]
        out.update({k: values.get(k, DEFAULTS[k]) for k in USED[values["schedule"]]})
    for k in ("clip_norm", "clip_value"):
        if values.get(k) is not None:
            out[k] = values[k]
    return out


def check(values: dict, owner: str) -> None:
    """What single ranges cannot say: lr_min must be below lr."""
    from lab.errors import LabError

    if "lr_min" in values and not values["lr_min"] < values["lr"]:
        raise LabError(f"{owner} parameter lr_min={values['lr_min']!r} is not allowed: expected a finite number, "
                       f"0 <= lr_min < lr (lr={values['lr']!r})")


def lr_curve(hyperparameters: dict, steps: int, points: int = 400):
    """A racer's lr over its steps, for drawing: (t, lr) at up to ``points`` steps from 0 to ``steps`` (the lr
    update t + 1 uses), every step of a step schedule's drops included; None when lr does not change."""
    values = {**DEFAULTS, **hyperparameters}
    if values.get("schedule", "constant") == "constant" or "lr" not in values:
        return None
    index = SCHEDULES.index(values["schedule"])
    args = [values[k] for k in ("step_size", "gamma", "t_max", "lr_min", "warmup")]
    ts = np.unique(np.linspace(0, max(int(steps), 1), points).astype(np.int64))
    if index == STEP:  # the drops themselves, and the step before each
        drops = np.arange(args[0], max(int(steps), 1) + 1, args[0], dtype=np.int64)
        ts = np.unique(np.concatenate([ts, drops, drops - 1]))
    lrs = np.array([scheduled_lr(int(t), float(values["lr"]), index, *args) for t in ts])
    return ts.astype(float), lrs
