"""What a convergence map costs, block by block, and what a 10⁸-start map would cost (issue 19 §4).

    python benchmarks/map_blocks.py [--grid 600] [--steps 500] [--cluster-workers 16]

Times a map of --grid × --grid starts (adam, lr 0.05, on himmelblau) three ways in one run: in this process,
on 2 local processes (--workers 2), and into a folder store; prints the time per block of lab.basin.MAP_BLOCK starts,
the ratio between the ways, the peak memory of this process, and from the measured block time an estimate of a
10 000 × 10 000 map (10⁸ starts, the folder store's limit) on this machine and on a cluster of --cluster-workers
single-core workers like one of these cores (the work is independent blocks: it divides, plus the per-block
overhead measured here).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab import basin  # noqa: E402
from lab.basin_store import map_to_folder  # noqa: E402
from lab.objectives import make_objective  # noqa: E402
from multistart_speed import machine  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grid", type=int, default=600)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--cluster-workers", type=int, default=16)
    args = p.parse_args(argv)
    obj = make_objective("himmelblau")
    hp = {"lr": 0.05}
    n = args.grid * args.grid
    blocks = len(basin.block_ranges(n))
    print(f"machine: {machine()}")
    print(f"map: himmelblau, adam lr 0.05, {args.grid} x {args.grid} = {n} starts, {args.steps} steps, "
          f"{blocks} blocks of {basin.MAP_BLOCK}")
    basin.basin_map(obj, "adam", hp, steps=5, grid=8)  # compile (or load) the kernel first
    times = {}
    t = time.perf_counter()
    m = basin.basin_map(obj, "adam", hp, steps=args.steps, grid=args.grid)
    times["one process"] = time.perf_counter() - t
    t = time.perf_counter()
    basin.basin_map(obj, "adam", hp, steps=args.steps, grid=args.grid, workers=2)
    times["--workers 2"] = time.perf_counter() - t
    folder = Path(tempfile.mkdtemp()) / "map"
    t = time.perf_counter()
    map_to_folder(folder, obj, "adam", hp, steps=args.steps, grid=args.grid)
    times["folder store"] = time.perf_counter() - t
    shutil.rmtree(folder.parent)
    steps_taken = int(m.step.sum())
    for name, seconds in times.items():
        print(f"{name:>13}: {seconds:7.2f} s, {seconds / blocks:6.3f} s a block, "
              f"{steps_taken / seconds / 1e6:7.1f} M point-steps/s, {seconds / times['one process']:.2f}x one process")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS) of this process: {peak:.0f} MB")
    per_start = times["one process"] / n  # both cores of this machine (numba threads)
    big = 10**8
    print(f"estimate for 10^8 starts x {args.steps} steps: this machine {big * per_start / 60:.0f} min; "
          f"{args.cluster_workers} single-core workers ~{big * per_start * 2 / args.cluster_workers / 60:.0f} min "
          f"(+ ~{big / basin.MAP_BLOCK:.0f} blocks of scheduling)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
