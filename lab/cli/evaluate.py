"""``eval --objective NAME [--param k=v ...] --at X,Y [--json]``: f, ∇f, ∇²f and the curvature at one point."""
from __future__ import annotations

import numpy as np

from lab.cli.common import fmt, fmt_point, print_json, table
from lab.cli.run import add_objective_options, objective_from_args

NAME = "eval"


def add_parser(subparsers):
    p = subparsers.add_parser(
        NAME, help="value, gradient, Hessian and curvature at a point",
        description="At one point: f, its gradient and Hessian, the Hessian's eigenvalues (ascending), its "
                    "condition number max|λ|/min|λ|, the kind of point, and the gradient and Hessian checks "
                    "(relative error against centred finite differences).")
    add_objective_options(p, required=True)
    p.add_argument("--at", required=True, metavar="X,Y", help="the point, numbers separated by commas (e.g. -2.8,3.1)")
    p.add_argument("--json", action="store_true",
                   help="JSON with keys value, grad, hessian, eigenvalues, condition_number, kind, grad_check_error, "
                        "hessian_check_error (non-finite numbers as \"nan\", \"inf\", \"-inf\")")
    return p


def evaluate(obj, x: np.ndarray) -> dict:
    """The eval report at x (plain Python values)."""
    from lab.curvature import curvature
    from lab.gradcheck import grad_check, hessian_check

    with np.errstate(all="ignore"):
        hessian = np.asarray(obj.hessian(x), dtype=float)
        c = curvature(hessian)
        return {
            "value": float(obj.value(x)),
            "grad": np.asarray(obj.grad(x), dtype=float).tolist(),
            "hessian": hessian.tolist(),
            "eigenvalues": np.asarray(c.eigenvalues, dtype=float).tolist(),
            "condition_number": float(c.condition_number),
            "kind": str(c.kind),
            "grad_check_error": grad_check(obj, x),
            "hessian_check_error": hessian_check(obj, x),
        }


def run(args) -> int:
    from lab.cli.common import parse_numbers

    obj = objective_from_args(args)
    x = obj.check_point(parse_numbers(args.at, "--at"), "--at")
    report = evaluate(obj, x)
    if args.json:
        print_json(report)
        return 0
    params = ", ".join(f"{k}={fmt(v)}" for k, v in obj.params.items())
    print(f"{obj.name}{f' ({params})' if params else ''} at {fmt_point(x, None)}")
    rows = [
        ["value", fmt(report["value"], None)],
        ["gradient", fmt_point(report["grad"], 10)],
        ["|gradient|", fmt(float(np.linalg.norm(report["grad"])), 10)],
        ["Hessian", hessian_text(report["hessian"])],
        ["eigenvalues", fmt_point(report["eigenvalues"], 10)],
        ["condition number", fmt(report["condition_number"], 10)],
        ["kind", report["kind"] + "  (from the Hessian; a true minimum, maximum or saddle also needs gradient 0)"],
        ["gradient check", fmt(report["grad_check_error"], 3) + "  (relative error vs centred differences)"],
        ["Hessian check", fmt(report["hessian_check_error"], 3) + "  (relative error vs centred differences)"],
    ]
    print(table(["", ""], rows).split("\n", 1)[1])
    return 0


def hessian_text(hessian) -> str:
    """'[[a, b], [b, c]]' for a small Hessian; its shape for a large one (the numbers are in --json)."""
    d = len(hessian)
    if d > 4:
        return f"{d}×{d} matrix (see --json)"
    return "[" + ", ".join("[" + ", ".join(fmt(v, 10) for v in row) + "]" for row in hessian) + "]"
