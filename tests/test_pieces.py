"""The shared pieces of every first-order optimizer: learning-rate schedules and gradient clipping.

References: torch's schedulers written as torch steps them (chained, one multiplication per step), plain loops
from the formulas, and the same bits on the race's float path, the arrays and the batched engine.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from lab.engine.multistart import multistart
from lab.engine.race import Race, RacerSpec
from lab.objectives import make_objective
from lab.optimizers import OPTIMIZERS, make_optimizer
from lab.optimizers.elementwise import Scheduled
from lab.optimizers.float_steps import FloatSteps
from lab.optimizers.pieces import PARAMS, SCHEDULES, scheduled_lr
from states import assert_same_state  # tests/states.py


def torch_lrs(schedule: str, lr: float, steps: int, step_size=3, gamma=0.7, t_max=7, lr_min=0.01, warmup=4):
    """The lr of each update as torch's schedulers give it, stepped once after each optimizer step (chained)."""
    out, cur = [], lr
    for t in range(steps):
        if schedule == "constant":
            cur = lr
        elif schedule == "step":  # StepLR.get_lr: multiply by gamma at every multiple of step_size
            cur = lr if t == 0 else (cur * gamma if t % step_size == 0 else cur)
        elif schedule == "exponential":  # ExponentialLR.get_lr
            cur = lr if t == 0 else cur * gamma
        elif schedule in ("cosine", "warmup_cosine"):
            s = t - warmup if schedule == "warmup_cosine" else t
            if schedule == "warmup_cosine" and t < warmup:
                cur = lr * (t + 1) / warmup
            elif s == 0:
                cur = lr
            elif s <= t_max:  # CosineAnnealingLR.get_lr's recursive form
                cur = (1 + math.cos(math.pi * s / t_max)) / (1 + math.cos(math.pi * (s - 1) / t_max)) \
                    * (cur - lr_min) + lr_min
            else:
                cur = lr_min  # the contract: held at lr_min past t_max (torch would climb back)
        out.append(cur)
    return out


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedules_equal_torchs_schedulers(schedule):
    index = SCHEDULES.index(schedule)
    ours = [scheduled_lr(t, 0.3, index, 3, 0.7, 7, 0.01, 4) for t in range(20)]
    np.testing.assert_allclose(ours, torch_lrs(schedule, 0.3, 20), rtol=1e-12, atol=1e-15)


def test_schedule_values_by_hand():
    assert scheduled_lr(0, 1.0, SCHEDULES.index("step"), 10, 0.5, 1, 0.0, 1) == 1.0
    assert scheduled_lr(25, 1.0, SCHEDULES.index("step"), 10, 0.5, 1, 0.0, 1) == 0.25
    assert scheduled_lr(3, 2.0, SCHEDULES.index("exponential"), 1, 0.5, 1, 0.0, 1) == 0.25
    cosine = SCHEDULES.index("cosine")
    assert scheduled_lr(5, 1.0, cosine, 1, 1.0, 10, 0.0, 1) == pytest.approx(0.5)  # half-way: the mean
    assert scheduled_lr(10, 1.0, cosine, 1, 1.0, 10, 0.1, 1) == pytest.approx(0.1)
    assert scheduled_lr(99, 1.0, cosine, 1, 1.0, 10, 0.1, 1) == pytest.approx(0.1)  # held at lr_min
    warm = SCHEDULES.index("warmup_cosine")
    assert [scheduled_lr(t, 1.0, warm, 1, 1.0, 10, 0.0, 4) for t in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]


