"""Switching objectives, over and over (issue 21): 1 000 switches with racers added and removed in between.

    QT_QPA_PLATFORM=offscreen python benchmarks/objective_soak.py [--switches N] [--every K]

The window as it is used (shown, its redraw clock and view jobs running); before each switch a racer is added
and one removed, then the objective changes (the 2-D ones and a data objective, in turn) and the events are let
run (in the application's own event loop, as the window is used). Prints the time each switch took in the GUI thread (median and worst of every ``--every`` switches) and
the memory (RSS) at the start, after every ``--every`` switches and at the end: both must level off (the issue
saw RSS reach 1 GB after 400 switches, and the switches slow to ~230 ms). Exit status 1 if RSS at the end is more
than 1.5 times its value after the first ``--every`` switches.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPTIMIZER_LAB_SETTINGS", str(Path("/tmp") / "optimizer-lab-benchmark.ini"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OBJECTIVES = ["quadratic", "rosenbrock", "booth", "himmelblau", "saddle", "linear_regression", "beale"]
OPTIMIZERS = ["sgd", "adam", "momentum", "rmsprop", "nesterov"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--switches", type=int, default=1000)
    p.add_argument("--every", type=int, default=100)
    args = p.parse_args(argv)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from lab.objectives import OBJECTIVES as KNOWN
    from widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    names = [n for n in OBJECTIVES if n in KNOWN]
    w = MainWindow(remember=False)
    w.resize(1400, 900)
    w.show()
    m = w.model
    m.set_speed(0)
    for _ in range(5):
        app.processEvents()
    gc.collect()
    start = rss_mb()
    print(f"start: RSS {start:.0f} MB, {len(m.racers)} racers, objectives {', '.join(names)}")
    times, marks = [], []

    def switch(i: int) -> None:
        """One switch, then the next on a later turn of the event loop (which also deletes the widgets the
        switch replaced: deleteLater is only honoured by a running loop, never by processEvents)."""
        if i == args.switches:
            app.quit()
            return
        m.add_racer(OPTIMIZERS[i % len(OPTIMIZERS)])
        if len(m.racers) > 9:
            m.remove_racer(1)
        if i % 3 == 0 and len(m.racers) > 2:
            m.remove_racer(len(m.racers) - 1)
        t = time.perf_counter()
        m.set_objective(names[i % len(names)])
        times.append(time.perf_counter() - t)
        if (i + 1) % args.every == 0:
            gc.collect()
            marks.append(rss_mb())
            chunk = times[-args.every:]
            print(f"{i + 1:5d} switches: RSS {marks[-1]:.0f} MB; switch median {statistics.median(chunk) * 1e3:.1f} "
                  f"ms, worst {max(chunk) * 1e3:.1f} ms; {len(m.racers)} racers", flush=True)
        QTimer.singleShot(1, lambda: switch(i + 1))

    QTimer.singleShot(0, lambda: switch(0))
    app.exec()
    gc.collect()
    end = rss_mb()
    print(f"end: RSS {end:.0f} MB (start {start:.0f} MB)")
    w.close()
    return 1 if marks and end > 1.5 * marks[0] else 0


if __name__ == "__main__":
    sys.exit(main())
