"""How fast the timeline answers on a long race: the lecture set (8 racers) on rosenbrock run to 1 000 000 steps
(tol = 0: nobody stops early), paused, then moved about with the keys' own calls.

    QT_QPA_PLATFORM=offscreen python benchmarks/timeline.py [--steps N] [--moves M]

For each move (← one step, Shift+← ten, a slider jump to a random step, Home, End) it measures, in the GUI thread:
the move itself (the model's cursor, the slider, the signal), the redraw of every view at the new step (the redraw
clock's flush: markers, arrows, tables, cursor lines) and the paint (one pass of events) — what the user waits for
before the markers stand at x_k — as wall-clock and as the GUI thread's CPU time, and, separately, the time
until the step's arrows and curvature arrive from the view-jobs thread (``Race.details_at`` for the selected
racer, the Hessian at every racer's x_k). Reference in the same run: one
redraw after another racer is selected at the live end. Prints medians and maxima (ms), the machine, its load and
RSS. Exit status 1 if a kind of move's median wall-clock time passed 50 ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPTIMIZER_LAB_SETTINGS", str(Path("/tmp") / "optimizer-lab-benchmark.ini"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BAR_MS = 50.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1_000_000)
    p.add_argument("--moves", type=int, default=40, help="moves of each kind")
    args = p.parse_args()

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(remember=False)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.add_racer("adamw")
    m.experiment.tol = 0.0
    m.set_max_steps(args.steps)
    m.reset()
    m.set_speed(0)
    t0 = time.perf_counter()
    loop = QEventLoop()
    m.runEnded.connect(lambda _r: loop.quit())
    m.run()
    loop.exec()
    while m.step_count < m.race.step_count:
        app.processEvents()
    run_s = time.perf_counter() - t0
    window.refresh_now()
    app.processEvents()
    racers, end = len(m.traces), m.step_count

    def gui_ms(move) -> tuple[float, float]:
        """The move, every view redrawn at the new step and painted: (wall-clock, GUI-thread CPU) time, in ms."""
        t, c = time.perf_counter(), time.thread_time()
        move()
        window.clock.flush()
        app.processEvents()
        return (time.perf_counter() - t) * 1000.0, (time.thread_time() - c) * 1000.0

    def arrival_ms() -> float:
        """From now until the step's arrows and curvature have arrived (the view-jobs thread), in ms."""
        t = time.perf_counter()
        while not (m.view_step.ready and not window.jobs.busy()):
            app.processEvents()
            time.sleep(0.0005)
        return (time.perf_counter() - t) * 1000.0

    rows = [t.row for t in m.traces]  # reference: another racer selected at the live end (markers, arrows, tables)
    reference = [gui_ms(lambda j=j: m.select(rows[j % len(rows)])) for j in range(1, 21)]
    m.select(rows[0])
    rng = random.Random(1)
    kinds = {"←": lambda: window.timeline.back(1), "Shift+←": lambda: window.timeline.back(10),
             "slider jump": lambda: window.timeline.slider.setValue(rng.randrange(0, end)),
             "Home": window.timeline.home, "End": window.timeline.end}
    window.timeline.show_step(end // 2)
    arrival_ms()
    results = {}
    for name, move in kinds.items():
        gui, arrive = [], []
        for _ in range(args.moves):
            if name in ("Home", "End"):
                window.timeline.show_step(rng.randrange(0, end))
                arrival_ms()
            gui.append(gui_ms(move))
            arrive.append(arrival_ms())
        results[name] = (gui, arrive)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    print(f"race: {racers} racers on rosenbrock, {end:,} steps each (tol = 0), run in {run_s:.1f} s; "
          f"RSS {rss_mb():.0f} MB")
    print(f"load average {os.getloadavg()[0]:.1f} (the machine is shared: wall-clock times include waiting for a core)")

    def stats(values) -> str:
        return f"median {statistics.median(values):5.1f}, max {max(values):6.1f}"

    ref_wall, ref_cpu = zip(*reference)
    print(f"reference, another racer selected at the live end: wall {stats(ref_wall)} ms; GUI-thread CPU "
          f"{stats(ref_cpu)} ms")
    worst = 0.0
    print(f"{'move':<12} {'wall: move + redraw + paint (ms)':>32} {'GUI-thread CPU (ms)':>26} "
          f"{'arrows and curvature arrive (ms)':>34}")
    for name, (gui, arrive) in results.items():
        wall, cpu = zip(*gui)
        worst = max(worst, statistics.median(wall))
        print(f"{name:<12} {stats(wall):>32} {stats(cpu):>26} {stats(arrive):>34}")
    ratio = statistics.median(c for _, c in results["←"][0]) / max(statistics.median(ref_cpu), 1e-9)
    print(f"a ← move costs {ratio:.2f}× the reference redraw (GUI-thread CPU); the slowest median move: "
          f"{worst:.1f} ms wall (bar {BAR_MS:.0f} ms)")
    window.close()
    return 0 if worst <= BAR_MS else 1


if __name__ == "__main__":
    sys.exit(main())