def sgd_loop(obj, x0, steps, lrs, clip_norm=None, clip_value=None):
    x = [float(v) for v in x0]
    for t in range(steps):
        g = [float(v) for v in obj.grad(np.array(x))]
        if clip_value is not None:
            g = [min(max(v, -clip_value), clip_value) for v in g]
        if clip_norm is not None:
            norm = math.sqrt(sum(v * v for v in g))
            g = [v * min(1.0, clip_norm / norm) for v in g]
        x = [xi - lrs[t] * gi for xi, gi in zip(x, g)]
    return x


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_sgd_with_a_schedule_is_the_plain_loop(schedule):
    obj = make_objective("rosenbrock")
    hp = {"step_size": 3, "gamma": 0.7, "t_max": 7, "lr_min": 1e-5, "warmup": 4}
    opt = make_optimizer("sgd", lr=1e-3, schedule=schedule, **hp)
    x = np.array([-1.5, 2.0])
    state = opt.init(x)
    for _ in range(30):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
    lrs = [scheduled_lr(t, 1e-3, SCHEDULES.index(schedule), 3, 0.7, 7, 1e-5, 4) for t in range(30)]
    np.testing.assert_allclose(x, sgd_loop(obj, [-1.5, 2.0], 30, lrs), rtol=1e-13)
    assert (type(state) is Scheduled) == (schedule != "constant")


@pytest.mark.parametrize("clip", [{"clip_norm": 5.0}, {"clip_value": 2.0}, {"clip_norm": 5.0, "clip_value": 2.0}])
def test_clipping_is_the_plain_loop(clip):
    obj = make_objective("rosenbrock")
    opt = make_optimizer("sgd", lr=1e-3, **clip)
    x = np.array([-1.5, 2.0])
    state = opt.init(x)
    for _ in range(40):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
    np.testing.assert_allclose(x, sgd_loop(obj, [-1.5, 2.0], 40, [1e-3] * 40, **clip), rtol=1e-13)


def test_clip_value_is_torchs_clamp_and_clip_norm_keeps_the_direction():
    opt = make_optimizer("sgd", lr=1.0, clip_value=0.5)
    g = np.array([[3.0, -0.2], [-7.0, np.nan]])
    step, _ = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_array_equal(-step, [[0.5, -0.2], [-0.5, np.nan]])
    opt = make_optimizer("sgd", lr=1.0, clip_norm=1.0)
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    step, _ = opt.update(g, opt.init(g), np.zeros_like(g))
    np.testing.assert_allclose(-step, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]], rtol=1e-15)


FIRST_ORDER = [name for name, spec in OPTIMIZERS.items() if spec.first_order]
PIECES = [{"schedule": "step", "step_size": 2, "gamma": 0.5}, {"schedule": "exponential", "gamma": 0.97},
          {"schedule": "cosine", "t_max": 9, "lr_min": 1e-4}, {"schedule": "warmup_cosine", "warmup": 3, "t_max": 9},
          {"clip_norm": 0.7}, {"clip_value": 0.3, "schedule": "cosine", "t_max": 20, "clip_norm": 1.0}]


