"""What the window remembers between runs (QSettings): geometry, splitters, speed, the last experiment.

Every read is defensive: a missing, corrupt or wrongly typed value is ignored, so bad settings never stop the
window from opening. ``OPTIMIZER_LAB_SETTINGS=/path/file.ini`` redirects them (tests do, so they never touch
the user's own settings).
"""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QByteArray, QSettings

from lab.errors import LabError
from lab.experiment import Experiment

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


def read_experiment(s: QSettings) -> tuple[Experiment | None, str]:
    """The experiment open when the window last closed, or (None, why not)."""
    text = read_text(s, "experiment/json")
    if text is None:
        return None, ""
    try:
        return Experiment.from_dict(json.loads(text), "remembered experiment"), ""
    except (LabError, ValueError, TypeError) as exc:
        return None, f"the remembered experiment was not usable ({str(exc)[:120]}); starting fresh"


def write(s: QSettings, key: str, value) -> None:
    try:
        s.setValue(key, value)
    except Exception:
        pass
