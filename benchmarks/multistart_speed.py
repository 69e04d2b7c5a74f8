"""Point-steps per second of the batched engine, side by side: compiled path, NumPy path, naive NumPy loop.

    python benchmarks/multistart_speed.py [--points K] [--steps N] [--runs R] [--optimizer NAME] [--objective NAME]

Every run is a fresh process, as every ``basin`` and ``sweep`` is (its first batched call is the one that counts);
each figure is the median of R such runs, the three kinds taken in turn so that a busy machine slows them alike:

- compiled: lab.engine.multistart with its compiled path (numba); the kernel's loading from the disk cache is
  timed apart ("load"), the run after it;
- numpy:    the same engine with OPTIMIZER_LAB_COMPILED=0 (its NumPy path: blocks, statuses);
- naive:    ten lines of vectorised NumPy Adam over all K points at once (no statuses) — the reference.

tol = 0, so that every point takes every step unless it diverges. Prints the machine, M point-steps/s, ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LR = {"adam": 0.01, "sgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1, "rmsprop": 0.01,
      "adamw": 0.01}


def machine() -> str:
    model = platform.processor() or "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except Exception:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{model}, {cores} cores, Python {platform.python_version()}, load average {load}"


def child(mode: str, args) -> dict:
    """One measurement, in this (fresh) process."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from lab.engine.multistart import multistart
    from lab.objectives import make_objective

    obj = make_objective(args.objective)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    starts = np.random.default_rng(0).uniform(lo, hi, (args.points, 2))
    lr = LR[args.optimizer]
    load = 0.0
    if mode == "naive":
        t0 = time.perf_counter()
        naive(obj, args.optimizer, starts, args.steps, lr)
    else:
        if mode == "compiled":
            t0 = time.perf_counter()
            multistart(obj, args.optimizer, starts[:4], steps=1, hyperparameters={"lr": lr}, tol=0.0)
            load = time.perf_counter() - t0
        t0 = time.perf_counter()
        multistart(obj, args.optimizer, starts, steps=args.steps, hyperparameters={"lr": lr}, tol=0.0)
    elapsed = time.perf_counter() - t0
    return {"rate": args.points * args.steps / elapsed, "load": load}


def naive(obj, name, x, steps, lr):
    """Adam, the ten-line vectorised NumPy way (any other optimizer: its update() over all points)."""
    import numpy as np

    if name == "adam":
        b1, b2, eps = 0.9, 0.999, 1e-8
        m, v = np.zeros_like(x), np.zeros_like(x)
        with np.errstate(all="ignore"):
            for t in range(1, steps + 1):
                g = obj.value_and_grad(x)[1]
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * (g * g)
                x = x - (lr / (1 - b1 ** t)) * m / (np.sqrt(v / (1 - b2 ** t)) + eps)
        return x
    from lab.optimizers import make_optimizer

    opt = make_optimizer(name, lr=lr)
    state = opt.init(x)
    with np.errstate(all="ignore"):
        for _ in range(steps):
            step, state = opt.update(obj.value_and_grad(x)[1], state, x, obj)
            x = x + step
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=160_000)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--optimizer", default="adam", choices=sorted(LR))
    ap.add_argument("--objective", default="himmelblau")
    ap.add_argument("--child", choices=["compiled", "numpy", "naive"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args)))
        return
    modes = ("compiled", "numpy", "naive")
    base = [sys.executable, __file__, "--points", str(args.points), "--steps", str(args.steps),
            "--optimizer", args.optimizer, "--objective", args.objective]
    env0 = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(base + ["--child", "compiled", "--points", "64", "--steps", "2"], env=env0, check=True,
                   capture_output=True)  # compile once if the disk cache is cold: not measured
    print(f"machine: {machine()}")
    print(f"{args.optimizer} on {args.objective}, {args.points} starts × {args.steps} steps, tol 0; "
          f"median of {args.runs} fresh processes each")
    runs = {m: [] for m in modes}
    for _ in range(args.runs):
        for mode in modes:
            env = {**env0, "OPTIMIZER_LAB_COMPILED": "0" if mode == "numpy" else "1"}
            out = subprocess.run(base + ["--child", mode], env=env, capture_output=True, text=True, check=True)
            runs[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
    ref = statistics.median(r["rate"] for r in runs["naive"])
    labels = {"compiled": "engine, compiled path (numba)", "numpy": "engine, NumPy path",
              "naive": "naive vectorised NumPy loop"}
    for mode in modes:
        rates = [r["rate"] / 1e6 for r in runs[mode]]
        med = statistics.median(rates)
        extra = ""
        if mode == "compiled":
            extra = f"   (+ {statistics.median(r['load'] for r in runs[mode]) * 1e3:.0f} ms to load the kernel)"
        print(f"  {labels[mode]:32s} {med:7.1f} M point-steps/s  [{min(rates):.1f}–{max(rates):.1f}]  "
              f"{med * 1e6 / ref:5.2f}× naive{extra}")


if __name__ == "__main__":
    main()
