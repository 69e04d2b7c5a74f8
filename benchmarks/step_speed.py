"""How long one step takes on 2-D rosenbrock, in µs: a bare Adam loop, a race of 1 and of 8 racers.

Rosenbrock is float_safe, so the race takes its 2-D fast path (each optimizer's rule on floats, lab/optimizers/elementwise.py); the two "general path" lines
race on beale, whose formulas use ** and so run through NumPy and each optimizer's update().

    python benchmarks/step_speed.py [--steps N] [--repeat R]

Prints the best of R runs (the least disturbed by other work on the machine) for each case.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from lab.objectives import make_objective  # noqa: E402
from lab.optimizers import make_optimizer  # noqa: E402
from lab.race import Race, RacerSpec  # noqa: E402

START = (-1.5, 2.0)
MIXED = [RacerSpec("sgd", {"lr": 1e-4}), RacerSpec("momentum", {"lr": 1e-4}), RacerSpec("nesterov", {"lr": 1e-4}),
         RacerSpec("adagrad", {"lr": 1e-2}), RacerSpec("rmsprop", {"lr": 1e-3}), RacerSpec("adam", {"lr": 1e-3}),
         RacerSpec("adamw", {"lr": 1e-3}), RacerSpec("newton", {"lr": 0.5})]


def bare_adam(steps: int) -> float:
    """The plain loop: grad, update, x + step; µs per step."""
    obj, opt = make_objective("rosenbrock"), make_optimizer("adam", lr=1e-3)
    x = np.array(START)
    state = opt.init(x)
    t0 = time.perf_counter()
    for _ in range(steps):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
    return (time.perf_counter() - t0) / steps * 1e6


def race(specs: list[RacerSpec], steps: int, objective: str = "rosenbrock") -> float:
    """Race.step(steps) with tol = 0 (nobody stops early); µs per lockstep step."""
    obj = make_objective(objective)
    r = Race(obj, START if objective == "rosenbrock" else obj.start, specs, max_steps=steps, tol=0.0)
    t0 = time.perf_counter()
    r.step(steps)
    elapsed = time.perf_counter() - t0
    assert r.step_count == steps
    return elapsed / steps * 1e6


def torch_adam(steps: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([x], lr=1e-3)
    t0 = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cases = [("bare adam update + grad loop", lambda n: bare_adam(n)),
             ("Race, 1 adam racer", lambda n: race([RacerSpec("adam", {"lr": 1e-3})], n)),
             ("Race, 8 mixed racers (sgd..adamw, newton)", lambda n: race(MIXED, n)),
             ("general path: Race, 1 adam racer, beale", lambda n: race([RacerSpec("adam", {"lr": 1e-3})], n, "beale")),
             ("general path: Race, 8 mixed racers, beale", lambda n: race(MIXED, n, "beale")),
             ("torch.optim.Adam + autograd", torch_adam)]
    print(f"2-D rosenbrock from {START}, {args.steps} steps, best of {args.repeat}; µs per (lockstep) step")
    for name, fn in cases:
        times = [fn(args.steps) for _ in range(args.repeat)]
        if times[0] is None:
            print(f"  {name:45s}  (torch not installed)")
        else:
            print(f"  {name:45s} {min(times):8.2f} µs")


if __name__ == "__main__":
    main()
