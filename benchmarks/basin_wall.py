"""Wall time of one ``basin`` command, start-up included, against Python's own start-up with NumPy.

    python benchmarks/basin_wall.py [--runs R] [--grid N] [--steps S]

Runs ``python main.py basin --objective himmelblau --optimizer adam:lr=0.01 --grid 200 --steps 500`` R times
with the batched engine's compiled path, R times with its NumPy path (OPTIMIZER_LAB_COMPILED=0), and
``python -c "import numpy"`` R times as the start-up reference, each a fresh process, taken in turn; prints the
median, min and max of each. One unmeasured run first builds the kernel if the cache is cold.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from multistart_speed import machine  # noqa: E402


def wall(cmd, env) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--grid", type=int, default=200)
    ap.add_argument("--steps", type=int, default=500)
    args = ap.parse_args()
    basin = [sys.executable, "main.py", "basin", "--objective", "himmelblau", "--optimizer", "adam:lr=0.01",
             "--grid", str(args.grid), "--steps", str(args.steps)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cases = {"basin, compiled path": (basin, {**env, "OPTIMIZER_LAB_COMPILED": "1"}),
             "basin, NumPy path": (basin, {**env, "OPTIMIZER_LAB_COMPILED": "0"}),
             'python -c "import numpy"': ([sys.executable, "-c", "import numpy"], env)}
    first = wall(*cases["basin, compiled path"])
    print(f"machine: {machine()}")
    print(f"{' '.join(basin[1:])}: wall seconds over {args.runs} fresh processes "
          f"(first run, kernel built if the cache was cold: {first:.2f} s)")
    times = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (cmd, e) in cases.items():
            times[name].append(wall(cmd, e))
    ref = statistics.median(times['python -c "import numpy"'])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:28s} median {med:5.2f} s  min {min(ts):5.2f}  max {max(ts):5.2f}   "
              f"{med - ref:+.2f} s over the NumPy start-up")


if __name__ == "__main__":
    main()
