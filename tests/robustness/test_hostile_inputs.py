"""Hostile input (issue 21): formulas slow to derive, special and huge files, sizes past the limits, an output
that is an input, signals during an export, duplicate keys, control characters in paths.

Each test is named after the hole it holds. The contract is the one of test_fuzz_inputs.py: exit 0, or exit 2
with exactly one ``error: ...`` line on stderr and nothing written; never a traceback.
"""
import io
import json
import os
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import main as entry
from lab import limits
from lab.errors import LabError
from lab.experiment import Experiment
from lab.race import RacerSpec

ROOT = Path(entry.__file__).resolve().parent


def cli(argv):
    """main.main(argv) in-process: (exit status, stdout, stderr); no warning may be raised."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(out), redirect_stderr(err):
        warnings.simplefilter("always")
        rc = entry.main(list(argv))
    assert [str(w.message) for w in caught] == []
    return rc, out.getvalue(), err.getvalue()


def refused(argv) -> str:
    """Run ``argv``; it must be refused in one line (exit 2, nothing on stdout); return that line."""
    rc, out, err = cli(argv)
    assert (rc, out) == (2, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    return err


def good_experiment(path, **kw) -> Path:
    Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, "plain")], steps=3, **kw).save(path)
    return Path(path)


# --- hole 1: formulas short but slow to derive ---------------------------------------------------------------

TOWER_XY = "(x*y)**" * 48 + "y"  # 337 characters: sympy spent 60 s on its gradient and Hessian
TOWER_X = "x**" * 49 + "y"       # 148 characters: 21 s


@pytest.mark.parametrize("expr", [TOWER_XY, TOWER_X, "x**" * 16 + "(x*y)**" * 12 + "y"], ids=["xy48", "x49", "mixed"])
def test_hole1_formula_slow_to_derive_is_refused_before_any_algebra(expr, monkeypatch, tmp_path):
    import lab.objectives.custom as custom
    from lab.expression import ExpressionError, read_formula

    derived = []
    monkeypatch.setattr(custom, "derivatives", lambda e: derived.append(e))  # sympy must never be asked
    with pytest.raises(ExpressionError, match=f"more than {limits.MAX_DERIVATIVE_SIZE} terms .*MAX_DERIVATIVE_SIZE"):
        read_formula(expr)
    err = refused(["eval", "--objective", "custom", "--param", f"expr={expr}", "--at", "0.5,0.5"])
    assert "derivatives are too large to work out" in err
    err = refused(["run", "--objective", "custom", "--param", f"expr={expr}", "--racer", "sgd"])
    assert "MAX_DERIVATIVE_SIZE" in err
    doc = Experiment("custom", [0.5, 0.5], [RacerSpec("sgd")], {"expr": "x**2"}).to_dict()
    doc["params"]["expr"] = expr
    (tmp_path / "e.json").write_text(json.dumps(doc))
    assert "MAX_DERIVATIVE_SIZE" in refused(["run", "--config", str(tmp_path / "e.json")])
    assert derived == []


def test_hole1_ordinary_formulas_stay_well_inside_the_derivative_budget():
    import ast

    from lab.expression import derivative_size

    sizes = {e: derivative_size(ast.parse(e, mode="eval").body) for e in [
        "x**2 + 10*y**2", "(1 - x)**2 + 100*(y - x**2)**2", "atan2(y, x + 5) * sinh(x/4) + abs(x - 10)**1.5",
        " + ".join(f"sin({k}*x)*cos({k}*y)" for k in range(1, 25)), "x**" * 8 + "y"]}
    assert sizes["x**2 + 10*y**2"] == 45
    assert all(s < limits.MAX_DERIVATIVE_SIZE / 5 for s in sizes.values()), sizes
    # the count stops at the budget: the work of the check is bounded too
    assert derivative_size(ast.parse(TOWER_X, mode="eval").body, budget=1000) == 1001
