"""Typed-in formulas in x and y, read by a whitelist over Python's syntax tree; refusals say what and where.

Nothing typed is ever run: ``ast.parse`` only reads the text into a tree, and no eval, exec, sympify, parse_expr
or lambdify ever sees the text. Two steps:

1. ``read_formula(text)`` (no sympy): checks every node against the whitelist and works out every constant part
   itself, on floats, with the math module: numbers (finite, |n| ≤ 1e100), the variables x and y, the
   constants pi and e, + − * / **, unary − and +, parentheses, and calls of the functions in FUNCTIONS by
   plain name. Limits: 500 characters, 50 levels of nesting, constant exponents |p| ≤ 100, and every constant
   part a finite real number of size ≤ 1e100 (so 1/0, log(0), sqrt(-1), asin(2) and 9**9**9 are refused).
   Then the work sympy would do is bounded: the gradient and Hessian are written out as plain trees (no
   algebra) and counted; past lab.limits.MAX_DERIVATIVE_SIZE nodes the formula is refused, so a short formula
   such as x**x**x**...**y cannot keep sympy busy for a minute. Fast enough for live validation as the user
   types (tens of microseconds for an ordinary formula).
2. ``to_sympy(formula)``: translates the checked tree node by node into sympy (imported here, not before);
   it refuses what only exact arithmetic reveals (1/(x - x) is 1/0 to sympy).
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Any, Callable, NamedTuple

from lab.errors import LabError
from lab.limits import MAX_DERIVATIVE_SIZE, MAX_FORMULA, MAX_FORMULA_DEPTH

MAX_LENGTH = MAX_FORMULA
MAX_DEPTH = MAX_FORMULA_DEPTH
MAX_EXPONENT = 100
MAX_NUMBER = 1e100

VARIABLES = ("x", "y")
CONSTANTS: dict[str, tuple[str, float]] = {"pi": ("pi", math.pi), "e": ("E", math.e)}
FUNCTIONS: dict[str, tuple[str, Callable[..., float]]] = {
    # name typed: (sympy function, the math function that works out a constant part); arguments: ARITY
    "sin": ("sin", math.sin), "cos": ("cos", math.cos), "tan": ("tan", math.tan),
    "arcsin": ("asin", math.asin), "arccos": ("acos", math.acos), "arctan": ("atan", math.atan),
    "arctan2": ("atan2", math.atan2),
    "asin": ("asin", math.asin), "acos": ("acos", math.acos), "atan": ("atan", math.atan),
    "atan2": ("atan2", math.atan2),
    "sinh": ("sinh", math.sinh), "cosh": ("cosh", math.cosh), "tanh": ("tanh", math.tanh),
    "arcsinh": ("asinh", math.asinh), "arccosh": ("acosh", math.acosh), "arctanh": ("atanh", math.atanh),
    "asinh": ("asinh", math.asinh), "acosh": ("acosh", math.acosh), "atanh": ("atanh", math.atanh),
    "exp": ("exp", math.exp), "log": ("log", math.log), "sqrt": ("sqrt", math.sqrt), "abs": ("Abs", abs),
}
ARITY = {name: 2 if name in ("atan2", "arctan2") else 1 for name in FUNCTIONS}
ALLOWED = "use numbers, x, y, pi, e, + - * / **, parentheses and functions such as sin(x)"

_OPERATORS = {ast.FloorDiv: "'//'", ast.Mod: "'%'", ast.MatMult: "'@'", ast.BitXor: "'^' (for powers use **)",
              ast.BitOr: "'|'", ast.BitAnd: "'&'", ast.LShift: "'<<'", ast.RShift: "'>>'",
              ast.Not: "'not'", ast.Invert: "'~'"}
_NODES = {ast.Attribute: "attribute access", ast.Subscript: "indexing with [ ]", ast.Lambda: "a lambda",
          ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
          ast.GeneratorExp: "a comprehension", ast.Compare: "a comparison", ast.BoolOp: "'and' / 'or'",
          ast.IfExp: "'if ... else'", ast.NamedExpr: "':=' assignment", ast.Tuple: "a tuple (a comma)",
          ast.List: "a list", ast.Set: "a set", ast.Dict: "a dict", ast.JoinedStr: "an f-string",
          ast.Starred: "'*' unpacking", ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
          ast.Slice: "a slice"}


class ExpressionError(LabError):
    """A refused formula: ``reason`` in words and the 1-based ``column`` where the problem starts (None: the
    whole text). The message is "column N: reason"."""

    def __init__(self, reason: str, column: int | None = None):
        self.reason, self.column = reason, column
        super().__init__(reason if column is None else f"column {column}: {reason}")


class Formula(NamedTuple):
    """A checked formula: its text, the syntax tree of its stripped text, and how many blanks were stripped in
    front (so columns count in the original text)."""

    text: str
    tree: ast.expr
    lead: int


def read_formula(text: str) -> Formula:
    """``text`` read and checked against the whitelist (without sympy), or ExpressionError saying what and where."""
    if not isinstance(text, str):
        raise ExpressionError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is too long: {len(text)} characters, at most {MAX_LENGTH} (MAX_FORMULA)")
    body = text.strip()
    if not body:
        raise ExpressionError("the formula is empty: type an expression in x and y, e.g. x**2 + 10*y**2")
    if "\n" in body or "\r" in body:
        raise ExpressionError("the formula must be one line")
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(body, mode="eval").body
    except SyntaxError as exc:
        column = None if exc.offset is None else lead + max(exc.offset, 1)
        raise ExpressionError(f"not a formula: {exc.msg}", column) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("not a formula: the text cannot be read") from None
    formula = Formula(text, tree, lead)
    _Checker(formula).value(tree, 1)
    size = derivative_size(tree)
    if size > MAX_DERIVATIVE_SIZE:
        raise ExpressionError(f"the formula's derivatives are too large to work out: its gradient and Hessian "
                              f"written out have more than {MAX_DERIVATIVE_SIZE} terms (the limit "
                              f"MAX_DERIVATIVE_SIZE); nest powers and functions less deeply")
    return formula


def check_expression(text: str) -> ExpressionError | None:
    """None when ``text`` passes the whitelist, else the ExpressionError saying what and where (live validation;
    no sympy). A formula that passes can still be refused by ``to_sympy`` in rare cases such as 1/(x - x)."""
    try:
        read_formula(text)
    except ExpressionError as exc:
        return exc
    return None


def parse_expression(text: str) -> Any:
    """The sympy expression of ``text`` in the real symbols x and y, or ExpressionError."""
    return to_sympy(read_formula(text))


class _Columns:
    """Columns in the original text: ast counts UTF-8 bytes of the stripped text, people count characters."""

    def __init__(self, formula: Formula):
        self.encoded, self.lead = formula.text.strip().encode("utf-8"), formula.lead

    def at(self, offset: int) -> int:
        return self.lead + len(self.encoded[:offset].decode("utf-8", errors="ignore")) + 1

    def of(self, node: ast.AST) -> int:
        return self.at(getattr(node, "col_offset", 0))

    def operator(self, node: ast.BinOp) -> int:
        """The column of a binary operator: the first character between its operands that is not blank or ')'."""
        gap = self.encoded[node.left.end_col_offset:node.right.col_offset]
        return self.at(node.left.end_col_offset + len(gap) - len(gap.lstrip(b" ()")))


class _Checker:
    """The whitelist walk: ``value(node)`` is the node's value if it is constant (a float), else None."""

    def __init__(self, formula: Formula):
        self.columns = _Columns(formula)

    def refuse(self, node: ast.AST, reason: str) -> ExpressionError:
        return ExpressionError(reason, self.columns.of(node))

    def value(self, node: ast.AST, depth: int) -> float | None:
        if depth > MAX_DEPTH:
            raise self.refuse(node, f"the formula is nested too deeply (more than {MAX_DEPTH} levels, "
                                    f"MAX_FORMULA_DEPTH)")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise self.refuse(node, f"{_OPERATORS.get(type(node.op), 'this operator')} is not allowed: the "
                                        f"operators are + - * / **")
            v = self.value(node.operand, depth + 1)
            return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _NODES.get(type(node), f"'{type(node).__name__}'")
        raise self.refuse(node, f"{what} is not allowed: {ALLOWED}")

    def number(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = {str: "text (a string)", bytes: "bytes", bool: "True/False", complex: "a complex number",
                    type(None): "None", type(...): "'...'"}.get(type(value), "this constant")
            raise self.refuse(node, f"{what} is not allowed: {ALLOWED}")
        if not abs(value) <= MAX_NUMBER:
            raise self.refuse(node, f"the number is too large: at most {MAX_NUMBER:g} in size")
        return float(value)

    def name(self, node: ast.Name) -> float | None:
        if node.id in VARIABLES:
            return None
        if node.id in CONSTANTS:
            return CONSTANTS[node.id][1]
        if node.id in FUNCTIONS:
            raise self.refuse(node, f"{node.id} is a function: write {node.id}(...)")
        raise self.refuse(node, f"unknown name {node.id!r}: the variables are x and y, the constants pi and e")

    def binary(self, node: ast.BinOp, depth: int) -> float | None:
        op = type(node.op)
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
            raise ExpressionError(f"{_OPERATORS.get(op, 'this operator')} is not allowed: the operators are "
                                  f"+ - * / **", self.columns.operator(node))
        a = self.value(node.left, depth + 1)
        b = self.value(node.right, depth + 1)
        if op is ast.Pow and b is not None and abs(b) > MAX_EXPONENT:
            raise self.refuse(node.right, f"the exponent is too large: at most {MAX_EXPONENT} in size")
        if op is ast.Div and b == 0:
            raise ExpressionError("division by zero", self.columns.operator(node))
        if a is None or b is None:
            return None
        return self.constant(node, {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                                    ast.Div: operator.truediv, ast.Pow: operator.pow}[op], a, b)

    def call(self, node: ast.Call, depth: int) -> float | None:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.refuse(node, f"only the listed functions can be called, by plain name: {', '.join(FUNCTIONS)}")
        if func.id not in FUNCTIONS:
            raise self.refuse(node, f"unknown function {func.id!r}; the functions are {', '.join(FUNCTIONS)}")
        if node.keywords:
            raise self.refuse(node.keywords[0].value, f"keyword arguments are not allowed in {func.id}()")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg, f"'*' unpacking is not allowed in {func.id}()")
        arity = ARITY[func.id]
        if len(node.args) != arity:
            raise self.refuse(node, f"{func.id}() takes {arity} argument{'s' if arity > 1 else ''}, "
                                    f"got {len(node.args)}")
        args = [self.value(arg, depth + 1) for arg in node.args]
        if any(a is None for a in args):
            return None
        return self.constant(node, FUNCTIONS[func.id][1], *args)

    def constant(self, node: ast.AST, fn: Callable[..., Any], *args: float) -> float:
        """fn(*args) for a constant part: a finite real number of size ≤ MAX_NUMBER, or refused."""
        try:
            v = fn(*args)
        except (ValueError, ZeroDivisionError):
            raise self.refuse(node, "this part is not a real number (log or sqrt of a number ≤ 0, a division by "
                                    "zero, asin(2), ...)") from None
        except OverflowError:
            v = math.inf
        if isinstance(v, complex):
            raise self.refuse(node, "this part is not a real number (a negative number to a fractional power)")
        if not abs(v) <= MAX_NUMBER:
            raise self.refuse(node, f"this part is too large: at most {MAX_NUMBER:g} in size")
        return float(v)


