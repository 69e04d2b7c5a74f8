"""``python main.py animate``: a 150-frame 1280×720 MP4 of an 8-racer rosenbrock race (issue 18's bar: under 30 s,
under 500 MB at its peak whatever the frame count), with references measured in the same run.

    python benchmarks/animate.py [--frames 150] [--more 300] [--repeats 2] [--no-window]

Prints, each in a fresh process timed from its start to its end (the reference and the command alternated --repeats times, the best of each
kept: other programs' load comes and goes): the time to draw the frames alone (the same offscreen window stepped to the same
steps, no encoding: the reference), the whole command for --frames and for --more frames (wall time, frames per
second, the ratio to the reference) and its peak memory: the Python process's peak RSS plus ffmpeg's (their sum
bounds what both held at once); then, unless --no-window, File → Export animation… in a window: the longest the
export's own code held the window's GUI thread, and a 5 ms watchdog timer's longest gap during the export
against the same window idle as long (on a busy machine the scheduler alone makes gaps of that size).
The race: docs/rosenbrock_race.json (7 racers) plus NAdam (lr 0.05), 3 000 steps. Exit status 1 if the 150-frame
MP4 took 30 s or more, a peak passed 500 MB, or the export's own work held the GUI thread over 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPTIMIZER_LAB_SETTINGS", str(Path(tempfile.gettempdir()) / "optimizer-lab-benchmark.ini"))
sys.path.insert(0, str(ROOT))

MEASURED = r"""
import json, resource, runpy, sys, time
sys.argv = ["main.py", *sys.argv[1:]]
sys.path.insert(0, ".")
started = time.perf_counter()
try:
    runpy.run_path("main.py", run_name="__main__")
    code = 0
except SystemExit as exc:
    code = exc.code
