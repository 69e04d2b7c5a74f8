"""What a schedule or clipping adds to a step: one Adam racer (the race's float path) and a batch (the batched
engine), each case timed in turn with the plain one, several rounds, the ratio of medians printed.

    python benchmarks/pieces_speed.py [--steps N] [--points K] [--rounds R]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from lab.engine.multistart import multistart  # noqa: E402
from lab.engine.race import Race, RacerSpec  # noqa: E402
from lab.objectives import make_objective  # noqa: E402

CASES = {"plain": {}, "cosine": {"schedule": "cosine", "t_max": 5000},
         "warmup_cosine": {"schedule": "warmup_cosine", "t_max": 5000, "warmup": 100},
         "clip_norm": {"clip_norm": 1.0}, "clip_value": {"clip_value": 1.0},
         "cosine + clip_norm": {"schedule": "cosine", "t_max": 5000, "clip_norm": 1.0}}


def race_us(obj, hp, steps):
    r = Race(obj, (-1.5, 2.0), [RacerSpec("adam", {"lr": 1e-3, **hp})], max_steps=steps, tol=0.0)
    t0 = time.perf_counter()
    r.step(steps)
    return (time.perf_counter() - t0) / steps * 1e6


def batch_rate(obj, hp, starts, steps):
    t0 = time.perf_counter()
    multistart(obj, "adam", starts, steps=steps, hyperparameters={"lr": 1e-3, **hp}, tol=0.0)
    return len(starts) * steps / (time.perf_counter() - t0) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--points", type=int, default=65536)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    obj = make_objective("rosenbrock")
    starts = np.random.default_rng(0).uniform(-2, 2, (args.points, 2))
    one = {k: [] for k in CASES}
    many = {k: [] for k in CASES}
    for _ in range(args.rounds):
        for name, hp in CASES.items():
            one[name].append(race_us(obj, hp, args.steps))
            many[name].append(batch_rate(obj, hp, starts, 100))
    print(f"Adam on 2-D rosenbrock, medians of {args.rounds} interleaved rounds")
    print(f"  {'case':20s} {'1 racer µs/step':>16s} {'ratio':>6s} {'batch M pt-steps/s':>19s} {'ratio':>6s}")
    base1, baseb = statistics.median(one["plain"]), statistics.median(many["plain"])
    for name in CASES:
        a, b = statistics.median(one[name]), statistics.median(many[name])
        print(f"  {name:20s} {a:16.2f} {a / base1:6.2f} {b:19.1f} {baseb / b:6.2f}")


if __name__ == "__main__":
    main()
