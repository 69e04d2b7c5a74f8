"""File → Export trajectories goes through here: one place to switch if the core's export API changes."""
from __future__ import annotations

from pathlib import Path

from lab.errors import LabError

try:  # the command line's exporter: the same CSV / NPZ / JSON files
    from lab.export import FORMATS, export_race
except ImportError:  # pragma: no cover - a core without lab/export.py
    FORMATS, export_race = (".csv", ".npz", ".json"), None


def export_trajectories(path, experiment, race) -> Path:
    """Write ``race``'s trajectories to ``path`` in the format its ending names; LabError on any failure."""
    if export_race is None:
        raise LabError(f"cannot write {path}: this build has no trajectory export (lab/export.py)")
    return Path(export_race(path, experiment, race))
