"""A race's trajectories written to CSV, NPZ or JSON (picked by the path's ending), and read back.

    export_race("out.csv", experiment, race)      # or a list of Tracks instead of the race
    for t in read_trajectories("out.csv"):        # Trajectory(label, optimizer, positions, losses, ...)
        ...

Row k of every array is step k; row 0 is the start. Every file is written through ``lab.files.atomic_write``
(a temporary file renamed over the target), so a failure never leaves a partial file. Floats are written
with ``repr`` (CSV, JSON) or as raw float64 (NPZ), so they read back bit for bit.

- CSV: header ``racer,optimizer,step,loss,grad_norm,x0,x1`` (``x2``, ... in higher dimensions), one row per
  racer per step, racer after racer; non-finite values as ``nan``, ``inf``, ``-inf``.
- NPZ: ``racer{i}_positions`` (steps + 1, d), ``racer{i}_losses``, ``racer{i}_grad_norms`` (steps + 1,) for
  i = 0, 1, ...; ``labels``, ``optimizers``, ``statuses``, ``reasons`` (text arrays, one per racer),
  ``status_steps`` (int64, -1 while running) and ``experiment`` (the experiment file as a JSON string).
- JSON: the experiment file's keys at the top level (so the file is itself an experiment file) plus
  ``results``: per racer ``label``, ``optimizer``, ``status``, ``status_step``, ``reason`` and ``trajectory``
  {``positions``, ``losses``, ``grad_norms``, ``notes``: [[step, text], ...]}; non-finite numbers are the
  strings ``"nan"``, ``"inf"``, ``"-inf"`` (the file stays strict JSON).

Racers with the same label get " (2)", " (3)", ... appended in every file, so that each name is one racer.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import zipfile
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from lab.errors import LabError
from lab.files import atomic_write, check_output, reason, shown

FORMATS = (".csv", ".npz", ".json")
CSV_FIXED_COLUMNS = ("racer", "optimizer", "step", "loss", "grad_norm")


class Trajectory(NamedTuple):
    """One racer as read back from a file: row k of each array is step k (row 0 the start).

    ``status``, ``status_step`` and ``reason`` are None when the format does not hold them (CSV).
    """

    label: str
    optimizer: str
    positions: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    status: str | None = None
    status_step: int | None = None
    reason: str | None = None
    notes: tuple = ()


def export_format(path) -> str:
    """The format ``path`` asks for ('.csv', '.npz' or '.json'), or LabError listing the allowed endings."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        ending = f"ending {suffix!r}" if suffix else "no ending"
        raise LabError(f"cannot write {shown(path)}: unknown format ({ending}); use one of {', '.join(FORMATS)}")
    return suffix


def check_writable(path, inputs=()) -> Path:
    """Fail early (LabError) if ``path`` has an unknown ending or clearly cannot be written, names a FIFO, a
    device or a socket, or is the same file as one of ``inputs`` (lab.files.check_output); nothing is created."""
    export_format(path)
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if "\0" in str(target):
            raise ValueError("embedded null byte")  # is_dir() and exists() would just say False
        check_output(target, inputs)
        if target.is_dir():
            raise LabError(f"cannot write {shown(target)}: it is a folder")
        if not folder.exists():
            raise LabError(f"cannot write {shown(target)}: folder {shown(folder)} does not exist")
        if not folder.is_dir():
            raise LabError(f"cannot write {shown(target)}: {shown(folder)} is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise LabError(f"cannot write {shown(target)}: no permission to write in {shown(folder)}")
    except LabError:
        raise
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: the path cannot even be looked at
        raise LabError(f"cannot write {shown(target)}: {reason(exc)}") from None
    return target


def racer_names(tracks: Sequence) -> list[str]:
    """Each track's label (or optimizer name), made unique by appending " (2)", " (3)", ... to repeats."""
    names, seen = [], set()
    for tr in tracks:
        base = tr.spec.name
        name, k = base, 1
        while name in seen:
            k += 1
            name = f"{base} ({k})"
        seen.add(name)
        names.append(name)
    return names


def export_race(path, experiment, race) -> Path:
    """Write ``race`` (a Race, or a list of its Tracks) and the ``experiment`` it ran to ``path``.

    The ending picks the format (.csv, .npz, .json); LabError for an unknown ending or a path that cannot be
    written, in which case any existing file at ``path`` is left as it was.
    """
    fmt = export_format(path)
    tracks = list(getattr(race, "tracks", race))
    if fmt == ".csv":
        return write_csv(path, tracks, dim=len(experiment.start))
    if fmt == ".npz":
        return write_npz(path, experiment, tracks)
    return write_json(path, experiment, tracks)


# --- writers -----------------------------------------------------------------------------------------------


def _r(v) -> str:
    """A float as text that reads back exactly: repr, so 'nan', 'inf', '-inf', '1e-300', '-0.0'."""
    return repr(float(v))


def csv_text(tracks: Sequence, dim: int | None = None) -> str:
    """The CSV file's text (header + one row per racer per step); ``dim`` defaults to the tracks' dimension."""
    d = dim if dim is not None else (tracks[0].positions.shape[1] if tracks else 2)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIXED_COLUMNS + tuple(f"x{j}" for j in range(d)))
    for name, tr in zip(racer_names(tracks), tracks):
        # the racer's two text fields quoted once by csv; the numbers as repr of Python floats (what _r
        # gives, the same bytes), from lists rather than NumPy rows: ~2.5× faster on a million steps
        head = io.StringIO()  # "\r\n": a name holding \r or \n gets quoted (the reader breaks lines at either)
        csv.writer(head, lineterminator="\r\n").writerow([name, tr.spec.optimizer])
        head = head.getvalue()[:-2] + ","
        rows = zip(tr.positions.tolist(), tr.losses.tolist(), tr.grad_norms.tolist())
        buf.write("".join([f"{head}{k},{loss!r},{gn!r},{','.join(map(repr, x))}\n"
                           for k, (x, loss, gn) in enumerate(rows)]))
    return buf.getvalue()


