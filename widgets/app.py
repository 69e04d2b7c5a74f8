"""``python main.py [--experiment FILE | --lesson NAME [--page N]] [--steps N] [--screenshot OUT.png [--at-step K]]
[--presenter] [--view contour|surface]``: the window, or a screenshot of a finished race (shown at its step K with
``--at-step``: the timeline wound back there; in presenter mode with ``--presenter``; the surface in 3-D with
``--view surface``).

With ``--screenshot`` the window opens (offscreen works: QT_QPA_PLATFORM=offscreen), runs the race to its end as fast
as it can, saves a picture of the whole window and exits 0. Bad options, an unreadable experiment file, a size
smaller than the window can be, no display or missing system libraries for Qt: one ``error: ...`` line on stderr,
exit 2 (the subcommands' form). Nothing here reads or writes the user's settings in screenshot mode.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lab.errors import LabError
from widgets.lessons.options import add_lesson_options, lesson_from_args
from widgets.view_modes.names import VIEWS

SCREENSHOT_SIZE = (1400, 900)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


PROG = "python main.py"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, worded as the subcommands' usage errors (lab.cli.Parser)
        raise _BadUsage(f"{self.prog}: {message} (see {self.prog} --help)")


class _BadUsage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Optimizer Lab: watch gradient-based optimizers race.")
    p.add_argument("--experiment", metavar="FILE", help="open this experiment file (JSON)")
    p.add_argument("--steps", metavar="N", type=int, help="max steps of the race (overrides the file's)")
    p.add_argument("--screenshot", metavar="OUT.png",
                   help="run the race to its end, save a picture of the window to OUT.png and exit")
    p.add_argument("--size", metavar="WxH", default=None,
                   help="window size for --screenshot (default 1400x900; refused, with the smallest allowed, when "
                        "smaller than the window can be)")
    add_lesson_options(p)
    p.add_argument("--at-step", metavar="K", type=int, default=None,
                   help="with --screenshot: show the finished race at its step K (0 = the start), as the timeline does")
    p.add_argument("--presenter", action="store_true",
                   help="open in presenter mode: editing panels hidden, larger fonts and lines (View menu, F5)")
    p.add_argument("--view", choices=VIEWS, default=VIEWS[0],
                   help="the plot in the middle: the contour plot or the objective's surface in 3-D (default contour)")
    return p


def window_help() -> str:
    """The window's options, for ``python main.py -h`` (which also lists the subcommands). Imports no Qt."""
    text = _parser().format_help()
    options = text.split("options:\n", 1)[1]
    options = "\n".join(line for line in options.splitlines() if not line.lstrip().startswith("-h, --help"))
    usage = " ".join(_parser().format_usage().split()[1:]).replace(" [-h]", "")
    return f"the window (no COMMAND): {usage}\n{options.rstrip()}\n"


def _size(text: str | None) -> tuple[int, int]:
    if text is None:
        return SCREENSHOT_SIZE
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise _BadUsage(f"--size must look like 1400x900, got {text!r}") from None
    if not (1 <= w <= 8000 and 1 <= h <= 8000):
        raise _BadUsage(f"--size must be at most 8000x8000 and at least 1x1, got {text}")
    return w, h  # the smallest size the window can take is only known once it is built: see _screenshot


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        experiment = None
        lesson = lesson_from_args(args)  # (lesson, page) or None
        if lesson is not None:
            experiment = lesson[0].experiment(lesson[1])
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
        if args.at_step is not None:
            _check_at_step(args, experiment)
    except (_BadUsage, LabError) as exc:
        return _refuse(str(exc))

    problem = None if _application_exists() else display_problem()
    if problem is not None:
        return _refuse(problem)
    try:
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # e.g. libEGL.so.1 or libfontconfig.so.1 missing: QtGui cannot load
        return _refuse(f"Qt cannot load: {exc}; on Debian/Ubuntu: {APT_LINE}")

    from widgets.settings import APPLICATION, ORGANIZATION

    qInstallMessageHandler(quiet_offscreen_noise)

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    if out is not None:
        return _screenshot(app, experiment, out, size, lesson, args.at_step, args)

    from widgets.main_window import MainWindow

    if args.experiment is None:
        window = MainWindow(experiment)
    else:  # shown first with the default race; the file's objective (a formula: derived) is prepared off this thread
        from widgets.model import default_experiment

        window = MainWindow(default_experiment())
        window.model.start_use(experiment, args.experiment, window.jobs)
    if lesson is not None:
        window.lesson.open(*lesson, experiment=experiment)
    _show_as_asked(window, args)
    settle_heap()
    window.show()
    return app.exec()


