"""``objectives [--json]``: every built-in objective with its parameters, domain, minima and start."""
from __future__ import annotations

from lab.cli.common import fmt, fmt_box, fmt_point, print_json, table

NAME = "objectives"


def add_parser(subparsers):
    p = subparsers.add_parser(NAME, help="list the objectives",
                              description="Every built-in objective, built with its default parameters.")
    p.add_argument("--json", action="store_true",
                   help="a JSON list of {name, dim, params, domain, minima, min_value, start}")
    return p


def describe(spec) -> dict:
    """One objective as the JSON contract has it (default parameters)."""
    obj = spec.make()
    return {
        "name": spec.name,
        "dim": int(obj.dim),
        "params": {p.name: p.default for p in spec.params},
        "domain": obj.domain.tolist(),
        "minima": obj.minima.tolist(),
        "min_value": obj.min_value,
        "start": obj.start.tolist(),
    }


def run(args) -> int:
    from lab.objectives import OBJECTIVES

    items = [describe(spec) for spec in OBJECTIVES.values()]
    if args.json:
        print_json(items)
        return 0
    rows = []
    for it in items:
        minima = it["minima"]
        shown = fmt_point(minima[0], 4) if minima else "-"
        if len(minima) > 1:
            shown += f" +{len(minima) - 1} more"
        rows.append([it["name"], str(it["dim"]),
                     ", ".join(f"{k}={fmt(v)}" for k, v in it["params"].items() if v is not None) or "-",
                     fmt(it["min_value"], 6), shown, fmt_point(it["start"], 4),
                     fmt_box(it["domain"])])
    print(table(["NAME", "DIM", "PARAMS (defaults)", "MIN VALUE", "MINIMA", "START", "DOMAIN"], rows, right=(1,)))
    return 0
