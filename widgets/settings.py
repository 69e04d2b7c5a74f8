"""What the window remembers between runs (QSettings): geometry, splitters, speed, the last experiment.

Every read is defensive: a missing, corrupt or wrongly typed value is ignored, so bad settings never stop the
window from opening. ``OPTIMIZER_LAB_SETTINGS=/path/file.ini`` redirects them (tests do, so they never touch
the user's own settings). Without it the file is where QSettings keeps an INI file for the user
(``default_path()``), and it is checked the same way before QSettings ever opens it.
"""
from __future__ import annotations

import os
import stat

from PySide6.QtCore import QByteArray, QSettings

from lab.errors import LabError
from lab.experiment import Experiment
from lab.files import kind_of, shown
from lab.limits import MAX_SETTINGS_BYTES
from widgets.model.file_actions import prepared

ORGANIZATION = "OptimizerLab"
APPLICATION = "Optimizer Lab"
ENV = "OPTIMIZER_LAB_SETTINGS"


def default_path() -> str:
    """Where QSettings(IniFormat, UserScope, ORGANIZATION, APPLICATION) keeps its file: %APPDATA% on Windows,
    $XDG_CONFIG_HOME (or ~/.config) elsewhere — computed, because constructing that QSettings already reads it."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        base = os.environ["APPDATA"]
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, ORGANIZATION, APPLICATION + ".ini")


def settings_path() -> str:
    """The settings file this window uses: ``OPTIMIZER_LAB_SETTINGS`` if set, else ``default_path()``."""
    return os.environ.get(ENV) or default_path()


def refused() -> str:
    """Why the settings file (``settings_path()``) is not to be opened ("" if it may be): a FIFO (opening it
    would wait for a writer), a device or a socket, or a file over MAX_SETTINGS_BYTES. A missing file or a
    folder is left to QSettings (created when written; writing fails quietly)."""
    path = settings_path()
    try:
        info = os.stat(path) if path else None
    except (OSError, ValueError):
        return ""
    if info is None or stat.S_ISDIR(info.st_mode):
        return ""
    if not stat.S_ISREG(info.st_mode):
        return f"{shown(path)} is {kind_of(info.st_mode)}, not a regular file"
    if info.st_size > MAX_SETTINGS_BYTES:
        return f"{shown(path)} has {info.st_size} bytes, more than MAX_SETTINGS_BYTES ({MAX_SETTINGS_BYTES})"
    return ""


def open_settings() -> QSettings | None:
    """The window's settings, or None when ``refused()`` says why they are not to be opened."""
    if refused():
        return None
    return QSettings(settings_path(), QSettings.Format.IniFormat)


def read_bytes(s: QSettings, key: str) -> QByteArray | None:
    try:
        v = s.value(key)
    except Exception:
        return None
    if isinstance(v, QByteArray) and not v.isEmpty():
        return v
    if isinstance(v, (bytes, bytearray)) and v:
        return QByteArray(bytes(v))
    return None


def read_float(s: QSettings, key: str, default: float, lo: float, hi: float) -> float:
    try:
        v = float(s.value(key, default))
    except Exception:
        return default
    return v if lo <= v <= hi else default


def read_text(s: QSettings, key: str) -> str | None:
    try:
        v = s.value(key)
    except Exception:
        return None
    return v if isinstance(v, str) and v else None


def remembered_experiment(s: QSettings) -> str | None:
    """The JSON text of the experiment open when the window last closed (None if there is none); the window
    reads it with ``read_remembered`` in its view-jobs thread after the window is shown."""
    return read_text(s, "experiment/json")


def read_remembered(text: str):
    """(Experiment, Objective) from a remembered experiment's text, ready to race (a formula derived), checked as
    a file is (lab.experiment: limits, unique keys), or the note the status bar shows. Any thread: no Qt."""
    try:
        exp = Experiment.from_json(text, "remembered experiment")
        return exp, prepared(exp.make_objective())
    except (LabError, ValueError, TypeError) as exc:
        return f"the remembered experiment was not usable ({str(exc)[:120]}); starting fresh"


def write(s: QSettings, key: str, value) -> None:
    try:
        s.setValue(key, value)
    except Exception:
        pass
