"""``python main.py`` where Qt cannot open a window: one ``error:`` line and exit 2, never Qt's abort (134).
And ``python main.py -h``: the subcommands and the window's options. None of this imports Qt here."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from widgets import app

ROOT = Path(__file__).resolve().parents[1]


def run(args, env):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env)


LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="no display check off Linux: macOS and Windows have their own platform plugins")


def without_display():
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


@LINUX_ONLY
@pytest.mark.parametrize("args", [[], ["--steps", "50"]])
def test_no_display_one_line_exit_2(args):
    done = run(args, without_display())
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()  # one line: no traceback, none of Qt's plugin messages
    assert line.startswith("error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)")
    assert line.endswith("a picture needs no display: QT_QPA_PLATFORM=offscreen python main.py --screenshot OUT.png")
    assert done.stdout == ""


@LINUX_ONLY
def test_an_x_display_that_is_not_there_one_line_exit_2():
    done = run([], dict(without_display(), DISPLAY=":4242"))
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    missing = app._missing_xcb_library()
    if missing is None:  # the xcb libraries are installed here: the connection is what fails
        assert line.startswith("error: cannot connect to the X display ':4242' (DISPLAY)")
    else:
        assert line.startswith(f"error: Qt's xcb platform plugin cannot load: {missing} is missing")
        assert app.APT_LINE in line


def test_the_message_names_the_missing_library_and_the_apt_line(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(app, "_missing_xcb_library", lambda: "libxcb-icccm.so.4")
    said = app.display_problem({"DISPLAY": ":0"})
    assert said.startswith("Qt's xcb platform plugin cannot load: libxcb-icccm.so.4 is missing; on Debian/Ubuntu")
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 " in said and "libdbus-1-3" in said
    assert said.endswith("QT_QPA_PLATFORM=offscreen python main.py --screenshot OUT.png")


def test_a_missing_library_is_named_from_the_loaders_message(monkeypatch):
    import ctypes

    def cdll(name):
        raise OSError("libxcb-keysyms.so.1: cannot open shared object file: No such file or directory")

    monkeypatch.setattr(ctypes, "CDLL", cdll)
    assert app._missing_xcb_library() == "libxcb-keysyms.so.1"


@pytest.mark.parametrize("environ, starts", [
    ({"QT_QPA_PLATFORM": "offscreen"}, None),                       # no display needed: Qt's own business
    ({"QT_QPA_PLATFORM": "minimal"}, None),
    ({"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, None),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, None),
    ({"QT_QPA_PLATFORM": "wayland"}, "no Wayland display to open the window on (WAYLAND_DISPLAY is not set)"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "no X display (DISPLAY is not set; for Wayland set QT_QPA_PLATFORM=wayland)"),
    ({}, "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)"),
])
def test_which_platform_qt_will_try(monkeypatch, environ, starts):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(app, "_missing_xcb_library", lambda: None)
    said = app.display_problem(environ)
    assert said == starts if starts is None else said.startswith(starts)


def test_a_reachable_x_display_with_its_libraries_starts(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(app, "_missing_xcb_library", lambda: None)
    monkeypatch.setattr(app, "_x_server_answers", lambda display: display == ":0")
    assert app.display_problem({"DISPLAY": ":0"}) is None
    assert app.display_problem({"DISPLAY": ":7"}).startswith("cannot connect to the X display ':7'")


def test_macos_and_windows_need_no_check(monkeypatch):
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert app.display_problem({}) is None


def test_help_lists_the_subcommands_and_the_window_options():
    done = run(["-h"], without_display())
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: python main.py")
    for word in ("objectives", "optimizers", "eval", "run", "basin", "sweep", "--experiment FILE", "--steps N",
                 "--screenshot OUT.png", "--size WxH"):
        assert word in done.stdout
    assert "the window (no COMMAND): python main.py [--experiment FILE] [--steps N] [--screenshot OUT.png] " \
           "[--size WxH]" in done.stdout