report = {"seconds": time.perf_counter() - started, "code": code,
          "python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
          "ffmpeg_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
print("REPORT " + json.dumps(report), file=sys.stderr)
"""

DRAW_ONLY = r"""
import json, resource, sys, time
sys.path.insert(0, ".")
from pathlib import Path
from lab.animation.options import AnimationOptions, race_end
from lab.animation.schedule import frame_steps
from lab.experiment import Experiment
from widgets.animation.render import FrameSource, ensure_application
exp = Experiment.load(sys.argv[1])
frames = int(sys.argv[2])
started = time.perf_counter()
ensure_application()
steps = frame_steps(race_end(exp), frames)
source = FrameSource(exp, AnimationOptions(out=Path("unused.mp4"), frames=frames))
for step in steps:
    source.advance_to(step)
    source.draw()
source.close()
print("REPORT " + json.dumps({"seconds": time.perf_counter() - started, "code": 0, "ffmpeg_mb": 0.0,
                              "python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def seconds(reports: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.1f}" for r in reports)


def eight_racers(folder: Path) -> Path:
    data = json.loads((ROOT / "docs" / "rosenbrock_race.json").read_text())
    data["racers"].append({"optimizer": "nadam", "hyperparameters": {"lr": 0.05}, "label": "NAdam"})
    path = folder / "rosenbrock8.json"
    path.write_text(json.dumps(data))
    return path


def measured(code: str, args: list[str]) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=600)
    lines = [l for l in done.stderr.splitlines() if l.startswith("REPORT ")]
    if not lines:
        raise SystemExit(f"failed: {done.stderr.strip()[-500:]}")
    report = json.loads(lines[-1][len("REPORT "):])
    report["seconds"] = time.perf_counter() - started  # the process's wall time, start-up included, for both alike
    if report["code"] not in (0, None):
        raise SystemExit(f"exit {report['code']}: {done.stderr.strip()[-500:]}")
    return report


def timed(owner, name: str, record: dict) -> None:
    """Wrap ``owner.name`` so that its longest call, in seconds, is kept in ``record[name]``."""
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            record[name] = max(record.get(name, 0.0), time.perf_counter() - started)

    setattr(owner, name, wrapper)


def gui_block(config: Path, out: Path, frames: int) -> dict:
    """File → Export animation… making ``frames`` frames, in a window: the longest the export's own code held the
    GUI thread (starting it — the experiment file written, the process started —, each progress message with
    the progress dialog's update, the end with its message box), and a 5 ms watchdog timer's longest gap during
    the export and, as the reference, with the same window idle as long (on a loaded machine the scheduler
    alone makes such gaps)."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from lab.animation.options import AnimationOptions
    from lab.experiment import Experiment
    from widgets.animation import export_dialog, export_job
    from widgets.app import settle_heap
    from widgets.main_window import MainWindow

    record: dict = {}
    timed(export_dialog.AnimationExport, "start", record)
    timed(export_dialog.AnimationExport, "_on_finished", record)
    timed(export_job.ExportJob, "_on_stderr", record)
    timed(export_job.ExportJob, "_on_exit", record)
    app = QApplication.instance() or QApplication([])
    window = MainWindow(Experiment.load(config), remember=False)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    settle_heap()
    clock, worst = QElapsedTimer(), [0.0]
    tick = QTimer()
    tick.setInterval(5)

    def on_tick():
        worst[0] = max(worst[0], clock.restart() / 1000.0 - 0.005)

    tick.timeout.connect(on_tick)
    loop = QEventLoop()
    clock.start()
    tick.start()
    started = time.perf_counter()
    job = window.animation_export.start(AnimationOptions(out=out, frames=frames))
    for signal in (job.finished, job.failed, job.cancelled):
        signal.connect(lambda *_: QTimer.singleShot(0, loop.quit))
    loop.exec()
    took = time.perf_counter() - started
    during, worst[0] = worst[0], 0.0
    if job.done != frames:
        raise SystemExit(f"the window's export stopped at frame {job.done}: {window.statusBar().currentMessage()}")
    window.animation_export.done_box.close()
    QTimer.singleShot(int(took * 1000), loop.quit)
    clock.restart()
    loop.exec()
    tick.stop()
    window.close()
    return {"seconds": took, "own": record, "watchdog": during, "idle": worst[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--more", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2, help="runs of the reference and of --frames (best kept)")
    parser.add_argument("--no-window", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()} {platform.release()}; load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} (other programs on the machine)")
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = eight_racers(folder)
        refs, runs = [], []
        for _ in range(args.repeats):  # alternated, so that a burst of load elsewhere hits both alike
            refs.append(measured(DRAW_ONLY, [str(config), str(args.frames)]))
            runs.append(measured(MEASURED, ["animate", "--config", str(config), "--out", str(folder / "race.mp4"),
                                            "--frames", str(args.frames)]))
        ref = min(refs, key=lambda r: r["seconds"])
        print(f"reference: draw {args.frames} frames 1280x720 (no encoding), best of {args.repeats}: "
              f"{ref['seconds']:.2f} s ({args.frames / ref['seconds']:.1f} frames/s; all: {seconds(refs)} s), "
              f"peak RSS {ref['python_mb']:.0f} MB")
        more = measured(MEASURED, ["animate", "--config", str(config), "--out", str(folder / "race_more.mp4"),
                                   "--frames", str(args.more)])
        for frames, r, sizes in ((args.frames, min(runs, key=lambda r: r["seconds"]), runs), (args.more, more, [more])):
            out = folder / ("race.mp4" if frames == args.frames else "race_more.mp4")
            peak = max(x["python_mb"] + x["ffmpeg_mb"] for x in sizes)
            print(f"animate --frames {frames} (MP4 1280x720){', best of ' + str(len(sizes)) if len(sizes) > 1 else ''}: "
                  f"{r['seconds']:.2f} s ({frames / r['seconds']:.1f} frames/s; "
                  f"{r['seconds'] / ref['seconds'] * args.frames / frames:.2f}× the reference per frame"
                  + (f"; all: {seconds(sizes)} s" if len(sizes) > 1 else "")
                  + f"), peak {peak:.0f} MB (Python {r['python_mb']:.0f} + ffmpeg {r['ffmpeg_mb']:.0f}), "
                  f"file {out.stat().st_size / 1e6:.2f} MB")
            if frames == args.frames and r["seconds"] >= 30:
                bad.append(f"{frames} frames took {r['seconds']:.1f} s")
            if peak > 500:
                bad.append(f"{frames} frames peaked at {peak:.0f} MB")
        if not args.no_window:
            r = gui_block(config, folder / "window.mp4", args.frames)
            own = r["own"]
            longest = max(own.values())
            print(f"File → Export animation… ({args.frames} frames, drawn in a child process): "
                  f"{r['seconds']:.2f} s; "
                  f"the export's own work in the window's GUI thread: at most {longest * 1e3:.1f} ms (start "
                  f"{own['start'] * 1e3:.1f}, a progress message {own['_on_stderr'] * 1e3:.1f}, the end "
                  f"{(own['_on_exit'] + own.get('_on_finished', 0)) * 1e3:.1f}); 5 ms watchdog's longest gap "
                  f"{r['watchdog'] * 1e3:.0f} ms during the export, {r['idle'] * 1e3:.0f} ms with the window idle "
                  f"as long (the reference)")
            if longest > 0.050:
                bad.append(f"the export held the GUI thread {longest * 1e3:.0f} ms")
    for line in bad:
        print(f"OVER THE BAR: {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
