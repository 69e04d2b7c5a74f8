"""Experiment files: a race written down in JSON, so that it re-runs bit for bit."""
from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lab.errors import LabError
from lab.files import atomic_write, read_text, shown
from lab.limits import MAX_COLOR, MAX_EXPERIMENT_BYTES, MAX_LABEL, MAX_RACERS
from lab.objectives import make_objective
from lab.objectives.base import Objective
from lab.objectives.own_data import pinned
from lab.engine.race import Race, RacerSpec
from lab.stochastic import check_noise, gradient_source

FORMAT_VERSION = 1


@dataclass
class Experiment:
    """One objective, one start point, one seed, a step budget and the racers.

    JSON: {"objective": "rosenbrock", "params": {"b": 100}, "start": [-1.5, 2.0], "seed": 0, "steps": 1000,
    "racers": [{"optimizer": "adam", "hyperparameters": {"lr": 0.01}, "label": "Adam", "color": "#1f77b4"}],
    "tol": 1e-8, "bound": 1e6, "noise": 0.0, "format_version": 1}; keys other than objective, start and racers
    are optional. ``noise``: the scale of Gaussian noise added to every gradient the racers step on (seeded by
    ``seed``, the same draw for every racer at step k; lab.stochastic).

    Data from a file (params ``data``, lab.objectives.own_data): a relative path is read from the experiment file's
    folder; a loaded experiment records the file's absolute path and the SHA-256 of its bytes (``data_sha256``),
    so that it never runs silently on other data; ``data_csv`` stores the data itself.
    """

    objective: str
    start: list
    racers: list[RacerSpec]
    params: dict = field(default_factory=dict)
    seed: int = 0
    steps: int = 1000
    tol: float = 1e-8
    bound: float = 1e6
    noise: float = 0.0

    def make_objective(self) -> Objective:
        return make_objective(self.objective, **self.params)

    def build_race(self, objective: Objective | None = None) -> Race:
        """The race this experiment describes (every name and value checked: LabError otherwise)."""
        obj = objective or self.make_objective()
        return Race(obj, self.start, self.racers, seed=self.seed, max_steps=self.steps, tol=self.tol,
                    bound=self.bound, gradient_source=gradient_source(obj, self.noise, self.seed))

    def validate(self) -> "Experiment":
        """Check everything a race would check, without running; returns self."""
        obj = self.make_objective()
        obj.check_point(self.start, "start")
        check_noise(self.noise)
        for i, r in enumerate(self.racers):
            try:
                r.build()
            except LabError as exc:
                raise LabError(f"racers[{i}]: {exc}") from None
        return self

    def to_dict(self) -> dict:
        racers = []
        for r in self.racers:
            d = {"optimizer": r.optimizer, "hyperparameters": dict(r.hyperparameters), "label": r.label}
            if r.color:
                d["color"] = r.color
            if not r.enabled:
                d["enabled"] = False
            racers.append(d)
        return {"format_version": FORMAT_VERSION, "objective": self.objective, "params": dict(self.params),
                "start": [float(v) for v in self.start], "seed": self.seed, "steps": self.steps,
                "tol": self.tol, "bound": self.bound, "noise": self.noise, "racers": racers}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def save(self, path) -> Path:
        """Write to ``path`` atomically (a temporary file renamed over it)."""
        text = self.to_json()
        return atomic_write(path, lambda fh: fh.write(text + "\n"))

    @classmethod
    def from_dict(cls, data, where: str = "experiment", folder=None) -> "Experiment":
        """Read and check a parsed experiment; LabError says where it is broken. A relative data file is read
        from ``folder`` (the experiment file's), and the experiment records its absolute path and its SHA-256."""
        if not isinstance(data, dict):
            raise LabError(f"{where}: expected a JSON object at the top, got {_type(data)}")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise LabError(f"{where}: format_version must be a whole number >= 1, got {version!r}")
        if version > FORMAT_VERSION:
            raise LabError(f"{where}: format_version {version} is newer than this Optimizer Lab reads "
                           f"(up to {FORMAT_VERSION}); update Optimizer Lab")
        for key in ("objective", "start", "racers"):
            if key not in data:
                raise LabError(f"{where}: missing key {key!r}")
        objective = _get(data, "objective", str, where)
        params = _get(data, "params", dict, where, {})
        start = _numbers(data["start"], f"{where}: start")
        seed = _get(data, "seed", int, where, 0)
        if not 0 <= seed < 2**63:
            raise LabError(f"{where}: seed must be a whole number from 0 to 2**63 - 1, got {seed}")
        steps = _get(data, "steps", int, where, 1000)
        if steps < 0:
            raise LabError(f"{where}: steps must be >= 0, got {steps}")
        tol = _number(data.get("tol", 1e-8), f"{where}: tol")
        bound = _number(data.get("bound", 1e6), f"{where}: bound")
        if tol < 0 or bound <= 0:
            raise LabError(f"{where}: tol must be >= 0 and bound > 0")
        noise = _number(data.get("noise", 0.0), f"{where}: noise")
        if noise < 0:
            raise LabError(f"{where}: noise must be >= 0, got {noise!r}")
        raw = data["racers"]
        if not isinstance(raw, list):
            raise LabError(f"{where}: racers must be a list, got {_type(raw)}")
        if len(raw) > MAX_RACERS:
            raise LabError(f"{where}: racers: at most {MAX_RACERS} racers in an experiment (MAX_RACERS), "
                           f"got {len(raw)}")
        racers = [_racer(r, f"{where}: racers[{i}]") for i, r in enumerate(raw)]
        data_file = params.get("data")
        if folder is not None and isinstance(data_file, str) and data_file and not os.path.isabs(data_file):
            params = {**params, "data": os.path.join(folder, data_file)}
        exp = cls(objective, start, racers, params, seed, steps, tol, bound, noise)
        try:
            obj = exp.make_objective()
            obj.check_point(start, "start")
        except LabError as exc:
            raise LabError(f"{where}: {exc}") from None
        exp.params = pinned(params, obj)
        for i, r in enumerate(racers):
            try:
                r.build()
            except LabError as exc:
                raise LabError(f"{where}: racers[{i}]: {exc}") from None
        return exp

    @classmethod
    def load(cls, path) -> "Experiment":
        """Read an experiment file; LabError for a missing, unreadable or broken one, saying where."""
        p = shown(Path(path))
        return cls.from_json(read_text(path, MAX_EXPERIMENT_BYTES, "MAX_EXPERIMENT_BYTES", "experiment file"), p,
                             os.path.dirname(os.path.abspath(path)))

    @classmethod
    def from_json(cls, text: str, where: str = "experiment", folder=None) -> "Experiment":
        """An experiment from its JSON text (a file's, or one the window remembered), checked as ``load`` checks
        a file: at most MAX_EXPERIMENT_BYTES characters, unique keys, no NaN; LabError naming ``where``."""
        if len(text) > MAX_EXPERIMENT_BYTES:
            raise LabError(f"{where}: {len(text)} characters, more than the {MAX_EXPERIMENT_BYTES} an experiment "
                           "may have (MAX_EXPERIMENT_BYTES)")
        return cls.from_dict(parse_json(text, where, "an experiment file"), where, folder)


