"""Batched L-BFGS against one race per start, in the same run (issue 19 §3).

    python benchmarks/lbfgs_batch.py [--points K] [--steps N]

K start points on himmelblau's domain, N steps each, with the strong-Wolfe line search and without: the batched
engine (multistart: per-point histories, the two-loop recursion for all points at once, the line search point by
point) against K one-racer Races (the reference). Prints point-steps per second and the ratio; the final points
are checked equal, bit for bit.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from lab.engine.multistart import multistart  # noqa: E402
from lab.objectives import make_objective  # noqa: E402
from lab.race import Race, RacerSpec  # noqa: E402
from multistart_speed import machine  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=400)
    p.add_argument("--steps", type=int, default=40)
    args = p.parse_args(argv)
    obj = make_objective("himmelblau")
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = obj.domain
    starts = np.column_stack([rng.uniform(x0, x1, args.points), rng.uniform(y0, y1, args.points)])
    print(f"machine: {machine()}")
    for line_search in ("strong_wolfe", "none"):
        hp = {"line_search": line_search, "lr": 1.0 if line_search == "strong_wolfe" else 0.01}
        t = time.perf_counter()
        batch = multistart(obj, "lbfgs", starts, hyperparameters=hp, steps=args.steps)
        t_batch = time.perf_counter() - t
        done_batch = int(batch.step.sum()) or 1
        t = time.perf_counter()
        done_alone, same = 0, True
        for k, x in enumerate(starts):
            tr = Race(obj, x, [RacerSpec("lbfgs", hp)], max_steps=args.steps).run().tracks[0]
            done_alone += tr.steps
            same &= bool(np.array_equal(tr.x, batch.x[k]))
        t_alone = time.perf_counter() - t
        print(f"{line_search:>12}: batched {done_batch / t_batch:10.0f} point-steps/s, one race per start "
              f"{done_alone / t_alone:10.0f} point-steps/s: ratio {t_alone / t_batch * done_batch / done_alone:.2f}; "
              f"final points equal: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
