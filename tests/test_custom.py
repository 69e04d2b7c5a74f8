"""Typed-in objectives: exact symbolic derivatives, and a whitelist parser that runs nothing it is given."""
import ast
import builtins
import contextlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import main
from lab.errors import LabError
from lab.expression import (FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, check_expression, parse_expression,
                            read_formula)
from lab.gradcheck import grad_check, hessian_check
from lab.objectives import OBJECTIVES, make_objective

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- exact derivatives ----------------------------------------------------------------------------------------------

EXPRESSIONS = [
    ("x**2 + 10*y**2", [[-3, 3], [-3, 3]]),
    ("sin(x)*cos(y) + 0.1*(x**2 + y**2)", [[-3, 3], [-3, 3]]),
    ("(1 - x)**2 + 100*(y - x**2)**2", [[-2, 2], [-1, 3]]),
    ("exp(-x**2 - y**2) * tanh(x*y) + log(1 + x**2)", [[-2, 2], [-2, 2]]),
    ("sqrt(x**2 + y**2 + 1) - arctan(x/(1 + y**2)) + cosh(y/3)", [[-3, 3], [-3, 3]]),
    ("atan2(y, x + 5) * sinh(x/4) + abs(x - 10)**1.5 / (2 + cos(x*y))", [[-3, 3], [-3, 3]]),
    ("x**3 - 3*x*y**2 + e**(y/2) * pi", [[-2, 2], [-2, 2]]),
    ("arcsin(x/4) + arccos(y/4) + tan(x/3) * y", [[-3, 3], [-3, 3]]),
]


