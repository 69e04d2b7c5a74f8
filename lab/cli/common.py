"""What every subcommand shares: parsing numbers and k=v lists, checking names and values, printing tables and JSON.

Everything here raises LabError for bad input; ``lab.cli.main`` turns it into one ``error: ...`` line and exit 2.
"""
from __future__ import annotations

import math
import re
from typing import Iterable, Sequence

from lab.errors import LabError
from lab.params import check_all

#: The most steps a race may take: every step of every racer is kept (32 bytes a racer-step in 2-D), so
#: 10 million steps are 320 MB a racer; a typo such as --steps 100000000 is refused, not run for an hour.
#: Seeds are whole numbers from 0 to 2**63 - 1, as in experiment files. Both live in lab.limits.
from lab.limits import MAX_LABEL, MAX_RACERS, MAX_SEED, MAX_STEPS  # noqa: E402,F401 - re-exported

# --- numbers -----------------------------------------------------------------------------------------------


def parse_number(text: str, what: str) -> float:
    """One finite number, or LabError naming ``what`` and the bad text."""
    t = text.strip()
    try:
        value = float(t)
    except ValueError:
        raise LabError(f"{what}: {t!r} is not a number") from None
    if not math.isfinite(value):
        raise LabError(f"{what}: {t!r} is not a finite number")
    return value


def parse_numbers(text: str, what: str) -> list[float]:
    """Numbers separated by commas, e.g. '-1.5,2' -> [-1.5, 2.0]; LabError for an empty, malformed or non-finite one."""
    if not text.strip():
        raise LabError(f"{what}: expected numbers separated by commas, e.g. -1.5,2; got nothing")
    parts = text.split(",")
    if any(not p.strip() for p in parts):
        raise LabError(f"{what}: expected numbers separated by commas, e.g. -1.5,2; got {text!r}")
    return [parse_number(p, what) for p in parts]


def parse_whole(text: str, what: str, lo: int = 0, hi: int | None = None) -> int:
    """A whole number from lo to hi (``'100'``, ``'1e3'``; digits are read exactly, however many), or LabError."""
    t = text.strip()
    bad = LabError(f"{what} must be a whole number >= {lo}, got {t!r}")
    try:
        value = int(t)  # exact: '9007199254740993' must not become 9007199254740992 through a float
    except ValueError:
        try:
            number = float(t)
        except ValueError:
            raise bad from None
        if not math.isfinite(number) or number != int(number):
            raise bad
        value = int(number)
    if value < lo:
        raise bad
    if hi is not None and value > hi:
        raise LabError(f"{what} must be a whole number from {lo} to {hi}, got {t!r}")
    return value


def parse_assignments(items: Iterable[str], what: str = "") -> dict[str, str]:
    """``['k=v', ...]`` -> {k: v} (text values; the parameter's own check converts them); LabError for a
    missing '=', an empty name or a name given twice, prefixed by ``what``."""
    where = f"{what}: " if what else ""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise LabError(f"{where}expected name=value, got {item!r}")
        if key in out:
            raise LabError(f"{where}{key} is given twice")
        out[key] = value.strip()
    return out


def checked_values(params, given: dict, owner: str) -> dict:
    """The ``given`` values converted by their Params (only those given; defaults stay implicit), or LabError
    naming the unknown or out-of-range one."""
    values = check_all(params, given, owner)
    return {name: values[name] for name in given}


# --- negative numbers as option values ---------------------------------------------------------------------

_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


def join_negative_values(argv: Sequence[str], value_options: set[str]) -> list[str]:
    """Join ``--start -1.5,2`` into ``--start=-1.5,2`` for options that take a value.

    argparse reads a token such as '-1.5,2' as an unknown option; a token after a value-taking option that
    starts with '-' and a digit (or '.5', 'inf', 'nan') is that option's value. Only long options are joined.
    """
    out: list[str] = []
    i = 0
    argv = list(argv)
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            out.extend(argv[i:])
            break
        if tok in value_options and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


# --- output ------------------------------------------------------------------------------------------------


def fmt(value, digits: int | None = 6) -> str:
    """A number for people: ``digits`` significant digits (None: exact, as repr), 'nan', 'inf', '-' for None."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) or hasattr(value, "__float__"):
        return repr(float(value)) if digits is None else f"{float(value):.{digits}g}"
    return str(value)


def fmt_point(values, digits: int | None = 6, limit: int = 4) -> str:
    """'(x, y)'; past ``limit`` coordinates the first three and how many more, '(1, 2, 3, ... 79 more)'."""
    values = [float(v) for v in values]
    shown = values if len(values) <= limit else values[:3]
    more = f", ... {len(values) - len(shown)} more" if len(shown) < len(values) else ""
    return "(" + ", ".join(fmt(v, digits) for v in shown) + more + ")"


def fmt_box(domain, digits: int = 4) -> str:
    """'[-2, 2] × [-1, 3]'; the same interval in every coordinate of a high-dimensional box as '[-1, 1]^82'."""
    boxes = [f"[{fmt(float(lo), digits)}, {fmt(float(hi), digits)}]" for lo, hi in domain]
    if len(boxes) > 3 and len(set(boxes)) == 1:
        return f"{boxes[0]}^{len(boxes)}"
    if len(boxes) > 3:
        return " × ".join(boxes[:2]) + f" × ... ({len(boxes)} coordinates)"
    return " × ".join(boxes)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """An aligned text table, two spaces between columns; columns listed in ``right`` are right-aligned.
    Control characters in a cell (a label holding a line break) are shown as escapes: one row, one line."""
    cells = [list(header)] + [[_one_line(str(c)) for c in row] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    lines = []
    for r in cells:
        parts = [c.rjust(w) if j in right else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def json_safe(obj):
    """``obj`` with NumPy scalars and arrays as plain Python, and non-finite floats as 'nan', 'inf', '-inf'."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "tolist"):
        return json_safe(obj.tolist())
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    return obj


def print_json(obj) -> None:
    """Print ``obj`` as strict JSON, indented, with lists of plain values on one line."""
    from lab.export import compact_json

    print(compact_json(json_safe(obj)))


def add_work_options(parser) -> None:
    """--workers N and --scheduler ADDRESS: where a split command's blocks run (lab.parallel)."""
    from lab.limits import MAX_WORKERS

    parser.add_argument("--workers", metavar="N",
                        help=f"run the blocks of work on N local processes (default 1, at most {MAX_WORKERS}); the "
                             f"result is the same, bit for bit")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="send the blocks to the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 (needs the "
                             "[cluster] extra here, and the lab importable on the scheduler and its workers)")


def work_options(args) -> dict:
    """{"workers": N (default 1), "scheduler": address or None} from --workers / --scheduler; LabError for both,
    or a bad one."""
    from lab.limits import MAX_WORKERS

    workers = 1 if args.workers is None else parse_whole(args.workers, "--workers", lo=1, hi=MAX_WORKERS)
    scheduler = args.scheduler
    if scheduler is not None:
        if args.workers is not None:
            raise LabError("give --workers N (local processes) or --scheduler ADDRESS (a Dask cluster), not both")
        scheduler = scheduler.strip()
        if not scheduler or len(scheduler) > 200 or not scheduler.isprintable() or any(c.isspace() for c in scheduler):
            raise LabError(f"--scheduler: expected an address such as tcp://10.0.0.5:8786, got {args.scheduler!r}")
    return {"workers": workers, "scheduler": scheduler}
