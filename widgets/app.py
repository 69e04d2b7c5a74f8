"""``python main.py [--experiment FILE] [--steps N] [--screenshot OUT.png]``: the window, or a screenshot of a finished race.

With ``--screenshot`` the window opens (offscreen works: QT_QPA_PLATFORM=offscreen), runs the race to its end as fast
as it can, saves a picture of the whole window and exits 0. Bad options or an unreadable experiment file: one
line on stderr, exit 2. Nothing here reads or writes the user's settings in screenshot mode.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lab.errors import LabError

SCREENSHOT_SIZE = (1400, 900)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse would print the usage too)
        raise _BadUsage(message)


class _BadUsage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="main.py", description="Optimizer Lab: watch gradient-based optimizers race.")
    p.add_argument("--experiment", metavar="FILE", help="open this experiment file (JSON)")
    p.add_argument("--steps", metavar="N", type=int, help="max steps of the race (overrides the file's)")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="run the race to its end, save a picture of the window to OUT.png and exit")
    p.add_argument("--size", metavar="WxH", default=None, help="window size for --screenshot (default 1400x900)")
    return p


def _size(text: str | None) -> tuple[int, int]:
    if text is None:
        return SCREENSHOT_SIZE
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise _BadUsage(f"--size must look like 1400x900, got {text!r}") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise _BadUsage(f"--size must be between 320x240 and 8000x8000, got {text}")
    return w, h


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        experiment = None
        if args.experiment is not None:
            from lab.experiment import Experiment

            experiment = Experiment.load(args.experiment)
        if args.steps is not None:
            if not 1 <= args.steps <= 1_000_000:
                raise _BadUsage(f"--steps must be between 1 and 1000000, got {args.steps}")
            if experiment is None:
                from widgets.model import default_experiment

                experiment = default_experiment()
            experiment.steps = args.steps
        out = None
        size = _size(args.size)
        if args.screenshot is not None:
            out = Path(args.screenshot)
            if out.suffix.lower() not in IMAGE_SUFFIXES:
                raise _BadUsage(f"--screenshot {out}: the picture must end in {', '.join(IMAGE_SUFFIXES)}")
            folder = out.parent if str(out.parent) else Path(".")
            if not folder.is_dir():
                raise _BadUsage(f"--screenshot {out}: folder {folder} does not exist")
        elif args.size is not None:
            raise _BadUsage("--size only goes with --screenshot")
    except _BadUsage as exc:
        print(f"main.py: error: {exc}", file=sys.stderr)
        return 2
    except LabError as exc:
        print(f"main.py: error: {exc}", file=sys.stderr)
        return 2

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from widgets.settings import APPLICATION, ORGANIZATION

    qInstallMessageHandler(_quiet_offscreen_noise)

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    if out is not None:
        return _screenshot(app, experiment, out, size)

    from widgets.main_window import MainWindow

    window = MainWindow(experiment)
    settle_heap()
    if args.experiment is not None:
        window.model.path = args.experiment
        window._on_experiment_file(args.experiment)
    window.show()
    return app.exec()


GIL_SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits (Python's default: 0.005). The GUI thread then waits at
most half a millisecond for a worker stepping flat out: input and redraws stay prompt, steps ~15 % slower."""


def settle_heap() -> None:
    """Ready the interpreter for a live window: everything built so far (Qt wrappers, pyqtgraph items, modules)
    moved out of the garbage collector's sight — a full collection then scans only what the race creates and
    never stalls a redraw for tens of ms — and a short GIL switch interval (``GIL_SWITCH_INTERVAL``)."""
    import gc

    gc.collect()
    gc.freeze()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def _quiet_offscreen_noise(mode, context, message: str) -> None:
    """Qt's messages to stderr as usual, except the offscreen platform's harmless 'propagateSizeHints' one."""
    if "does not support propagateSizeHints" in message:
        return
    sys.stderr.write(message + "\n")


def _screenshot(app, experiment, out: Path, size: tuple[int, int]) -> int:
    from PySide6.QtCore import QEventLoop

    from lab.files import atomic_write
    from widgets.main_window import MainWindow
    from widgets.model import SPEED_MAX
    from widgets.plots.plot_export import png_bytes

    window = MainWindow(experiment, remember=False)
    window.resize(*size)
    window.show()
    app.processEvents()
    model = window.model
    model.set_speed(SPEED_MAX)
    if model.traces and not model.race.done:
        loop = QEventLoop()
        model.runEnded.connect(lambda _result: loop.quit())
        model.run()
        if model.running:
            loop.exec()
    started = time.perf_counter()
    while time.perf_counter() - started < 0.3:  # let queued messages land and layouts settle
        app.processEvents()
    window.refresh_now()
    app.processEvents()
    try:
        data = png_bytes(window) if out.suffix.lower() == ".png" else None
        if data is None:
            image = window.grab()
            if not image.save(str(out)):
                raise LabError(f"cannot write {out}")
        else:
            atomic_write(out, lambda fh: fh.write(data), binary=True)
    except LabError as exc:
        print(f"main.py: error: {exc}", file=sys.stderr)
        window.close()
        return 1
    print(f"{out}: {model.experiment.objective}, {len(model.traces)} racers, {model.step_count} steps")
    window.close()
    return 0