@pytest.mark.parametrize(("expr", "domain"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_symbolic_gradient_and_hessian_agree_with_finite_differences(expr, domain):
    (x0, x1), (y0, y1) = domain
    obj = make_objective("custom", expr=expr, xmin=x0, xmax=x1, ymin=y0, ymax=y1)
    pts = np.random.default_rng(len(expr)).uniform([x0, y0], [x1, y1], (200, 2))
    assert grad_check(obj, pts) < 1e-8
    assert hessian_check(obj, pts) < 1e-8


def test_values_and_derivatives_by_hand():
    obj = make_objective("custom", expr="sin(x)*cos(y) + 0.1*(x**2 + y**2)")
    x, y = 0.7, -1.3
    assert float(obj.value([x, y])) == pytest.approx(math.sin(x) * math.cos(y) + 0.1 * (x * x + y * y), rel=1e-15)
    np.testing.assert_allclose(obj.grad([x, y]), [math.cos(x) * math.cos(y) + 0.2 * x,
                                                  -math.sin(x) * math.sin(y) + 0.2 * y], rtol=1e-14)
    np.testing.assert_allclose(obj.hessian([x, y]), [[-math.sin(x) * math.cos(y) + 0.2, -math.cos(x) * math.sin(y)],
                                                     [-math.cos(x) * math.sin(y), -math.sin(x) * math.cos(y) + 0.2]],
                               rtol=1e-14)


@pytest.mark.parametrize("expr", ["3", "x", "2*x + y", "pi*e"])
def test_constant_parts_are_broadcast_to_the_input_shape(expr):
    obj = make_objective("custom", expr=expr)
    pts = np.zeros((3, 4, 2))
    value, grad, hess = obj.value(pts), obj.grad(pts), obj.hessian(pts)
    assert value.shape == (3, 4) and grad.shape == (3, 4, 2) and hess.shape == (3, 4, 2, 2)
    assert np.all(hess == 0)
    value[0, 0] = 1.0  # a real array, not a read-only broadcast view
    assert obj.value(np.zeros(2)).shape == ()


def test_abs_has_its_almost_everywhere_second_derivative():
    obj = make_objective("custom", expr="abs(x) + abs(y)**3")
    np.testing.assert_array_equal(obj.grad([-2.0, -1.0]), [-1.0, -3.0])
    np.testing.assert_array_equal(obj.hessian([-2.0, -1.0]), [[0.0, 0.0], [0.0, 6.0]])


def test_undefined_points_give_nan_quietly_and_the_race_marks_divergence():
    from lab.race import DIVERGED, Race, RacerSpec

    obj = make_objective("custom", expr="log(x) + y**2")
    assert np.isnan(obj.value([-1.0, 0.0]))
    np.testing.assert_array_equal(obj.grad([-1.0, 0.0]), [-1.0, 0.0])
    race = Race(obj, [0.5, 1.0], [RacerSpec("sgd", {"lr": 1.0})], max_steps=20).run()
    assert race.tracks[0].status == DIVERGED


def test_domain_start_and_no_minima():
    obj = make_objective("custom", xmin=-1, xmax=5, ymin=0, ymax=2)
    np.testing.assert_array_equal(obj.domain, [[-1, 5], [0, 2]])
    np.testing.assert_allclose(obj.start, [2 - 0.75 * 3, 1 + 0.5 * 1])
    assert obj.minima.shape == (0, 2) and obj.min_value is None and obj.stochastic is False
    assert obj.params == {"expr": "x**2 + 10*y**2", "xmin": -1, "xmax": 5, "ymin": 0, "ymax": 2}
    assert [p.name for p in OBJECTIVES["custom"].params] == ["expr", "xmin", "xmax", "ymin", "ymax"]
    with pytest.raises(LabError, match="xmin < xmax"):
        make_objective("custom", xmin=1, xmax=1)
    d = obj.derivatives
    assert str(d.f) == "x**2 + 10*y**2" and [str(g) for g in d.grad] == ["2*x", "20*y"]


# --- refusals ---------------------------------------------------------------------------------------------------

REFUSED = [
    ("", None, "empty"), ("   ", None, "empty"), ("x" * (MAX_LENGTH + 1), None, "too long"),
    ("x +* 2", 4, "not a formula"), ("x\n+ 1", None, "one line"), ("x\x00", None, "not a formula"),
    ("__import__('os').system('x')", 1, "only the listed functions"), ("().__class__", 1, "attribute access"),
    ("lambda: 0", 1, "lambda"), ("[x for x in y]", 1, "comprehension"), ("x.real", 1, "attribute access"),
    ("open('f')", 1, "unknown function 'open'"), ("9**9**9", 4, "exponent is too large"),
    ("x**101", 4, "exponent is too large"), ("x**-101.5", 4, "exponent is too large"),
    ("1e101 * x", 1, "number is too large"), ("10**101", 5, "exponent is too large"),
    ("exp(300) * x", 1, "too large"), ("(2**100)**100", 1, "too large"),
    ("x[0]", 1, "indexing"), ("'x'", 1, "text (a string)"), ("b'x'", 1, "bytes"), ("x if y else 1", 1, "if ... else"),
    ("x < y", 1, "comparison"), ("x and y", 1, "'and' / 'or'"), ("not x", 1, "'not'"), ("~x", 1, "'~'"),
    ("x, y", 1, "tuple"), ("{x}", 1, "set"), ("{x: y}", 1, "dict"), ("f'{x}'", 1, "f-string"),
    ("(y := 2)", 2, "':='"), ("sin(x=1)", 7, "keyword arguments"), ("sin(*[x])", 5, "'*' unpacking"),
    ("sin(x, y)", 1, "takes 1 argument, got 2"), ("atan2(x)", 1, "takes 2 arguments, got 1"),
    ("z + 1", 1, "unknown name 'z'"), ("sin + 1", 1, "sin is a function"), ("x ^ 2", 3, "for powers use **"),
    ("x // 2", 3, "'//'"), ("x % 2", 3, "'%'"), ("x @ y", 3, "'@'"), ("True * x", 1, "True/False"),
    ("None", 1, "None"), ("1j * x", 1, "complex"), ("...", 1, "'...'"), ("1/0", 2, "division by zero"),
    ("x/(1 - 1)", 2, "division by zero"), ("log(0)", 1, "not a real number"), ("sqrt(-1) * x", 1, "not a real"),
    ("asin(2)", 1, "not a real number"), ("(-8)**(1/3)", 1, "not a real number"), ("0**-1", 1, "not a real"),
    ("-" * (MAX_DEPTH + 5) + "x", MAX_DEPTH + 1, "nested too deeply"),
    ("sin(" * 60 + "x" + ")" * 60, 1 + 4 * MAX_DEPTH, "nested too deeply"),
    ("np.sin(x)", 1, "only the listed functions"), ("x.__class__.__bases__", 1, "attribute"),
    ("globals()", 1, "unknown function 'globals'"), ("getattr(x, 'y')", 1, "unknown function 'getattr'"),
    ("  é + x", 3, "unknown name 'é'"), ("'é' % x", 5, "'%'"), ("é +* 2", 4, "not a formula"),
]


@pytest.mark.parametrize(("text", "column", "words"), REFUSED, ids=[repr(t[:30]) for t, _, _ in REFUSED])
def test_refused_formulas_say_what_and_where(text, column, words):
    err = check_expression(text)
    assert isinstance(err, ExpressionError) and isinstance(err, LabError)
    assert words in err.reason
    assert err.column == column
    assert str(err) == (err.reason if column is None else f"column {column}: {err.reason}")
    assert "\n" not in str(err)
    with pytest.raises(LabError, match="objective 'custom' parameter expr: "):
        make_objective("custom", expr=text)


@pytest.mark.parametrize("text", ["1/(x - x)", "log(x - x)", "tan(pi/2) + x"])
def test_what_only_exact_arithmetic_reveals_is_refused_at_first_use(text):
    assert check_expression(text) is None  # the float check cannot see it ...
    with pytest.raises(ExpressionError, match="not a finite real number"):
        parse_expression(text)  # ... sympy can
    obj = make_objective("custom", expr=text)
    with pytest.raises(LabError, match="objective 'custom' parameter expr: column 1"):
        obj.value([0.0, 0.0])


def test_accepted_formulas():
    for text in ["x**2 + 10*y**2", " +x - -y ", "x**(-100) + y**100", "2**100 * x", "1e100 * y", "pi + e + x",
                 "arctan2(y, x) + atan2(x, y)", "exp(230) * x", "sqrt(2)**2 * x", "((((x))))"]:
        assert check_expression(text) is None, text
        parse_expression(text)


# --- through the command line -----------------------------------------------------------------------------------

def test_command_line_custom_objective(capsys):
    assert main.main(["eval", "--objective", "custom", "--param", "expr=x**2 + y**2", "--at", "1,2"]) == 0
    out = capsys.readouterr().out
    assert "5" in out and "(2, 4)" in out
    assert main.main(["eval", "--objective", "custom", "--param", "expr=__import__('os').system('echo hi')",
                      "--at", "1,2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "column 1" in err and "expr" in err and err.count("\n") == 1
    assert main.main(["run", "--objective", "custom", "--param", "expr=x.real", "--racer", "sgd"]) == 2


# --- sympy is imported only when needed -------------------------------------------------------------------------

def test_sympy_is_imported_only_when_a_custom_objective_is_evaluated():
    code = ("import sys; import lab.objectives as o; from lab.expression import check_expression; "
            "a = 'sympy' in sys.modules; obj = o.make_objective('custom', expr='sin(x) + y**2'); "
            "b = 'sympy' in sys.modules; check_expression('x.real'); c = 'sympy' in sys.modules; "
            "obj.value([0.0, 0.0]); print(a, b, c, 'sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.split() == ["False", "False", "False", "True"], out.stderr


# --- the fuzz test ------------------------------------------------------------------------------------------------

ATTACKS = [
    "__import__('os').system('x')", "().__class__", "().__class__.__bases__[0].__subclasses__()", "lambda: 0",
    "[x for x in y]", "x.real", "open('f')", "9**9**9", "exec('1')", "eval('x')", "compile('x', '', 'eval')",
    "getattr(sin, '__globals__')", "sin.__globals__", "(lambda: os.system('x'))()", "sin(*__import__('os'))",
    "sin(x)(y)", "sin(x)[0]", "x if __import__('os') else y", "{**x}", "(yield)", "await x", "x.__dict__",
    "'%s' % x", "f'{__import__(\"os\")}'", "sin(x, key=__import__('os'))", "type(x)", "().__reduce__()",
    "9" * 490, "(" * 240 + "x" + ")" * 240, "-" * 400 + "x", "sin(" * 100 + "x" + ")" * 100, "x" + "+x" * 249,
    "1" + "*1" * 249, "2**2**2**2**2", "10**10**10", "1e308*1e308", "exp(exp(exp(exp(10))))",
]


class Forbidden(Exception):
    """Raised by any code-running function called while a formula is read."""


@contextlib.contextmanager
def nothing_runs():
    """While a formula is read: eval, exec, open, sympify (on text), parse_expr, lambdify, os.system, os.popen
    and subprocess.Popen raise Forbidden. (Around the reading only: hypothesis itself uses exec.)"""
    import sympy
    import sympy.parsing.sympy_parser as sympy_parser

    sympify_module = sys.modules["sympy.core.sympify"]  # the attribute sympy.core.sympify is the function
    original_sympify = sympify_module.sympify

    def forbidden(*args, **kwargs):
        raise Forbidden(f"called with {args!r:.60}")

    def sympify_guard(a, *args, **kwargs):
        if isinstance(a, str):
            raise Forbidden(f"sympify on text {a!r:.60}")
        return original_sympify(a, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        for target, name in [(builtins, "eval"), (builtins, "exec"), (builtins, "open"),
                             (sympy_parser, "parse_expr"), (sympy, "parse_expr"), (sympy, "lambdify"),
                             (os, "system"), (os, "popen"), (subprocess, "Popen")]:
            mp.setattr(target, name, forbidden)
        mp.setattr(sympy, "sympify", sympify_guard)
        mp.setattr(sympify_module, "sympify", sympify_guard)
        yield


def _read_fully(text: str):
    """parse_expression (both steps) with nothing able to run: the sympy expression or the ExpressionError.
    Any other exception (Forbidden among them) propagates and fails the test."""
    with nothing_runs():
        try:
            return parse_expression(text)
        except ExpressionError as exc:
            assert str(exc) and "\n" not in str(exc)
            return exc


def test_the_guard_stops_code_running_functions():
    import sympy

    with nothing_runs():
        for run in (lambda: eval("1"), lambda: exec("1"), lambda: sympy.sympify("x"), lambda: os.system("true"),
                    lambda: open(__file__)):
            with pytest.raises(Forbidden):
                run()
        assert sympy.sympify(2) == 2  # sympy's own conversions of non-text still work


@pytest.mark.parametrize("text", ATTACKS, ids=[repr(a[:25]) for a in ATTACKS])
def test_attempts_to_run_code_are_refused_and_nothing_runs(text):
    assert isinstance(_read_fully(text), ExpressionError)


_FORBIDDEN_NAMES = ["z", "os", "__import__", "open", "eval", "sympy", "np", "lambda_", "exp_"]

_ALLOWED_LEAVES = st.one_of(st.integers(0, 10**6).map(ast.Constant),
                            st.floats(0, 1e120, allow_nan=False).map(ast.Constant),
                            st.sampled_from(["x", "y", "pi", "e"]).map(lambda n: ast.Name(n, ast.Load())))
_OTHER_LEAVES = st.one_of(
    st.sampled_from(["x", "", "os", "1", None, True, 1j, ..., b"x"]).map(ast.Constant),
    st.sampled_from(_FORBIDDEN_NAMES).map(lambda n: ast.Name(n, ast.Load())),
)
_LEAVES = st.one_of(_ALLOWED_LEAVES, _ALLOWED_LEAVES, _ALLOWED_LEAVES, _OTHER_LEAVES)
_BINOPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod, ast.BitXor, ast.MatMult, ast.LShift]
_UNOPS = [ast.USub, ast.UAdd, ast.Not, ast.Invert]


def _arithmetic(children):
    """Nodes the whitelist knows (operators and functions, some of them refused) over ``children``."""
    return st.one_of(
        st.tuples(children, st.sampled_from(_BINOPS), children).map(lambda t: ast.BinOp(t[0], t[1](), t[2])),
        st.tuples(st.sampled_from(_UNOPS), children).map(lambda t: ast.UnaryOp(t[0](), t[1])),
        st.tuples(st.sampled_from([*FUNCTIONS, "open", "getattr", "eval", "print"]),
                  st.lists(children, min_size=1, max_size=2)).map(
            lambda t: ast.Call(ast.Name(t[0], ast.Load()), t[1], [])),
    )


def _anything(children):
    """Any node: arithmetic, or syntax the whitelist refuses wherever it appears."""
    others = st.one_of(
        st.tuples(children, st.sampled_from(["real", "__class__", "system"])).map(
            lambda t: ast.Attribute(t[0], t[1], ast.Load())),
        st.tuples(children, children).map(lambda t: ast.Subscript(t[0], t[1], ast.Load())),
        st.tuples(children, children).map(lambda t: ast.Compare(t[0], [ast.Lt()], [t[1]])),
        st.tuples(children, children).map(lambda t: ast.BoolOp(ast.And(), [t[0], t[1]])),
        st.tuples(children, children, children).map(lambda t: ast.IfExp(t[0], t[1], t[2])),
        children.map(lambda c: ast.Lambda(ast.arguments([], [], None, [], [], None, []), c)),
        st.lists(children, min_size=2, max_size=3).map(lambda cs: ast.Tuple(cs, ast.Load())),
        children.map(lambda c: ast.Call(ast.Name("sin", ast.Load()), [], [ast.keyword("x", c)])),
        children.map(lambda c: ast.ListComp(c, [ast.comprehension(ast.Name("x", ast.Store()), c, [], 0)])),
    )
    return st.one_of(_arithmetic(children), others)


# Trees of any syntax, and trees of arithmetic on whitelisted leaves (which the whitelist often accepts).
_TREES = st.one_of(st.recursive(_LEAVES, _anything, max_leaves=20),
                   st.recursive(_ALLOWED_LEAVES, _arithmetic, max_leaves=10))


def _whitelisted(node) -> bool:
    """An independent statement of the whitelist (syntax only; constants may still be refused)."""
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    if isinstance(node, ast.Name):
        return node.id in ("x", "y", "pi", "e")
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.UAdd, ast.USub)) and _whitelisted(node.operand)
    if isinstance(node, ast.BinOp):
        return (isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow))
                and _whitelisted(node.left) and _whitelisted(node.right))
    if isinstance(node, ast.Call):
        return (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords
                and len(node.args) == (2 if "2" in node.func.id else 1) and all(map(_whitelisted, node.args)))
    return False


FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(tree=_TREES)
def test_fuzz_random_syntax_trees_refuse_everything_outside_the_whitelist(tree):
    text = ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    result = _read_fully(text)
    if check_expression(text) is None or not isinstance(result, ExpressionError):  # accepted by either step:
        assert _whitelisted(ast.parse(text, mode="eval").body), text            # every node is whitelisted


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("xyeip0123456789.+-*/()_ ,[]'\"lambdaosinqrt^%<=:!@{}~\\\n")) |
                    st.characters(), max_size=80))