def parse_json(text: str, where: str, what: str) -> object:
    """``text`` parsed as JSON with unique keys and finite numbers only; LabError naming ``where`` (``what``: what
    the file should be, e.g. "an experiment file")."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise LabError(f"{where}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise LabError(f"{where}: {exc}") from None
    except RecursionError:
        raise LabError(f"{where}: lists or objects nested too deeply (not {what})") from None


def unique_keys(pairs: list) -> dict:
    """json's object_pairs_hook: an object as a dict, or ValueError naming a key given twice (json alone keeps
    the last, so a file saying "steps": 10, ..., "steps": 10000000 would silently run the second)."""
    out = {}
    for key, value in pairs:
        if key in out:
            shown_key = key if len(key) <= 40 else key[:37] + "..."
            raise ValueError(f"the key {shown_key!r} is given twice in one object (keys must be unique)")
        out[key] = value
    return out


def check_label(label: str) -> str:
    """``label`` if it is at most MAX_LABEL characters, else LabError naming the limit."""
    if len(label) > MAX_LABEL:
        raise LabError(f"label: at most {MAX_LABEL} characters (MAX_LABEL), got {len(label)}")
    return label


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


def _type(v) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__)


def _get(data: dict, key: str, kind: type, where: str, default=None):
    if key not in data:
        return default
    v = data[key]
    ok = isinstance(v, kind) and not (kind is int and isinstance(v, bool))
    if kind is int and isinstance(v, float) and v.is_integer():
        return int(v)
    if not ok:
        names = {str: "text", dict: "an object", int: "a whole number", list: "a list", bool: "true/false"}
        raise LabError(f"{where}: {key} must be {names[kind]}, got {_type(v)}")
    return v


def _number(v, where: str) -> float:
    try:
        ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
    except OverflowError:  # an integer with hundreds of digits: past the largest float
        ok = False
    if not ok:
        text = repr(v)
        raise LabError(f"{where} must be a finite number, got {text if len(text) <= 40 else text[:37] + '...'}")
    return float(v)


def _numbers(v, where: str) -> list:
    if not isinstance(v, list) or not v:
        raise LabError(f"{where} must be a list of numbers, got {_type(v)}")
    return [_number(x, f"{where}[{i}]") for i, x in enumerate(v)]


def _racer(r, where: str) -> RacerSpec:
    if not isinstance(r, dict):
        raise LabError(f"{where}: expected an object, got {_type(r)}")
    if "optimizer" not in r:
        raise LabError(f"{where}: missing key 'optimizer'")
    optimizer = _get(r, "optimizer", str, where)
    hyper = _get(r, "hyperparameters", dict, where, {})
    label = _get(r, "label", str, where, "")
    try:
        check_label(label)
    except LabError as exc:
        raise LabError(f"{where}: {exc}") from None
    color = _get(r, "color", str, where, None)
    if color is not None and len(color) > MAX_COLOR:
        raise LabError(f"{where}: color: at most {MAX_COLOR} characters (MAX_COLOR), got {len(color)}")
    enabled = _get(r, "enabled", bool, where, True)
    return RacerSpec(optimizer, dict(hyper), label, color, enabled)


__all__ = ["Experiment", "FORMAT_VERSION", "asdict", "check_label", "parse_json", "unique_keys"]
