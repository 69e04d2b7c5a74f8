"""The objectives and optimizers reference (docs/reference.md), generated from the code's own specs.

    python -m lab.reference            print it
    python -m lab.reference --write    write docs/reference.md (tests/test_reference.py fails when it is stale)
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "docs" / "reference.md"


def _num(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.10g}"
    return str(v)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", "<br>")


def optimizers_section() -> list[str]:
    from lab.optimizers import OPTIMIZERS

    lines = ["## Optimizers", "",
             "`lab.optimizers.make_optimizer(name, **hyperparameters)`; on the command line a racer is "
             "`name:k=v,k=v,...`. Each optimizer is one module, `lab/optimizers/<name>.py`, holding all of this.", "",
             "| optimizer | label | what it is | lr stable on a quadratic for | batched (per-point) | lecture set |",
             "|---|---|---|---|---|---|"]
    for s in OPTIMIZERS.values():
        bound = f"lr < {s.lr_bound_text}" if s.lr_bound is not None else "no lr bound (rescaled steps)"
        batched = f"yes ({', '.join(s.per_point)})" if s.batched else "no (one point at a time)"
        lines.append(f"| `{s.name}` | {s.label} | {_cell(s.summary)} | {bound} | {batched} | "
                     f"{'yes' if s.lecture else 'no'} |")
    for s in OPTIMIZERS.values():
        lines += ["", f"### `{s.name}` — {s.label}", "", s.summary[:1].upper() + s.summary[1:] + ".", "", "```", s.rule, "```", "",
                  "| hyperparameter | symbol | default | allowed | meaning |", "|---|---|---|---|---|"]
        for p in s.own_params:
            lines.append(f"| `{p.name}` | {p.short} | {_num(p.default)} | {_cell(p.allowed())} | {_cell(p.doc)} |")
        if s.first_order:
            lines += ["", "It also takes the schedule and clipping below."]
        lines += ["", f"State, by the names its rule (and `explain`) gives it: {_state_names(s)}."]
    from lab.optimizers import pieces

    lines += ["", "### Schedules and clipping (every first-order optimizer)", "",
              "```", pieces.__doc__.split("Schedules — ", 1)[1].strip(), "```", "",
              "| hyperparameter | default | allowed | meaning |", "|---|---|---|---|"]
    for p in pieces.PARAMS:
        default = "off" if p.default is None else _num(p.default)
        lines.append(f"| `{p.name}` | {default} | {_cell(p.allowed())} | {_cell(p.doc)} |")
    return lines


def _state_names(spec) -> str:
    """The names ``spec.names_of_state`` gives with the defaults, then those a switch or choice adds."""
    defaults = spec.defaults()
    base = list(spec.names_of_state(defaults).values())
    text = ", ".join(f"`{n}`" for n in base) if base else "none"
    for p in spec.own_params:
        for value in (True,) if p.kind == "bool" else (getattr(p, "choices", None) or ()):
            extra = [n for n in spec.names_of_state({**defaults, p.name: value}).values() if n not in base]
            if extra and value != defaults[p.name]:
                text += f"; with {p.name}={str(value).lower()} also " + ", ".join(f"`{n}`" for n in extra)
    return text


def objectives_section() -> list[str]:
    from lab.objectives import OBJECTIVES

    lines = ["## Objectives", "",
             "`lab.objectives.make_objective(name, **params)`; on the command line `--objective name --param k=v`.",
             "Values at the defaults of the parameters.", "",
             "| objective | dim | what it is | parameters (defaults) | minimum value | minima | start | domain |",
             "|---|---|---|---|---|---|---|---|"]
    for spec in OBJECTIVES.values():
        obj = spec.make()
        params = ", ".join(f"`{p.name}`={_num(p.default)}" for p in spec.params if p.default is not None) or "–"
        mv = "unknown" if obj.min_value is None else f"{obj.min_value:.10g}"
        minima = obj.minima.tolist()
        shown = "; ".join("(" + ", ".join(f"{c:.6g}" for c in m) + ")" for m in minima[:4]) if obj.dim <= 2 else \
            f"{len(minima)} known"
        if not minima:
            shown = "none known"
        start = "(" + ", ".join(f"{c:.6g}" for c in obj.start.tolist()) + ")" if obj.dim <= 2 else f"{obj.dim} numbers"
        dom = obj.domain.tolist()
        domain = " × ".join(f"[{a:g}, {b:g}]" for a, b in dom) if obj.dim <= 2 else f"{obj.dim} intervals"
        lines.append(f"| `{spec.name}` | {obj.dim} | {_cell(spec.summary)} | {params} | {mv} | {shown} | {start} | "
                     f"{domain} |")
    lines += ["", "Parameters and their allowed values:", "", "| objective | parameter | default | allowed | meaning |",
              "|---|---|---|---|---|"]
    for spec in OBJECTIVES.values():
        for p in spec.params:
            default = "none" if p.default is None else _cell(_num(p.default))
            lines.append(f"| `{spec.name}` | `{p.name}` | {default} | {_cell(p.allowed())} | "
                         f"{_cell(p.doc)} |")
    return lines


def generate() -> str:
    head = ["# Reference: objectives and optimizers", "",
            "Generated from the code's specs by `python -m lab.reference --write`; do not edit by hand "
            "(a test fails when this file is stale).", ""]
    return "\n".join(head + optimizers_section() + [""] + objectives_section()) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = generate()
    if argv == ["--write"]:
        from lab.files import write_text

        write_text(PATH, text)
        print(f"wrote {PATH.name}")
    elif not argv:
        sys.stdout.write(text)
    else:
        print("usage: python -m lab.reference [--write]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