def test_fuzz_random_text_is_read_or_refused_cleanly(text):
    result = _read_fully(text)
    if not isinstance(result, ExpressionError):
        assert {sym.name for sym in result.free_symbols} <= {"x", "y"}
        assert _whitelisted(ast.parse(text.strip(), mode="eval").body), text


_POLY_LEAVES = st.one_of(st.integers(0, 9).map(ast.Constant), st.sampled_from(["x", "y"]).map(
    lambda n: ast.Name(n, ast.Load())))
_POLYNOMIALS = st.recursive(_POLY_LEAVES, lambda c: st.tuples(c, st.sampled_from([ast.Add, ast.Sub, ast.Mult]), c).map(
    lambda t: ast.BinOp(t[0], t[1](), t[2])), max_leaves=12)


@FUZZ
@given(tree=_POLYNOMIALS, x=st.integers(-5, 5), y=st.integers(-5, 5))
def test_fuzz_whitelisted_polynomials_are_read_exactly(tree, x, y):
    text = ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    expr = parse_expression(text)
    formula = read_formula(text)
    assert formula.text == text
    value = expr.subs({sym: {"x": x, "y": y}[sym.name] for sym in expr.free_symbols})
    # the reference: Python's own arithmetic on integers (our generated text, in a namespace with only x and y)
    assert int(value) == eval(compile(ast.Expression(tree), "<poly>", "eval"), {"__builtins__": {}}, {"x": x, "y": y})


