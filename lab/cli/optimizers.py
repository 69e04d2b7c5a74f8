"""``optimizers [--json]``: every optimizer with its hyperparameters, defaults and allowed ranges."""
from __future__ import annotations

from lab.cli.common import fmt, print_json, table

NAME = "optimizers"


def add_parser(subparsers):
    p = subparsers.add_parser(NAME, help="list the optimizers and their hyperparameters",
                              description="Every optimizer with its hyperparameters, defaults and allowed values.")
    p.add_argument("--json", action="store_true",
                   help="a JSON list of {name, summary, rule, hyperparameters: [{name, default, kind, allowed, ...}]}")
    return p


def run(args) -> int:
    from lab.optimizers import OPTIMIZERS

    if args.json:
        print_json([{"name": s.name, "summary": s.summary, "rule": s.rule,
                     "hyperparameters": [p.to_json() for p in s.params]} for s in OPTIMIZERS.values()])
        return 0
    from lab.optimizers import pieces

    rows, groups = [], []
    for s in OPTIMIZERS.values():
        groups.append((len(rows), f"{s.name}: {s.summary}"))
        rows.extend(["  " + p.name, fmt(p.default), p.allowed(), p.doc] for p in s.own_params)
    first_order = [s.name for s in OPTIMIZERS.values() if s.first_order]
    groups.append((len(rows), f"every first-order optimizer ({', '.join(first_order)}) also takes:"))
    rows.extend(["  " + p.name, fmt(p.default), p.allowed(), p.doc] for p in pieces.PARAMS)
    lines = table(["  HYPERPARAMETER", "DEFAULT", "ALLOWED", "MEANING"], rows).splitlines()
    out = [lines[0]]
    body = lines[1:]
    for i in range(len(body) + 1):
        out.extend(title for start, title in groups if start == i)
        out.extend(body[i:i + 1])
    print("\n".join(out))
    print("\nSet them in a racer: --racer 'adam:lr=0.01,amsgrad=true,label=Adam' or "
          "'adamw:lr=0.01,schedule=warmup_cosine,t_max=500'. Update rules: python main.py optimizers --json")
    return 0