def write_csv(path, tracks: Sequence, dim: int | None = None) -> Path:
    text = csv_text(tracks, dim)
    return atomic_write(path, lambda fh: fh.write(text))


def npz_bytes(experiment, tracks: Sequence) -> bytes:
    """The NPZ file's bytes (see the module docstring for its keys)."""
    arrays: dict[str, np.ndarray] = {}
    for i, tr in enumerate(tracks):
        arrays[f"racer{i}_positions"] = np.array(tr.positions, dtype=np.float64)
        arrays[f"racer{i}_losses"] = np.array(tr.losses, dtype=np.float64)
        arrays[f"racer{i}_grad_norms"] = np.array(tr.grad_norms, dtype=np.float64)
    arrays["labels"] = np.array(racer_names(tracks), dtype=str)
    arrays["optimizers"] = np.array([tr.spec.optimizer for tr in tracks], dtype=str)
    arrays["statuses"] = np.array([tr.status for tr in tracks], dtype=str)
    arrays["status_steps"] = np.array([-1 if tr.status_step is None else tr.status_step for tr in tracks],
                                      dtype=np.int64)
    arrays["reasons"] = np.array([tr.reason for tr in tracks], dtype=str)
    arrays["experiment"] = np.array(experiment.to_json())
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def write_npz(path, experiment, tracks: Sequence) -> Path:
    data = npz_bytes(experiment, tracks)
    return atomic_write(path, lambda fh: fh.write(data), binary=True)


def _finite_or_text(v: float):
    v = float(v)
    return v if math.isfinite(v) else repr(v)


def json_document(experiment, tracks: Sequence) -> dict:
    """The JSON file as a dict: the experiment's keys plus ``results`` (see the module docstring)."""
    doc = experiment.to_dict()
    doc["results"] = [
        {
            "label": name,
            "optimizer": tr.spec.optimizer,
            "status": tr.status,
            "status_step": tr.status_step,
            "reason": tr.reason,
            "trajectory": {
                "positions": [[_finite_or_text(v) for v in x] for x in tr.positions],
                "losses": [_finite_or_text(v) for v in tr.losses],
                "grad_norms": [_finite_or_text(v) for v in tr.grad_norms],
                "notes": [[int(k), str(text)] for k, text in tr.notes],
            },
        }
        for name, tr in zip(racer_names(tracks), tracks)
    ]
    return doc


def json_text(experiment, tracks: Sequence) -> str:
    return compact_json(json_document(experiment, tracks)) + "\n"


def write_json(path, experiment, tracks: Sequence) -> Path:
    text = json_text(experiment, tracks)
    return atomic_write(path, lambda fh: fh.write(text))


