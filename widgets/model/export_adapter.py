"""File → Export trajectories goes through here: the command line's exporter (the same CSV / NPZ / JSON files)."""
from __future__ import annotations

from pathlib import Path

from lab.errors import LabError
from lab.export import FORMATS, check_writable, export_race

__all__ = ["FORMATS", "check_writable", "export_trajectories", "write_or_error"]


def export_trajectories(path, experiment, race) -> Path:
    """Write ``race``'s trajectories to ``path`` in the format its ending names; LabError on any failure."""
    return Path(export_race(path, experiment, race))


def write_or_error(path, experiment, race) -> Path | LabError:
    """``export_trajectories`` for a worker thread: the written path, or the LabError that says why not (an
    unexpected failure, too, as a LabError naming the file)."""
    try:
        return export_trajectories(path, experiment, race)
    except LabError as exc:
        return exc
    except Exception as exc:  # never a traceback in front of the user
        return LabError(f"cannot write {path}: {type(exc).__name__}: {exc}")
