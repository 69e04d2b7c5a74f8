"""Adding an optimizer is one module and one registry word: a new spec reaches every consumer by itself.

The module below is what a contributor writes (here a sign-descent rule); registering it (the test's stand-in for
the word in lab.optimizers.MODULES) makes it work in the command line, presets, the lr-limit table, the race's
float path, the batched engine, basin maps, schedules and the generated reference — none of which names it.
"""
from __future__ import annotations

import json
from typing import NamedTuple

import numpy as np
import pytest

from lab import reference
from lab.cli import main as cli
from lab.curvature import lr_limit
from lab.engine.multistart import multistart
from lab.engine.race import Race, RacerSpec
from lab.objectives import make_objective
from lab.optimizers import OPTIMIZERS, batched_specs, make_optimizer
from lab.optimizers.base import OptimizerSpec, lr
from lab.optimizers.elementwise import per_coordinate, select
from lab.optimizers.float_steps import FloatSteps
from lab.presets import lecture_set, suggest


# --- the one module a contributor writes ------------------------------------------------------------------------
class SignState(NamedTuple):
    """Sign descent keeps nothing."""


def rule(g, x, t, lr):
    """One coordinate: the step −lr·sign(g)."""
    return (-lr * select(g > 0.0, 1.0, select(g < 0.0, -1.0, 0.0)),)


def signdescent(lr: float) -> "Optimizer":
    """Sign descent: x ← x − lr·sign(∇f(x))."""
    return per_coordinate("signdescent", {"lr": lr}, rule, SignState)


SPEC = OptimizerSpec("signdescent", (lr(0.01),), signdescent, rule="x ← x − lr·sign(∇f(x))",
                     summary="steps of fixed size along the gradient's signs", label="SignDescent",
                     short_label="Sign", preset=lambda scales: {"lr": scales.width / 100}, per_point=("lr",),
                     lecture=True)
# -----------------------------------------------------------------------------------------------------------------


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(OPTIMIZERS, SPEC.name, SPEC)  # the registry word
    return SPEC


def test_a_new_spec_reaches_every_consumer(registered, capsys, tmp_path):
    obj = make_objective("himmelblau")
    # the command line lists it, runs it and refuses its bad values in one line
    assert cli(["optimizers", "--json"]) == 0
    listed = {o["name"]: o for o in json.loads(capsys.readouterr().out)}
    assert listed["signdescent"]["rule"] == "x ← x − lr·sign(∇f(x))"
    assert {"lr", "schedule", "clip_norm"} <= {h["name"] for h in listed["signdescent"]["hyperparameters"]}
    assert cli(["run", "--objective", "himmelblau", "--steps", "20", "--racer", "signdescent:lr=0.1",
                "--out", str(tmp_path / "r.csv")]) == 0
    assert cli(["run", "--objective", "himmelblau", "--racer", "signdescent:lr=-1"]) == 2
    assert "lr=-1" in capsys.readouterr().err
    # presets and the lecture set read its preset and its flag
    assert suggest("signdescent", obj) == {"lr": 0.1}
    assert [r.optimizer for r in lecture_set(obj)][-1] == "signdescent"
    # no lr bound: not a gradient-step method
    assert lr_limit("signdescent", {}, np.array([1.0, 4.0])) is None
    # the race steps it on floats, bit for bit the array update, with a schedule too
    specs = [RacerSpec("signdescent", {"lr": 0.05}), RacerSpec("signdescent", {"lr": 0.05, "schedule": "cosine",
                                                                              "t_max": 30})]
    fast = Race(obj, obj.start, specs, max_steps=40, tol=0.0).run()
    general = Race(obj, obj.start, specs, max_steps=40, tol=0.0, gradient_source=lambda x, k: obj.grad(x)).run()
    assert all(tr._floats is not None for tr in fast.tracks)
    for a, b in zip(fast.tracks, general.tracks):
        np.testing.assert_array_equal(a.positions, b.positions)
    x1 = np.asarray(obj.start) - 0.05 * np.sign(obj.grad(obj.start))
    np.testing.assert_allclose(fast.tracks[0].positions[1], x1, rtol=1e-15)
    # the batched engine runs it, one lr per point; basin maps and sweeps list it
    starts = np.array([[1.0, 1.0], [-2.0, 3.0]])
    batch = multistart(obj, "signdescent", starts, steps=30, hyperparameters={"lr": np.array([0.01, 0.02])}, tol=0.0)
    alone = multistart(obj, "signdescent", starts[1:], steps=30, hyperparameters={"lr": 0.02}, tol=0.0)
    np.testing.assert_array_equal(batch.x[1], alone.x[0])
    assert "signdescent" in [s.name for s in batched_specs()]
    assert FloatSteps.available(make_optimizer("signdescent"))
    # the generated reference documents it
    assert "### `signdescent` — SignDescent" in reference.generate()