def compact_json(obj, indent: str = "") -> str:
    """JSON indented, with each list of plain values and each short flat object on one line."""
    inner = indent + "  "
    if isinstance(obj, dict):
        flat = json.dumps(obj, ensure_ascii=False, allow_nan=False)
        if not any(isinstance(v, (list, dict)) for v in obj.values()) and len(flat) <= 80:
            return flat
        items = [f"{inner}{json.dumps(k)}: {compact_json(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(obj, list) and any(isinstance(v, (list, dict)) for v in obj):
        return "[\n" + ",\n".join(inner + compact_json(v, inner) for v in obj) + "\n" + indent + "]"
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


# --- readers -----------------------------------------------------------------------------------------------


def read_trajectories(path) -> list[Trajectory]:
    """The racers stored in a file written by ``export_race`` (any of the three formats), in order.

    LabError if the file is missing, has an unknown ending or is not such a file.
    """
    fmt = Path(path).suffix.lower()
    if fmt not in FORMATS:
        raise LabError(f"cannot read {shown(path)}: unknown format; use one of {', '.join(FORMATS)}")
    try:
        if fmt == ".csv":
            return _read_csv(path)
        if fmt == ".npz":
            return _read_npz(path)
        return _read_json(path)
    except FileNotFoundError:
        raise LabError(f"{shown(path)}: no such file") from None
    except OSError as exc:
        raise LabError(f"{shown(path)}: cannot read: {exc.strerror or exc}") from None
    except (KeyError, ValueError, TypeError, IndexError, EOFError, RecursionError, zipfile.BadZipFile) as exc:
        if isinstance(exc, LabError):
            raise
        raise LabError(f"{shown(path)}: not a trajectory file written by Optimizer Lab ({type(exc).__name__}: {exc})") \
            from None


def read_experiment_dict(path) -> dict | None:
    """The experiment stored in an NPZ or JSON export, as a dict (None for CSV, which holds none)."""
    fmt = Path(path).suffix.lower()
    if fmt == ".npz":
        with np.load(_read_capped(path), allow_pickle=False) as z:
            return json.loads(str(z["experiment"]))
    if fmt == ".json":
        doc = json.loads(_read_capped(path, text=True))
        return {k: v for k, v in doc.items() if k != "results"}
    return None


def _read_capped(path, text: bool = False):
    """The file's content through lab.files (a regular file, at most MAX_TRAJECTORY_BYTES): text, or a binary
    stream for np.load."""
    import io

    from lab.files import read_bytes, read_text
    from lab.limits import MAX_TRAJECTORY_BYTES

    if text:
        return read_text(path, MAX_TRAJECTORY_BYTES, "MAX_TRAJECTORY_BYTES", "trajectory file")
    return io.BytesIO(read_bytes(path, MAX_TRAJECTORY_BYTES, "MAX_TRAJECTORY_BYTES", "trajectory file"))


def _read_csv(path) -> list[Trajectory]:
    import io

    rows = list(csv.reader(io.StringIO(_read_capped(path, text=True), newline="")))
    if not rows or tuple(rows[0][:5]) != CSV_FIXED_COLUMNS:
        raise ValueError(f"the header must start with {','.join(CSV_FIXED_COLUMNS)}")
    d = len(rows[0]) - len(CSV_FIXED_COLUMNS)
    groups: dict[str, list] = {}
    optimizers: dict[str, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise ValueError(f"line {line} has {len(row)} fields, the header {len(rows[0])}")
        name, opt, step = row[0], row[1], int(row[2])
        rows_of = groups.setdefault(name, [])
        optimizers.setdefault(name, opt)
        if step != len(rows_of):
            raise ValueError(f"line {line}: racer {name!r} step {step} out of order")
        rows_of.append([float(v) for v in row[3:]])
    out = []
    for name, data in groups.items():
        a = np.array(data, dtype=np.float64).reshape(-1, 2 + d)
        out.append(Trajectory(name, optimizers[name], a[:, 2:].copy(), a[:, 0].copy(), a[:, 1].copy()))
    return out


def _read_npz(path) -> list[Trajectory]:
    with np.load(_read_capped(path), allow_pickle=False) as z:
        labels = [str(s) for s in z["labels"]]
        optimizers = [str(s) for s in z["optimizers"]]
        statuses = [str(s) for s in z["statuses"]]
        steps = [int(s) for s in z["status_steps"]]
        reasons = [str(s) for s in z["reasons"]]
        return [Trajectory(labels[i], optimizers[i], z[f"racer{i}_positions"], z[f"racer{i}_losses"],
                           z[f"racer{i}_grad_norms"], statuses[i], None if steps[i] < 0 else steps[i], reasons[i])
                for i in range(len(labels))]


def _floats(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def _read_json(path) -> list[Trajectory]:
    doc = json.loads(_read_capped(path, text=True))
    d = len(doc["start"])
    out = []
    for r in doc["results"]:
        t = r["trajectory"]
        positions = np.array([[float(v) for v in x] for x in t["positions"]], dtype=np.float64).reshape(-1, d)
        out.append(Trajectory(r["label"], r["optimizer"], positions, _floats(t["losses"]), _floats(t["grad_norms"]),
                              r["status"], r["status_step"], r["reason"],
                              tuple((int(k), str(text)) for k, text in t["notes"])))
    return out


__all__ = ["FORMATS", "Trajectory", "check_writable", "compact_json", "csv_text", "export_format", "export_race",
           "json_document", "json_text", "npz_bytes", "racer_names", "read_experiment_dict", "read_trajectories",
           "write_csv", "write_json", "write_npz"]
