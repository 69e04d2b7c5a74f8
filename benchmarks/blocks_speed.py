"""Wall time of `tune` and `phase` on one process against --workers 2 (fresh processes, start-up included).

    python benchmarks/blocks_speed.py [--runs R]

Runs each command R times with --workers 1 and R times with --workers 2, in turn, each a fresh process, and prints
the median wall time of each and their ratio, with the machine and its load (2 workers can only help on a machine
whose second core is free: other processes share it here). The outputs of the two are compared byte for byte.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from multistart_speed import machine  # noqa: E402

COMMANDS = {
    "tune, linear_regression B=8, 3 racers, 5 seeds × 2 starts, 1000 steps": [
        "tune", "--objective", "linear_regression", "--param", "batch_size=8", "--racer", "sgd", "--racer",
        "momentum:rho=0.9", "--racer", "adam", "--steps", "1000", "--seeds", "5", "--starts", "2"],
    "phase, nesterov 1000 × 1000": ["phase", "--objective", "quadratic", "--param", "kappa=100", "--optimizer",
                                    "nesterov", "--size", "1000"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for title, argv in COMMANDS.items():
            times: dict[str, list[float]] = {"1": [], "2": []}
            ending = ".json" if argv[0] == "tune" else ".npz"
            for _ in range(runs):
                for w in times:
                    out = Path(tmp) / f"w{w}{ending}"
                    t0 = time.perf_counter()
                    subprocess.run([sys.executable, str(ROOT / "main.py"), *argv, "--workers", w, "--out", str(out)],
                                   check=True, stdout=subprocess.DEVNULL, cwd=tmp)
                    times[w].append(time.perf_counter() - t0)
            same = (Path(tmp) / f"w1{ending}").read_bytes() == (Path(tmp) / f"w2{ending}").read_bytes()
            one, two = statistics.median(times["1"]), statistics.median(times["2"])
            print(f"{title}: --workers 1 {one:.2f} s, --workers 2 {two:.2f} s (median of {runs}); "
                  f"ratio {one / two:.2f}; same bytes: {same}")


if __name__ == "__main__":
    main()
