"""The window under load: 8 racers at full speed on rosenbrock for 100 000 steps (issue 4's bar).

    QT_QPA_PLATFORM=offscreen python benchmarks/window.py [--steps N] [--racers K]

Prints: start-up time; steps per second; progress messages and redraws per second; the longest time the GUI
thread was blocked (a 5 ms watchdog timer in the GUI thread: any gap between its ticks beyond 5 ms is a block);
how far behind the plots ever were; memory (RSS) before, during and after. No racer may stop early (tol = 0),
so every one of them runs every step: the worst case.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPTIMIZER_LAB_SETTINGS", str(Path("/tmp") / "optimizer-lab-benchmark.ini"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100_000)
    p.add_argument("--racers", type=int, default=8)
    p.add_argument("--speed", type=float, default=0.0, help="steps per second (0: as fast as possible)")
    p.add_argument("--switch-interval", type=float, default=None,
                   help="sys.setswitchinterval for this run (default: what the window sets)")
    args = p.parse_args()

    t0 = time.perf_counter()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from widgets.main_window import MainWindow

    t_import = time.perf_counter()
    window = MainWindow(remember=False)
    from widgets.app import settle_heap

    settle_heap()  # as main.py does (gc.freeze, GIL switch interval 0.5 ms)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(f"GIL switch interval: {1000 * sys.getswitchinterval():.2f} ms")
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    window.refresh_now()
    app.processEvents()
    t_shown = time.perf_counter()
    mem_start = rss_mb()

    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    while len(m.racers) < args.racers:
        m.add_racer("adamw" if "adamw" not in {r.optimizer for r in m.racers} else "sgd")
    m.set_experiment(m.experiment)  # same experiment, fresh race
    m.experiment.tol = 0.0
    m.set_max_steps(args.steps)
    m.reset()
    m.set_speed(args.speed)
    assert len(m.traces) == args.racers
    settle = time.perf_counter()
    while time.perf_counter() - settle < 0.5:  # let the set-up's relayouts and repaints land before measuring
        app.processEvents()

    # the watchdog: a 5 ms timer in the GUI thread; a late tick means the GUI thread was busy that long
    gaps: list[float] = []
    at: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        at.append(last[0])
        last[0] = now

    dog = QTimer()
    dog.setInterval(5)
    dog.timeout.connect(tick)

    messages = [0]
    lag_rows = [0]
    mem_mid = [0.0]

    def on_progress(_p) -> None:
        messages[0] += 1

    def on_tick() -> None:  # after each redraw: how many rows the loss plot is behind the model
        behind = max(t.n - len(c.yData) if c.yData is not None else t.n
                     for t, c in zip(m.traces, window.loss_plot.curves))
        lag_rows[0] = max(lag_rows[0], behind)
        if m.step_count >= args.steps // 2 and not mem_mid[0]:
            mem_mid[0] = rss_mb()

    m.raceAdvanced.connect(on_progress)
    window.clock.tick.connect(on_tick)
    ticks0 = window.clock.ticks
    loop = QEventLoop()
    m.runEnded.connect(lambda _r: loop.quit())
    dog.start()
    last[0] = time.perf_counter()
    t_run = time.perf_counter()
    m.run()
    loop.exec()
    t_end = time.perf_counter()
    dog.stop()
    window.refresh_now()
    app.processEvents()
    t_drawn = time.perf_counter()
    mem_end = rss_mb()

    elapsed = t_end - t_run
    blocks = sorted((g - 0.005) * 1000 for g in gaps)
    redraws = window.clock.ticks - ticks0
    print(f"racers: {args.racers} on rosenbrock, {m.step_count:,} steps each (tol = 0: nobody stops early)")
    print(f"start-up: import {1000 * (t_import - t0):.0f} ms, window built and shown {1000 * (t_shown - t_import):.0f} ms")
    print(f"run: {elapsed:.2f} s, {m.step_count / elapsed:,.0f} steps/s ({m.step_count * args.racers / elapsed:,.0f} racer-steps/s)")
    print(f"progress messages: {messages[0]} ({messages[0] / elapsed:.1f} per second; cap 60)")
    print(f"redraws: {redraws} ({redraws / elapsed:.1f} per second), last redraw cost {window.clock.last_cost_ms:.1f} ms, "
          f"interval now {window.clock.interval_ms} ms")
    worst = sorted(range(len(gaps)), key=lambda i: -gaps[i])[:3]
    print("longest blocks: " + ", ".join(f"{(gaps[i] - 0.005) * 1000:.0f} ms at {at[i] - t_run:.2f} s" for i in worst))
    print(f"GUI thread blocked: max {blocks[-1]:.1f} ms, 99th percentile {blocks[int(0.99 * (len(blocks) - 1))]:.1f} ms, "
          f"median {blocks[len(blocks) // 2]:.1f} ms over {len(blocks)} watchdog ticks (bar: 50 ms)")
    rate = m.step_count / elapsed
    print(f"loss plot behind the model after a redraw: at most {lag_rows[0]:,} steps (= {1000 * lag_rows[0] / rate:.0f} ms "
          f"of racing); final redraw {1000 * (t_drawn - t_end):.0f} ms")
    print(f"memory (RSS): {mem_start:.0f} MB at start, {mem_mid[0]:.0f} MB half-way, {mem_end:.0f} MB at the end")
    segs = sum(t.path.segments.n // 2 for t in window.contour.trajectories)
    print(f"trajectories: {m.step_count * args.racers:,} points drawn as {segs:,} pixel segments")
    window.close()
    return 0 if blocks[-1] <= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