def _refuse(message: str) -> int:
    """One ``error: ...`` line on stderr and exit status 2, as the subcommands refuse bad input."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2


# --- can Qt open a window here? ----------------------------------------------------------------------------

#: The Debian/Ubuntu packages Qt's xcb platform plugin needs and pip does not install.
XCB_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 "
                "libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 "
                "libdbus-1-3")
APT_LINE = f"sudo apt-get install {XCB_PACKAGES}"
#: What the xcb plugin loads, by soname: checked one by one when the plugin file itself is not where PySide6 keeps it.
#: libxcb-cursor is also opened by Qt at run time in some versions (not a link-time dependency): always checked.
XCB_SONAMES = ("libxcb.so.1", "libX11-xcb.so.1", "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-image.so.0",
               "libxcb-keysyms.so.1", "libxcb-randr.so.0", "libxcb-render-util.so.0", "libxcb-shape.so.0",
               "libxcb-xkb.so.1", "libxkbcommon-x11.so.0", "libEGL.so.1", "libGL.so.1", "libfontconfig.so.1",
               "libdbus-1.so.3")
SCREENSHOT_HINT = "a picture needs no display: QT_QPA_PLATFORM=offscreen python main.py --screenshot OUT.png"


def _application_exists() -> bool:
    widgets = sys.modules.get("PySide6.QtWidgets")
    return widgets is not None and widgets.QApplication.instance() is not None


def display_problem(environ=None) -> str | None:
    """Why Qt could not open a window here (one sentence with the fix), or None when it can.

    Without a display, or with the xcb platform plugin's system libraries missing, creating the QApplication
    aborts the whole process inside Qt (exit 134, several lines about plugins) before Python can catch
    anything; so this looks first, with nothing from Qt loaded:

    - the platform Qt will pick: ``QT_QPA_PLATFORM`` when set (a ';'-separated list, tried in order); else
      wayland then xcb in a Wayland session (``XDG_SESSION_TYPE=wayland``), else xcb. A platform that needs
      no display (offscreen, minimal, vnc, eglfs, ...) is the user's choice: no check. macOS and Windows have
      their own platform plugins, which need nothing extra: no check either.
    - wayland is taken as usable when ``WAYLAND_DISPLAY`` is set.
    - xcb needs ``DISPLAY``; then the plugin's shared libraries: ``ctypes.CDLL`` on the plugin file itself
      makes the dynamic loader resolve every library it links, exactly as Qt's loading will, and the error
      names the first one missing (without the file, each soname of XCB_SONAMES is tried); then a real
      connection to the X server through libxcb (``xcb_connect``), so a DISPLAY that points nowhere is
      caught too. Loading these libraries is harmless: Qt loads the same ones a moment later.
    """
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        names = [part.split(":", 1)[0].strip() for part in chosen.split(";") if part.strip()]
    elif env.get("XDG_SESSION_TYPE") == "wayland":
        names = ["wayland", "xcb"]
    else:
        names = ["xcb"]
    if any(name not in ("xcb", "wayland") and not name.startswith("wayland") for name in names):
        return None
    if any(name.startswith("wayland") for name in names) and env.get("WAYLAND_DISPLAY"):
        return None
    if "xcb" not in names:
        return f"no Wayland display to open the window on (WAYLAND_DISPLAY is not set); {SCREENSHOT_HINT}"
    missing = _missing_xcb_library()
    libraries = (f"Qt's xcb platform plugin cannot load: {missing} is missing; on Debian/Ubuntu install what it "
                 f"needs with: {APT_LINE}") if missing is not None else None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY"):
            what = "no X display (DISPLAY is not set; for Wayland set QT_QPA_PLATFORM=wayland)"
        else:
            what = "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"
        return f"{what}{'; and ' + libraries if libraries else ''}; {SCREENSHOT_HINT}"
    if libraries:
        return f"{libraries}; {SCREENSHOT_HINT}"
    if not _x_server_answers(env["DISPLAY"]):
        return (f"cannot connect to the X display {env['DISPLAY']!r} (DISPLAY): is its X server running and may "
                f"this user open windows on it?; {SCREENSHOT_HINT}")
    return None


def _missing_xcb_library() -> str | None:
    """The first shared library Qt's xcb plugin needs that the dynamic loader cannot find, or None."""
    import ctypes
    import importlib.util
    import re

    spec = importlib.util.find_spec("PySide6")  # finds the package without importing it (nothing of Qt loads)
    plugin = None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if candidate.is_file():
            plugin = candidate
    for name in ([str(plugin)] if plugin is not None else list(XCB_SONAMES)) + ["libxcb-cursor.so.0"]:
        try:
            ctypes.CDLL(name)
        except OSError as exc:  # "libxcb-icccm.so.4: cannot open shared object file: No such file or directory"
            found = re.match(r"\s*([^\s:]+\.so[.\d]*)\s*:", str(exc))
            return found.group(1) if found else name
    return None


