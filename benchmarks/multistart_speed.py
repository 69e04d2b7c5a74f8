"""Point-steps per second of the batched multi-start engine: Adam on 2-D rosenbrock from K start points.

    python benchmarks/multistart_speed.py [--points K] [--steps N] [--repeat R] [--optimizer NAME]

Prints the best of R runs (tol = 0: every point takes all N steps unless it diverges), then, for scale, the
same K points as one plain NumPy batch (update + grad on all K at once, no status checks).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from lab.multistart import multistart  # noqa: E402
from lab.objectives import make_objective  # noqa: E402
from lab.optimizers import make_optimizer  # noqa: E402

LR = {"adam": 1e-3, "sgd": 1e-4, "momentum": 1e-4, "nesterov": 1e-4, "adagrad": 1e-2, "rmsprop": 1e-3,
      "adamw": 1e-3, "newton": 0.5}


def engine(obj, name, starts, steps) -> float:
    t0 = time.perf_counter()
    r = multistart(obj, name, starts, steps=steps, hyperparameters={"lr": LR[name]}, tol=0.0)
    elapsed = time.perf_counter() - t0
    return len(starts) * steps / elapsed, r


def plain(obj, name, starts, steps) -> float:
    opt = make_optimizer(name, lr=LR[name])
    x = starts.copy()
    state = opt.init(x)
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            step, state = opt.update(obj.grad(x), state, x, obj)
            x = x + step
    return len(starts) * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=65536)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--optimizer", default="adam", choices=sorted(LR))
    args = ap.parse_args()
    obj = make_objective("rosenbrock")
    rng = np.random.default_rng(0)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    starts = rng.uniform(lo, hi, (args.points, 2))
    best, result = 0.0, None
    for _ in range(args.repeat):
        rate, result = engine(obj, args.optimizer, starts, args.steps)
        best = max(best, rate)
    base = max(plain(obj, args.optimizer, starts, args.steps) for _ in range(args.repeat))
    print(f"{args.optimizer} on 2-D rosenbrock, K = {args.points} start points, {args.steps} steps, best of {args.repeat}")
    print(f"  lab.multistart (blocks, statuses)   {best / 1e6:7.1f} M point-steps/s  ({1e9 / best:.1f} ns each)")
    print(f"  one plain NumPy batch, no statuses  {base / 1e6:7.1f} M point-steps/s  ({1e9 / base:.1f} ns each)")
    print(f"  outcome: {result!r}")


if __name__ == "__main__":
    main()