@settings(max_examples=60, deadline=None, database=None)
@given(tree=st.recursive(_ALLOWED_LEAVES, _arithmetic, max_leaves=8))
def test_fuzz_accepted_formulas_compile_and_evaluate_without_raising(tree):
    text = ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    if check_expression(text) is not None:
        return
    obj = make_objective("custom", expr=text)
    pts = np.array([[0.5, -1.5], [2.0, 0.25], [-3.0, 3.0]])
    try:
        value, grad, hess = obj.value(pts), obj.grad(pts), obj.hessian(pts)
    except LabError as exc:  # refused by the exact step (1/(x - x)): a clean message
        assert "objective 'custom' parameter expr" in str(exc)
        return
    assert value.shape == (3,) and grad.shape == (3, 2) and hess.shape == (3, 2, 2)
    assert value.dtype == grad.dtype == hess.dtype == np.float64


def test_a_formula_is_compiled_once_however_many_objectives_use_it():
    """The window compiles a typed formula off the GUI thread, then the race builds its own objective: the
    second gets the same compiled functions at no cost; a refused formula is refused every time."""
    text = "x**2*sin(y) + 3*x*y + 0.25*y**4"
    a = make_objective("custom", expr=text)
    b = make_objective("custom", expr=text)
    assert a.compile()[1] is b.compile()[1] and a.compile()[2] is b.compile()[2]
    assert make_objective("custom", expr=text + " + 1").compile()[1] is not a.compile()[1]
    x, y = np.array([0.3, -1.2]), np.array([2.0, 0.7])
    assert np.allclose(b.value(np.c_[x, y]), x**2 * np.sin(y) + 3 * x * y + 0.25 * y**4)
    for _ in range(2):
        with pytest.raises(LabError, match="objective 'custom' parameter expr: column 1"):
            make_objective("custom", expr="1/(x - x)").compile()
