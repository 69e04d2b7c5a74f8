"""Rewinding a race (lab/engine/replay.py): what ``Race.state_at`` / ``details_at`` cost on a 1 000 000-step race,
against replaying from the start, the snapshots' memory, and what taking them costs the race.

    python benchmarks/rewind.py            (~2 minutes of CPU; more on shared cores)

Times are the process's CPU time (time.process_time), so that other work on a shared machine counts less.

1. Speed of the race with snapshots on vs off: 8 racers on rosenbrock (the float path), 100 000 steps, three runs of
   each alternated, the best of each (the machine is shared: the best is the least disturbed).
2. The 1 000 000-step race (8 racers, tol = 0 so that none stops): state_at and details_at at 300 random (racer,
   step) pairs — median and max — against one replay from step 0 (what a rewind would cost without snapshots).
3. The same on the general path (gradient noise: every racer through ``update``): 100 000 steps, 2 racers.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.engine import replay  # noqa: E402
from lab.engine.race import Race, RacerSpec  # noqa: E402
from lab.objectives import make_objective  # noqa: E402
from lab.stochastic import gradient_source  # noqa: E402

RACERS = [RacerSpec("sgd", {"lr": 1e-3}), RacerSpec("momentum", {"lr": 1e-3}), RacerSpec("nesterov", {"lr": 1e-3}),
          RacerSpec("adagrad", {"lr": 0.5}), RacerSpec("rmsprop", {"lr": 0.01}), RacerSpec("adam", {"lr": 0.05}),
          RacerSpec("adam", {"lr": 0.05, "schedule": "cosine", "t_max": 500_000, "clip_norm": 10.0}),
          RacerSpec("newton")]


def race(steps: int, racers=RACERS, noise: float = 0.0) -> Race:
    obj = make_objective("rosenbrock")
    return Race(obj, [-1.5, 2.0], racers, max_steps=steps, tol=0.0, gradient_source=gradient_source(obj, noise, 0))


def timed_run(steps: int, snapshots: bool) -> float:
    saved = replay.SNAPSHOT_EVERY, replay.SNAPSHOT_EVERY_UPDATE
    if not snapshots:  # no step is a multiple: only step 0's snapshot is taken
        replay.SNAPSHOT_EVERY = replay.SNAPSHOT_EVERY_UPDATE = 1 << 62
    try:
        r = race(steps)
        t = time.process_time()
        r.run()
        return time.process_time() - t
    finally:
        replay.SNAPSHOT_EVERY, replay.SNAPSHOT_EVERY_UPDATE = saved


def timings(r: Race, pairs, what) -> np.ndarray:
    out = []
    for i, k in pairs:
        t = time.process_time()
        what(i, k)
        out.append(time.process_time() - t)
    return np.array(out) * 1e3


def from_scratch(r: Race, i: int, k: int) -> float:
    """Seconds to rebuild racer i's state at step k from step 0 (its snapshots hidden but the first)."""
    tr = r.tracks[i]
    saved = tr.snapshots
    first = replay.Snapshots()
    first.take(0, saved.states[0], saved.floats[0])
    tr.snapshots = first
    try:
        t = time.process_time()
        state = r.state_at(i, k)
        seconds = time.process_time() - t
    finally:
        tr.snapshots = saved
    check = r.state_at(i, k)
    assert all(np.array_equal(a, b) for a, b in zip(np.atleast_1d(state[-1]), np.atleast_1d(check[-1])))
    return seconds


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
          f"NumPy {np.__version__}; SNAPSHOT_EVERY = {replay.SNAPSHOT_EVERY} (float path), "
          f"SNAPSHOT_EVERY_UPDATE = {replay.SNAPSHOT_EVERY_UPDATE} (through update)")

    steps = 100_000
    on, off = [], []
    for _ in range(3):
        off.append(timed_run(steps, False))
        on.append(timed_run(steps, True))
    rate_on, rate_off = 8 * steps / min(on), 8 * steps / min(off)
    print(f"1. race speed, 8 racers x {steps:,} steps: snapshots on {rate_on:,.0f} racer-steps/s, off "
          f"{rate_off:,.0f} (best of 3 each); on/off = {rate_on / rate_off:.3f}")

    steps = 1_000_000
    r = race(steps)
    t = time.process_time()
    r.run()
    run_seconds = time.process_time() - t
    rng = np.random.default_rng(0)
    pairs = [(int(rng.integers(8)), int(rng.integers(0, steps))) for _ in range(300)]
    st = timings(r, pairs, r.state_at)
    dt = timings(r, pairs, r.details_at)
    trajectory = sum(tr._x.nbytes + tr._loss.nbytes + tr._gnorm.nbytes for tr in r.tracks)
    snaps = replay.snapshot_bytes(r)
    print(f"2. the {steps:,}-step race of 8 racers ran in {run_seconds:.1f} s of CPU; "
          f"{sum(len(tr.snapshots) for tr in r.tracks):,} snapshots take {snaps / 2**20:.1f} MiB "
          f"(the trajectories {trajectory / 2**20:.0f} MiB: {snaps / trajectory:.1%} more)")
    print(f"   state_at at 300 random (racer, step): median {np.median(st):.2f} ms, max {st.max():.2f} ms")
    print(f"   details_at at the same:             median {np.median(dt):.2f} ms, max {dt.max():.2f} ms")
    for i in (5, 7):  # adam (the cheapest float rule with a state) and newton (its rule asks the Hessian)
        seconds = from_scratch(r, i, steps - 1)
        print(f"   from step 0 instead (racer {i}, {r.tracks[i].spec.optimizer}, to step {steps - 1:,}): "
              f"{seconds * 1e3:,.0f} ms = {seconds * 1e3 / np.median(st):,.0f}x the median rewind")

    steps = 100_000
    r = race(steps, [RacerSpec("adam", {"lr": 0.05}), RacerSpec("momentum", {"lr": 1e-3})], noise=0.1)
    r.run()
    pairs = [(int(rng.integers(2)), int(rng.integers(0, steps))) for _ in range(300)]
    st = timings(r, pairs, r.state_at)
    seconds = from_scratch(r, 0, steps - 1)
    print(f"3. through update (gradient noise), {steps:,} steps, 2 racers: state_at median {np.median(st):.2f} ms, "
          f"max {st.max():.2f} ms; from step 0 to {steps - 1:,}: {seconds * 1e3:,.0f} ms; "
          f"snapshots {replay.snapshot_bytes(r) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
