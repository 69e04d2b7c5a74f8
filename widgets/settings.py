"""What the window remembers between runs (QSettings): geometry, splitters, speed, the last experiment.

Every read is defensive: a missing, corrupt or wrongly typed value is ignored, so bad settings never stop the
window from opening. ``OPTIMIZER_LAB_SETTINGS=/path/file.ini`` redirects them (tests do, so they never touch
the user's own settings).
"""
from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

from lab.errors import LabError
from lab.experiment import Experiment
from widgets.model.file_actions import prepared

ORGANIZATION = "OptimizerLab"
APPLICATION = "Optimizer Lab"
ENV = "OPTIMIZER_LAB_SETTINGS"


def open_settings() -> QSettings:
    path = os.environ.get(ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


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
