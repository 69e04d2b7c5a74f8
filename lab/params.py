"""Named, range-checked parameters shared by objectives and optimizers."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from lab.errors import LabError

_KINDS = ("float", "int", "bool", "choice", "str")


@dataclass(frozen=True)
class Param:
    """One named parameter: its default and the values it allows.

    ``lo``/``hi`` bound a number; ``lo_open``/``hi_open`` make the bound strict.
    """

    name: str
    default: Any
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    kind: str = "float"
    choices: tuple = field(default=())
    doc: str = ""
    symbol: str = ""  # how a table or a field writes it, in the lecture's notation ("ρ", "β₁"); the name if empty

    @property
    def short(self) -> str:
        """The parameter's symbol, or its name."""
        return self.symbol or self.name

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")

    def allowed(self) -> str:
        """The allowed values in words, e.g. ``0 <= rho < 1``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "str":
            return "text"
        what = "a whole number" if self.kind == "int" else "a finite number"
        lo = "" if self.lo == -math.inf else f"{_num(self.lo)} {'<' if self.lo_open else '<='} "
        hi = "" if self.hi == math.inf else f" {'<' if self.hi_open else '<='} {_num(self.hi)}"
        if not lo and not hi:
            return what
        return f"{what}, {lo}{self.name}{hi}"

    def check(self, value: Any, owner: str = "") -> Any:
        """Return ``value`` converted to this parameter's kind, or raise LabError naming it."""
        if self.default is None and (value is None or (isinstance(value, str) and not value.strip())):
            return None  # an optional parameter left off (empty)
        where = f"{owner} " if owner else ""
        bad = LabError(f"{where}parameter {self.name}={_show(value)} is not allowed: expected {self.allowed()}")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise bad
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise bad
        if self.kind == "str":
            if isinstance(value, str):
                return value
            raise bad
        if isinstance(value, bool):
            raise bad
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise bad from None
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if not math.isfinite(number):
            raise bad
        if self.kind == "int":
            if number != int(number):
                raise bad
            number = int(number)
        if number < self.lo or number > self.hi:
            raise bad
        if (self.lo_open and number == self.lo) or (self.hi_open and number == self.hi):
            raise bad
        return number

    def to_json(self) -> dict:
        out = {"name": self.name, "default": self.default, "kind": self.kind, "allowed": self.allowed()}
        if self.kind in ("float", "int"):
            out["min"] = None if self.lo == -math.inf else self.lo
            out["max"] = None if self.hi == math.inf else self.hi
            out["min_exclusive"] = self.lo_open
            out["max_exclusive"] = self.hi_open
        if self.kind == "choice":
            out["choices"] = list(self.choices)
        return out


def check_all(params: tuple[Param, ...], given: dict, owner: str) -> dict:
    """Fill defaults and check every given value; refuse unknown names, listing the known ones."""
    known = {p.name: p for p in params}
    for name in given:
        if name not in known:
            allowed = ", ".join(known) if known else "none"
            raise LabError(f"{owner} has no parameter {name!r}; its parameters are: {allowed}")
    return {p.name: p.check(given[p.name], owner) if p.name in given else p.default for p in params}


def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