def to_sympy(formula: Formula) -> Any:
    """The sympy expression of a checked formula, built node by node; ExpressionError if sympy finds it infinite
    or not real (1/(x - x), log(x - x))."""
    import sympy

    names = {name: sympy.Symbol(name, real=True) for name in VARIABLES}
    names.update({name: getattr(sympy, attr) for name, (attr, _) in CONSTANTS.items()})
    columns = _Columns(formula)

    def build(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            out = sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Float(node.value)
        elif isinstance(node, ast.Name):
            out = names[node.id]
        elif isinstance(node, ast.UnaryOp):
            out = -build(node.operand) if isinstance(node.op, ast.USub) else build(node.operand)
        elif isinstance(node, ast.BinOp):
            a, b = build(node.left), build(node.right)
            out = _arithmetic(type(node.op), a, b)
        elif isinstance(node, ast.Call):
            out = getattr(sympy, FUNCTIONS[node.func.id][0])(*[build(arg) for arg in node.args])
        else:  # read_formula let nothing else through
            raise ExpressionError(f"{type(node).__name__} is not allowed", columns.of(node))
        if out.has(sympy.zoo, sympy.oo, sympy.nan, sympy.I):
            raise ExpressionError("this part is not a finite real number (a division by zero, log(0), ...)",
                                  columns.of(node))
        return out

    return build(formula.tree)


def _arithmetic(op: type, a: Any, b: Any) -> Any:
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        return a / b
    return a ** b


# --- the size of the derivatives, before any algebra -----------------------------------------------------------
#
# A node is (size, free, kind, children): size counts the nodes of the tree written out (shared parts counted
# each time, as sympy's trees are), free is a bit mask of the variables it depends on (1: x, 2: y). The rules are
# the textbook ones sympy.diff applies; the function derivatives f'(a) are stood in for by a node twice the size
# of their arguments (1/sqrt(1 - a**2) holds a once, atan2's (b, -a)/(a**2 + b**2) twice).


class _TooBig(Exception):
    pass


_ONE = (1, 0, "1", ())


def _node(kind: str, *children: tuple, extra: int = 1, budget: int) -> tuple:
    size = extra + sum(c[0] for c in children)
    if size > budget:
        raise _TooBig
    free = 0
    for c in children:
        free |= c[1]
    return (size, free, kind, children)


def _tree(node: ast.AST, budget: int) -> tuple:
    if isinstance(node, ast.Name) and node.id in VARIABLES:
        return (1, 1 << VARIABLES.index(node.id), node.id, ())
    if isinstance(node, (ast.Constant, ast.Name)):
        return _ONE
    if isinstance(node, ast.UnaryOp):
        return _node("neg", _tree(node.operand, budget), budget=budget)
    if isinstance(node, ast.BinOp):
        kind = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[type(node.op)]
        return _node(kind, _tree(node.left, budget), _tree(node.right, budget), budget=budget)
    if isinstance(node, ast.Call):
        return _node("f", *[_tree(a, budget) for a in node.args], budget=budget)
    raise _TooBig  # read_formula lets nothing else through


def _diff(t: tuple, var: int, budget: int) -> tuple | None:
    """The derivative of tree ``t`` by the variable with bit ``var``, written out; None when it is 0."""
    if not t[1] & var:
        return None
    kind, ch = t[2], t[3]
    if not ch:
        return _ONE

    def node(k: str, *c: tuple) -> tuple:
        return _node(k, *c, budget=budget)

    def mul(a: tuple, b: tuple) -> tuple:
        return b if a is _ONE else a if b is _ONE else node("*", a, b)

    def add(a: tuple | None, b: tuple | None) -> tuple | None:
        return b if a is None else a if b is None else node("+", a, b)

    if kind == "neg":
        d = _diff(ch[0], var, budget)
        return None if d is None else node("neg", d)
    if kind in "+-":
        return add(_diff(ch[0], var, budget), _diff(ch[1], var, budget))
    if kind == "*":
        a, b = ch
        da, db = _diff(a, var, budget), _diff(b, var, budget)
        return add(None if da is None else mul(da, b), None if db is None else mul(a, db))
    if kind == "/":
        a, b = ch
        da, db = _diff(a, var, budget), _diff(b, var, budget)
        return add(None if da is None else node("/", da, b),
                   None if db is None else node("neg", node("/", mul(a, db), node("*", b, b))))
    if kind == "**":
        a, b = ch
        da, db = _diff(a, var, budget), _diff(b, var, budget)
        if db is None:  # b * a**(b - 1) * a'
            return mul(node("*", b, node("**", a, node("-", b, _ONE))), da)
        log_a = node("f", a)
        inner = add(mul(db, log_a), None if da is None else node("/", mul(b, da), a))
        return node("*", t, inner)
    # a function f(a, ...): f'(a, ...) * a' + ...
    out = None
    for arg in ch:
        d = _diff(arg, var, budget)
        if d is not None:
            out = add(out, mul(_node("f'", *ch, *ch, budget=budget), d))
    return out


def derivative_size(tree: ast.expr, budget: int = MAX_DERIVATIVE_SIZE) -> int:
    """How many nodes f, its gradient and its Hessian have together, written out without simplifying; past
    ``budget`` the count stops and budget + 1 is returned (the work is bounded by the budget)."""
    try:
        f = _tree(tree, budget)
        total = f[0]
        for i, v in enumerate((1, 2)):
            d = _diff(f, v, budget)
            if d is None:
                continue
            total += d[0]
            for w in (1, 2)[i:]:
                dd = _diff(d, w, budget)
                total += 0 if dd is None else dd[0]
            if total > budget:
                raise _TooBig
        return total
    except (_TooBig, RecursionError):
        return budget + 1
