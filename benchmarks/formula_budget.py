"""What the formula budget (lab.expression.derivative_size, lab.limits.MAX_DERIVATIVE_SIZE) costs and what it
predicts: for ordinary formulas and for towers of powers, the time of the check, the count, and (below the
budget, unless --no-sympy) the time sympy takes to derive and compile f, ∇f and ∇²f.

    python benchmarks/formula_budget.py [--repeat R] [--no-sympy]
"""
from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.expression import Formula, derivative_size, read_formula, to_sympy  # noqa: E402
from lab.limits import MAX_DERIVATIVE_SIZE  # noqa: E402

ORDINARY = ["x**2 + 10*y**2", "sin(x)*cos(y) + 0.1*(x**2 + y**2)", "(1 - x)**2 + 100*(y - x**2)**2",
            "exp(-x**2 - y**2) * tanh(x*y) + log(1 + x**2)",
            "sqrt(x**2 + y**2 + 1) - arctan(x/(1 + y**2)) + cosh(y/3)",
            "atan2(y, x + 5) * sinh(x/4) + abs(x - 10)**1.5 / (2 + cos(x*y))",
            " + ".join(f"sin({k}*x)*cos({k}*y)" for k in range(1, 21))]
TOWERS = ["x**" * n + "y" for n in (4, 8, 16, 24, 49)] + ["(x*y)**" * n + "y" for n in (4, 8, 16, 48)]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--no-sympy", action="store_true")
    args = ap.parse_args()
    from lab.objectives.custom import compile_numpy, derivatives

    print(f"budget MAX_DERIVATIVE_SIZE = {MAX_DERIVATIVE_SIZE}")
    print(f"{'formula':42s} {'chars':>5s} {'count':>7s} {'check':>9s} {'read_formula':>12s} {'sympy':>8s}")
    for text in ORDINARY + TOWERS:
        tree = ast.parse(text, mode="eval").body
        count = derivative_size(tree)
        check = best(lambda: derivative_size(tree), args.repeat)
        try:
            read = f"{best(lambda: read_formula(text), args.repeat) * 1e6:9.0f} us"
        except ValueError:
            read = "  refused"
        sym = "-"
        if count <= MAX_DERIVATIVE_SIZE and not args.no_sympy:
            def derive():
                d = derivatives(to_sympy(Formula(text, tree, 0)))
                compile_numpy([d.f]), compile_numpy(d.grad), compile_numpy(d.hessian)
            sym = f"{best(derive, 1):.3f} s"
        shown = text if len(text) <= 40 else text[:37] + "..."
        print(f"{shown:42s} {len(text):5d} {count:7d} {check * 1e6:6.0f} us {read:>12s} {sym:>8s}")


if __name__ == "__main__":
    main()