@pytest.mark.parametrize("name", FIRST_ORDER)
@pytest.mark.parametrize("pieces", PIECES, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
def test_pieces_on_floats_step_like_update_bit_for_bit(name, pieces):
    opt = make_optimizer(name, lr=0.01, **pieces)
    rng = np.random.default_rng(2)
    x = np.array([-1.2, 1.4])
    state = opt.init(x)
    floats = FloatSteps(opt, state)
    for t in range(25):
        g = rng.normal(size=2) * (1e3 if t % 5 == 0 else 1.0)
        step, state = opt.update(g, state, x, None)
        np.testing.assert_array_equal(floats.step2(*g.tolist(), *x.tolist()), x + step, err_msg=f"step {t}")
        x = x + step
    assert_same_state(floats.state(), state)


def test_a_race_with_pieces_takes_the_same_bits_on_floats_and_arrays():
    obj = make_objective("himmelblau")
    specs = [RacerSpec(n, {"lr": 0.01, **p}) for n in ("sgd", "momentum", "adam") for p in PIECES]
    fast = Race(obj, obj.start, specs, max_steps=60, tol=0.0)
    general = Race(obj, obj.start, specs, max_steps=60, tol=0.0, gradient_source=lambda x, k: obj.grad(x))
    fast.run(), general.run()
    assert fast._floats and not general._floats
    for a, b in zip(fast.tracks, general.tracks):
        np.testing.assert_array_equal(a.positions, b.positions)
        assert a.status == b.status


def test_the_batched_engine_with_a_schedule_and_per_point_lr_equals_separate_runs():
    obj = make_objective("himmelblau")
    starts = np.array([[-1.0, 2.0], [3.5, -1.0], [0.5, 0.5]])
    lrs = np.array([0.01, 0.02, 0.005])
    pieces = {"schedule": "warmup_cosine", "warmup": 5, "t_max": 40, "clip_norm": 20.0}
    batch = multistart(obj, "adam", starts, steps=60, hyperparameters={"lr": lrs, **pieces}, tol=0.0)
    for i in range(3):
        alone = multistart(obj, "adam", starts[i:i + 1], steps=60, hyperparameters={"lr": float(lrs[i]), **pieces},
                           tol=0.0)
        np.testing.assert_array_equal(batch.x[i], alone.x[0])


def test_details_show_the_current_lr():
    opt = make_optimizer("momentum", lr=1.0, schedule="exponential", gamma=0.5)
    x = np.array([1.0, 1.0])
    state = opt.init(x)
    for _ in range(3):
        _, state = opt.update(np.array([0.1, 0.1]), state, x)
    assert opt.details(np.zeros(2), state, x)["lr"] == 0.125
    assert "velocity" in opt.details(np.zeros(2), state, x)


def test_every_first_order_spec_takes_the_pieces_and_no_other():
    names = {p.name for p in PARAMS}
    for spec in OPTIMIZERS.values():
        assert names <= {p.name for p in spec.params} if spec.first_order else not names & {p.name for p in spec.params}
    assert {"sgd", "adam", "adamw", "momentum"} <= set(FIRST_ORDER) and "newton" not in FIRST_ORDER


def test_the_command_line_takes_a_schedule_and_refuses_bad_pieces(tmp_path):
    out = tmp_path / "r.json"
    ok = subprocess.run([sys.executable, "main.py", "run", "--objective", "rosenbrock", "--steps", "50",
                         "--racer", "adam:lr=0.1,schedule=cosine,t_max=500", "--out", str(out)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    saved = json.loads(out.read_text())
    assert saved["racers"][0]["hyperparameters"]["schedule"] == "cosine"
    for bad, word in [("schedule=cosinus", "schedule"), ("gamma=0", "gamma"), ("t_max=0", "t_max"),
                      ("clip_norm=-1", "clip_norm"), ("lr_min=0.2", "lr_min")]:
        r = subprocess.run([sys.executable, "main.py", "run", "--objective", "rosenbrock", "--steps", "5",
                            "--racer", f"adam:lr=0.1,{bad}"], capture_output=True, text=True)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and word in r.stderr and "Traceback" not in r.stderr


def test_the_lr_curve_for_drawing_is_the_schedule_with_every_drop():
    from lab.optimizers.pieces import lr_curve

    assert lr_curve({"lr": 0.1}, 500) is None  # constant: nothing to draw
    t, lr = lr_curve({"lr": 0.4, "schedule": "step", "step_size": 100, "gamma": 0.5}, 300, points=4)
    assert {99.0, 100.0, 199.0, 200.0, 299.0, 300.0} <= set(t.tolist())
    assert dict(zip(t.tolist(), lr.tolist()))[99.0] == 0.4 and dict(zip(t.tolist(), lr.tolist()))[100.0] == 0.2
    t, lr = lr_curve({"lr": 1.0, "schedule": "warmup_cosine", "warmup": 10, "t_max": 100}, 400)
    index = SCHEDULES.index("warmup_cosine")
    assert lr.tolist() == [scheduled_lr(int(s), 1.0, index, 100, 0.1, 100, 0.0, 10) for s in t]
    assert t[0] == 0 and t[-1] == 400 and lr[0] == 0.1 and lr.max() == 1.0 and lr[-1] == 0.0