def _x_server_answers(display: str) -> bool:
    """True when libxcb can open a connection to ``display`` (closed again at once)."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # cannot tell; the library check above names a missing libxcb
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return connection is not None and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection is not None:
            xcb.xcb_disconnect(connection)  # also frees the error object xcb_connect returns on failure


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


def quiet_offscreen_noise(mode, context, message: str) -> None:
    """Qt's messages to stderr as usual, except the offscreen platform's harmless 'propagateSizeHints' one."""
    if "does not support propagateSizeHints" in message:
        return
    sys.stderr.write(message + "\n")


def _check_at_step(args, experiment) -> None:
    """--at-step K: with --screenshot only, 0 ≤ K ≤ the race's max steps (whether the race gets there is known after
    it has run: ``_screenshot``)."""
    if args.screenshot is None:
        raise _BadUsage("--at-step only goes with --screenshot")
    from widgets.model.lab_model import DEFAULT_STEPS

    steps = experiment.steps if experiment is not None else DEFAULT_STEPS
    if not 0 <= args.at_step <= steps:
        raise _BadUsage(f"--at-step must be between 0 and the race's {steps} steps, got {args.at_step}")


def _show_as_asked(window, args) -> None:
    """--view and --presenter (widgets/view_modes)."""
    window.show_view(args.view)
    window.set_presenter(args.presenter)


def _screenshot(app, experiment, out: Path, size: tuple[int, int], lesson=None, at_step: int | None = None,
                args=None) -> int:
    from PySide6.QtCore import QEventLoop

    from lab.files import atomic_write
    from widgets.main_window import MainWindow
    from widgets.model import SPEED_MAX
    from widgets.plots.plot_export import png_bytes

    window = MainWindow(experiment, remember=False)
    if lesson is not None:
        window.lesson.open(*lesson, experiment=experiment)
    if args is not None:
        _show_as_asked(window, args)
    window.resize(*size)
    window.show()
    app.processEvents()
    least = window.minimumSizeHint().expandedTo(window.minimumSize())  # what its layouts need, for this experiment
    if size[0] < least.width() or size[1] < least.height():
        window.close()
        return _refuse(f"--size {size[0]}x{size[1]} is smaller than the window can be drawn; the smallest allowed "
                       f"is {least.width()}x{least.height()}")
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
    if at_step is not None:
        from widgets.steps import settle

        if at_step > model.step_count:
            window.close()
            return _refuse(f"--at-step {at_step} is past the race's end: every racer had stopped by step "
                           f"{model.step_count}")
        window.timeline.show_step(at_step)
        settle(window)
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
        print(f"error: {exc}", file=sys.stderr)
        window.close()
        return 1
    print(f"{out}: {model.experiment.objective}, {len(model.traces)} racers, {model.step_count} steps"
          + (f", shown at step {at_step}" if at_step is not None else ""))
    window.close()
    return 0
