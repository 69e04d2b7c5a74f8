"""One update rule, several speeds: an optimizer that acts on each coordinate alone is written once, as a rule.

A rule is a plain function of one coordinate::

    rule(g, x, t, *state, *hyperparameters) -> (step, *state)

``g`` the gradient's coordinate, ``x`` the point's, ``t`` the step number (1, 2, ...), ``state`` the
optimizer's per-coordinate state in the order of its NamedTuple's fields (a leading ``count`` field is the
step counter, not a coordinate), the hyperparameters by their names. It uses + − × ÷, ``**`` only as
``beta ** t`` on plain numbers, comparisons on hyperparameters, and the names ``sqrt``, ``maximum``,
``minimum`` and ``select`` (np.where). Those names are bound per speed, by running the same code object with other globals (``rebind``):

- ``ARRAY``: ``np.sqrt``/``np.maximum``: the rule applied to whole arrays (..., d) at once; a hyperparameter
  may be an array too (one value per point of a batch). This is the optimizer's ``update``.
- ``FLOAT``: ``math.sqrt`` and a NaN-keeping max: the rule on Python floats, coordinate by coordinate
  (``FloatSteps``; ``on_floats`` compiles the rule's own source with ``select`` as a conditional expression),
  for the race's one-racer speed (a NumPy call on a 2-vector costs ~0.3 µs, a float
  operation ~0.02 µs).
- compiled: the FLOAT binding, handed to numba (lab/engine/compiled.py), in a loop over points.

+ − × ÷ and √ are correctly rounded on floats and on arrays alike, and the expressions are the same code,
so all speeds give the same bits (tests/test_elementwise.py). NumPy's ``x ** 2`` is ``x * x`` while
CPython's calls pow(): rules write ``g * g``.
"""
from __future__ import annotations

import ast
import copy
import functools
import inspect
import math
import textwrap
import types
from typing import Any, Callable, NamedTuple

import numpy as np

from lab.optimizers import pieces
from lab.optimizers.optimizer import Optimizer


def float_max(a, b):
    """np.maximum on floats: NaN if either is NaN."""
    if a >= b:
        return a
    if b > a:
        return b
    return a + b  # one of them is NaN


def float_min(a, b):
    """np.minimum on floats: NaN if either is NaN."""
    if a <= b:
        return a
    if b < a:
        return b
    return a + b  # one of them is NaN


def float_select(condition, a, b):
    """np.where on floats."""
    return a if condition else b


ARRAY = {"sqrt": np.sqrt, "maximum": np.maximum, "minimum": np.minimum, "select": np.where}
FLOAT = {"sqrt": math.sqrt, "maximum": float_max, "minimum": float_min, "select": float_select}

# The names a rule's module sees when it is read (the array binding, as ``update`` runs it).
sqrt = np.sqrt
maximum = np.maximum
minimum = np.minimum
select = np.where


def rebind(rule: Callable, ops: dict) -> Callable:
    """The same code as ``rule`` with ``sqrt`` and ``maximum`` taken from ``ops``."""
    return types.FunctionType(rule.__code__, {**rule.__globals__, **ops}, rule.__name__, rule.__defaults__,
                              rule.__closure__)


class _SelectToIf(ast.NodeTransformer):
    """``select(c, a, b)`` → ``a if c else b``: on floats a conditional expression, not a call (and only the branch
    taken is evaluated)."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "select" and len(node.args) == 3 and not node.keywords:
            return ast.copy_location(ast.IfExp(test=node.args[0], body=node.args[1], orelse=node.args[2]), node)
        return node


@functools.lru_cache(maxsize=None)
def on_floats(rule: Callable) -> Callable:
    """``rule`` for Python floats: its own source with FLOAT's names and every ``select`` call written as a
    conditional expression (~0.1 µs a select less); ``rebind(rule, FLOAT)`` where the source cannot be read."""
    try:
        if rule.__closure__:
            raise TypeError("a closure")
        tree = ast.parse(textwrap.dedent(inspect.getsource(rule)))
        fn = tree.body[0]
        if not isinstance(fn, ast.FunctionDef) or fn.name != rule.__name__:
            raise TypeError("not a plain function")
        fn.decorator_list = []
        code = compile(ast.fix_missing_locations(_SelectToIf().visit(tree)), inspect.getsourcefile(rule) or "<rule>",
                       "exec")
        namespace: dict = {}
        exec(code, {**rule.__globals__, **FLOAT}, namespace)  # the project's own rule source, not user input
        out = namespace[rule.__name__]
        out.__defaults__ = rule.__defaults__
        return out
    except (OSError, TypeError, SyntaxError, KeyError):
        return rebind(rule, FLOAT)


@functools.lru_cache(maxsize=None)
def on_floats_2d(rule: Callable, n_state: int) -> Callable | None:
    """``rule`` for both coordinates of a 2-D point in one call, generated from its own source (its body written
    out twice with its per-coordinate names suffixed _0 and _1, ``select`` as a conditional expression):
    ``step2d(g_0, g_1, x_0, x_1, t, *state_0, *state_1, *hyperparameters) -> (step_0, step_1, *state_0,
    *state_1)``. The same operations in the same order as two calls of the rule, one call instead of two
    (~0.6 µs a racer-step less). None for a rule whose source is not straight enough (a return before its
    end, a nested function, a hyperparameter assigned to): ``FloatSteps`` then calls the rule twice."""
    try:
        if rule.__closure__:
            return None
        tree = ast.parse(textwrap.dedent(inspect.getsource(rule)))
    except (OSError, TypeError, SyntaxError):
        return None
    fn = tree.body[0]
    if not isinstance(fn, ast.FunctionDef) or fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
        return None
    args = [a.arg for a in fn.args.args]
    per_coordinate = set(args[:2]) | set(args[3:3 + n_state])
    shared = set(args[3 + n_state:]) | {args[2]}
    body = [st for st in fn.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]  # docstring
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    if (len(returns) != 1 or body[-1] is not returns[0] or not isinstance(returns[0].value, ast.Tuple)
            or len(returns[0].value.elts) != 1 + n_state
            or any(isinstance(n, (ast.FunctionDef, ast.Lambda, ast.Global, ast.Nonlocal, ast.ClassDef))
                   for n in ast.walk(fn) if n is not fn)):
        return None
    stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if stored & shared:
        return None
    local = per_coordinate | stored

    class Suffix(ast.NodeTransformer):
        def __init__(self, c):
            self.c = c

        def visit_Name(self, node):
            return ast.copy_location(ast.Name(f"{node.id}_{self.c}", node.ctx), node) if node.id in local else node

    def is_shared(node) -> bool:
        return not any(isinstance(n, ast.Name) and n.id in local for n in ast.walk(node))

    count = [0]

    class Hoist(ast.NodeTransformer):
        """Each largest subexpression of shared names only (t, hyperparameters: the same for both coordinates)
        becomes a name worked out once, before the statement; inside a conditional expression only whole.
        ``hoisted``: the names already worked out in this block (or the blocks around it)."""

        def __init__(self, out, hoisted):
            self.out, self.hoisted = out, hoisted

        def generic_visit(self, node):
            if isinstance(node, ast.expr) and not isinstance(node, (ast.Name, ast.Constant)) and is_shared(node):
                key = ast.dump(node)
                if key not in self.hoisted:
                    self.hoisted[key] = f"_shared{count[0]}"
                    count[0] += 1
                    self.out.append(ast.Assign([ast.Name(self.hoisted[key], ast.Store())], node))
                return ast.copy_location(ast.Name(self.hoisted[key], ast.Load()), node)
            if isinstance(node, ast.IfExp):
                return node  # its branches stay lazy
            return super().generic_visit(node)

    def both(statements, last: bool, hoisted: dict) -> list:
        """The statements for coordinates 0 and 1, side by side; an ``if`` on shared names stays one ``if``."""
        out = []
        for k, st in enumerate(statements):
            if last and k == len(statements) - 1:
                break
            if isinstance(st, ast.If) and is_shared(st.test):
                out.append(ast.If(st.test, both(st.body, False, dict(hoisted)) or [ast.Pass()],
                                  both(st.orelse, False, dict(hoisted))))
                continue
            pre: list = []
            st = Hoist(pre, hoisted).visit(copy.deepcopy(st))
            out += pre + [Suffix(0).visit(copy.deepcopy(st)), Suffix(1).visit(copy.deepcopy(st))]
        return out

    top: dict = {}
    new_body = both(body, True, top)
    returned = Hoist(new_body, top).visit(copy.deepcopy(body[-1].value))
    results = [[], []]
    for c in (0, 1):
        ret = Suffix(c).visit(copy.deepcopy(returned))
        for k, elt in enumerate(ret.elts):
            name = f"_out{k}_{c}"
            new_body.append(ast.Assign([ast.Name(name, ast.Store())], elt))
            results[c].append(name)
    order = [results[0][0], results[1][0], *results[0][1:], *results[1][1:]]
    new_body.append(ast.Return(ast.Tuple([ast.Name(n, ast.Load()) for n in order], ast.Load())))
    params = ([f"{args[0]}_0", f"{args[0]}_1", f"{args[1]}_0", f"{args[1]}_1", args[2]]
              + [f"{a}_0" for a in args[3:3 + n_state]] + [f"{a}_1" for a in args[3:3 + n_state]]
              + args[3 + n_state:])
    new = ast.FunctionDef(f"{fn.name}_2d", ast.arguments(posonlyargs=[], args=[ast.arg(a) for a in params],
                                                         vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                                         defaults=[]), new_body, [], None)
    module = ast.fix_missing_locations(_SelectToIf().visit(ast.Module([new], [])))
    namespace: dict = {}
    try:
        exec(compile(module, inspect.getsourcefile(rule) or "<rule>", "exec"),  # the project's own rule source
             {**rule.__globals__, **FLOAT}, namespace)
    except SyntaxError:
        return None
    out = namespace[new.name]
    out.__defaults__ = rule.__defaults__
    return out


def tail_names(rule: Callable, n_state: int) -> tuple[str, ...]:
    """The rule's hyperparameter names: its arguments after g, x, t and the state."""
    return tuple(inspect.signature(rule).parameters)[3 + n_state:]


def tail_values(rule: Callable, n_state: int, hyperparameters: dict) -> tuple:
    """The rule's hyperparameters in its argument order (a missing one takes the rule's default)."""
    params = inspect.signature(rule).parameters
    return tuple(hyperparameters[n] if n in hyperparameters else params[n].default
                 for n in tail_names(rule, n_state))


def per_coordinate(name: str, hyperparameters: dict, rule: Callable, state_type: type,
                   details: Callable | None = None, note: Callable | None = None) -> Optimizer:
    """An Optimizer whose ``update`` is ``rule`` over arrays, with ``state_type`` (a NamedTuple) as its state.

    ``state_type``'s fields are per-coordinate arrays, except a first field ``count`` (the steps taken).
    The returned ``update`` carries ``rule``, ``state_type`` and the hyperparameters in the rule's order
    (``update.rule``, ``update.state_type``, ``update.tail``): the engines' faster paths read them there, so an
    optimizer whose update was replaced has none.
    """
    fields = state_type._fields
    counted = bool(fields) and fields[0] == "count"
    n_state = len(fields) - counted
    tail = tail_values(rule, n_state, hyperparameters)
    array_rule = rebind(rule, ARRAY)

    def init(x):
        zeros = np.zeros_like(x, dtype=float)
        return state_type(0, *([zeros] * n_state)) if counted else state_type(*([zeros] * n_state))

    def step(grad, state, x, tail):
        if counted:
            t = state.count + 1
            out = array_rule(grad, x, t, *state[1:], *tail)
            return out[0], state_type(t, *out[1:])
        out = array_rule(grad, x, 0, *state, *tail)
        return out[0], state_type(*out[1:])

    def update(grad, state, x, oracle=None):
        return step(grad, state, x, tail)

    update.rule, update.state_type, update.tail, update.step = rule, state_type, tail, step

    def no_details(grad, state, x):
        return {}

    return Optimizer(name, dict(hyperparameters), init, update, details or no_details, note)


class Scheduled(NamedTuple):
    """The state of a first-order optimizer with a learning-rate schedule: count t (steps taken), its own state."""

    count: int
    inner: Any


class Pieces(NamedTuple):
    """A rule's pieces, as its update carries them (``update.pieces``): where lr sits in the rule's hyperparameters,
    the schedule's arguments after (t, lr) or None, clip_norm and clip_value (None when off)."""

    lr_index: int
    schedule: tuple | None
    clip_norm: float | None
    clip_value: float | None


_scheduled_lr = pieces.scheduled_lr  # t and the schedule's arguments are plain numbers on every speed


def _lr_at(lr_of, lr, step_size, gamma, t_max, lr_min, warmup, t):
    """A schedule's lr at t, its arguments bound first (functools.partial)."""
    return lr_of(t, lr, step_size, gamma, t_max, lr_min, warmup)
_clip_value = {"array": rebind(pieces.clip_value, ARRAY), "float": on_floats(pieces.clip_value)}
_clip_factor = {"array": rebind(pieces.clip_factor, ARRAY), "float": on_floats(pieces.clip_factor)}


def _norm(grad: np.ndarray) -> np.ndarray:
    """‖g‖₂ over the last axis, kept as an axis; for d = 2 √(g₀² + g₁²), the float path's bits (and faster)."""
    if grad.shape[-1] == 2:
        g0, g1 = grad[..., 0:1], grad[..., 1:2]
        return np.sqrt(g0 * g0 + g1 * g1)
    return np.sqrt((grad * grad).sum(axis=-1, keepdims=True))


def with_pieces(optimizer: Optimizer, values: dict) -> Optimizer:
    """``optimizer`` (a rule) with the schedule and clipping of ``values`` (lab/optimizers/pieces.py); itself when
    they are all off. Its hyperparameters then also hold the pieces that are on."""
    on = pieces.active(values)
    if not on:
        return optimizer
    base = optimizer.update
    n_state = len(base.state_type._fields) - (base.state_type._fields[:1] == ("count",))
    names = tail_names(base.rule, n_state)
    schedule = None
    if "schedule" in on:
        schedule = (pieces.SCHEDULES.index(values["schedule"]), values["step_size"], values["gamma"],
                    values["t_max"], values["lr_min"], values["warmup"])
    spec = Pieces(names.index("lr"), schedule, values.get("clip_norm"), values.get("clip_value"))
    i, step, tail = spec.lr_index, base.step, base.tail
    clip_value, clip_factor = _clip_value["array"], _clip_factor["array"]

    def clipped(grad):
        if spec.clip_value is not None:
            grad = clip_value(grad, spec.clip_value)
        if spec.clip_norm is not None:
            grad = grad * clip_factor(_norm(grad), spec.clip_norm)
        return grad

    if schedule is None:
        def init(x):
            return optimizer.init(x)

        def update(grad, state, x, oracle=None):
            return step(clipped(grad), state, x, tail)

        def details(grad, state, x):
            return optimizer.details(grad, state, x)
    else:
        def init(x):
            return Scheduled(0, optimizer.init(x))

        def update(grad, state, x, oracle=None):
            lr = _scheduled_lr(state.count, tail[i], *schedule)
            out, inner = step(clipped(grad), state.inner, x, tail[:i] + (lr,) + tail[i + 1:])
            return out, Scheduled(state.count + 1, inner)

        def details(grad, state, x):
            return {**optimizer.details(grad, state.inner, x), "lr": _scheduled_lr(state.count, tail[i], *schedule)}

    update.rule, update.state_type, update.tail, update.step = base.rule, base.state_type, tail, step
    update.pieces = spec
    hyper = {**optimizer.hyperparameters, **on}
    return optimizer._replace(hyperparameters=hyper, init=init, update=update, details=details)


class FloatSteps:
    """One racer's ``update`` on Python floats, run from the rule its ``update`` carries.

    - a per-coordinate rule (``update.rule``): called coordinate by coordinate;
    - a 2-D point rule on the gradient and the Hessian's entries (``update.rule2``, Newton): the Hessian comes
      from the objective's own ``h(x, y)`` on floats (a float_safe objective).
    ``step2(gx, gy, x, y) -> (x', y')`` for d = 2 (the race's case), ``step(g, x) -> x'`` for any d (per-coordinate
    rules); ``state()`` gives the optimizer's state NamedTuple (new arrays), equal to what ``update`` would hold;
    ``note()`` what ``optimizer.note`` would say of it.
    """

    __slots__ = ("rule", "rule2", "rule2d", "tail", "state_type", "counted", "t", "coords", "h", "code", "optimizer",
                 "_note", "pieces", "steps", "_lr_of", "_schedule", "n_state", "flat")

    def __init__(self, optimizer: Optimizer, state, objective=None):
        update = optimizer.update
        self.optimizer = optimizer
        self.pieces = getattr(update, "pieces", None)
        self.steps = 0
        if self.pieces is not None and self.pieces.schedule is not None:
            # lr_of(t) = the schedule's function with its arguments bound; the rule's hyperparameters around lr kept
            i, lr_of = self.pieces.lr_index, pieces.LR_OF[self.pieces.schedule[0]]
            self._lr_of = functools.partial(_lr_at, lr_of, update.tail[i], *self.pieces.schedule[1:])
            self._schedule = (update.tail[:i], update.tail[i + 1:])
        if self.pieces is not None and self.pieces.schedule is not None:
            self.steps, state = state.count, state.inner
        self.tail, self.state_type = update.tail, update.state_type
        self.rule = on_floats(update.rule) if getattr(update, "rule", None) is not None else None
        self.rule2 = on_floats(update.rule2) if getattr(update, "rule2", None) is not None else None
        self.h = objective.h if self.rule2 is not None else None
        self.counted = bool(state._fields) and state._fields[0] == "count"
        self.t = state.count if self.counted else 0
        self.coords = self.code = self._note = self.rule2d = self.flat = None
        if self.rule2 is not None:
            self.code = int(state[1])
            return
        self.n_state = len(state) - self.counted
        if self.n_state:
            self.rule2d = on_floats_2d(update.rule, self.n_state)
        arrays = [np.asarray(a, dtype=float) for a in (state[1:] if self.counted else state)]
        d = len(np.atleast_1d(arrays[0])) if arrays else None
        self.coords = [tuple(float(a[i]) for a in arrays) for i in range(d)] if d else None
        if self.rule2d is not None and d == 2:
            self.flat, self.coords = self.coords[0] + self.coords[1], None  # (*state_0, *state_1)

    def _coordinates(self):
        """The per-coordinate state tuples, [state_0, state_1, ...]."""
        if self.flat is not None:
            n = self.n_state
            return [self.flat[:n], self.flat[n:]]
        return self.coords

    @staticmethod
    def available(optimizer: Optimizer, objective=None) -> bool:
        """Whether ``optimizer``'s update is a rule this class can run (a point rule also needs ``objective``)."""
        update = optimizer.update
        return getattr(update, "rule", None) is not None or (
            getattr(update, "rule2", None) is not None and objective is not None and objective.dim == 2)

    def step2(self, gx, gy, x, y):
        if self.flat is not None:  # the usual case: both coordinates in one call of the generated 2-D form
            t = self.t + 1
            if self.pieces is None:
                out = self.rule2d(gx, gy, x, y, t, *self.flat, *self.tail)
            else:
                gx, gy, tail = self._pieces2(gx, gy)
                out = self.rule2d(gx, gy, x, y, t, *self.flat, *tail)
            self.t, self.flat = t, out[2:]
            return x + out[0], y + out[1]
        if self.rule2 is not None:
            hxx, hxy, hyy = self.h(x, y)
            sx, sy, code = self.rule2(gx, gy, float(hxx), float(hxy), float(hyy), *self.tail)
            self.t, self.code = self.t + 1, code
            return x + sx, y + sy
        rule, tail, t = self.rule, self.tail, self.t + 1
        if self.pieces is not None:
            gx, gy, tail = self._pieces2(gx, gy)
        if self.coords is None:  # a stateless rule (sgd)
            return x + rule(gx, x, t, *tail)[0], y + rule(gy, y, t, *tail)[0]
        sx, sy = self._coordinates()
        if self.rule2d is not None:
            out = self.rule2d(gx, gy, x, y, t, *sx, *sy, *tail)
            n = self.n_state
            self.t, self.coords = t, [out[2:2 + n], out[2 + n:]]
            return x + out[0], y + out[1]
        ox = rule(gx, x, t, *sx, *tail)
        oy = rule(gy, y, t, *sy, *tail)
        self.t, self.coords = t, [ox[1:], oy[1:]]
        return x + ox[0], y + oy[0]

    def _pieces2(self, gx, gy):
        """Clipping and the schedule on floats, as ``with_pieces`` does them on arrays."""
        p, tail = self.pieces, self.tail
        if p.clip_value is not None:
            clip = _clip_value["float"]
            gx, gy = clip(gx, p.clip_value), clip(gy, p.clip_value)
        if p.clip_norm is not None:
            factor = _clip_factor["float"](math.sqrt(gx * gx + gy * gy), p.clip_norm)
            gx, gy = gx * factor, gy * factor
        if p.schedule is not None:
            before, after = self._schedule
            tail = before + (self._lr_of(self.steps),) + after
            self.steps += 1
        return gx, gy, tail

    def step(self, g, x):
        if self.pieces is not None:
            raise NotImplementedError("clipping and schedules on floats are written for d = 2 (step2)")
        rule, tail, t = self.rule, self.tail, self.t + 1
        coords = self._coordinates() or [()] * len(x)
        out = [rule(gi, xi, t, *si, *tail) for gi, xi, si in zip(g, x, coords)]
        if coords[0]:
            self.t, self.coords, self.flat = t, [o[1:] for o in out], None
        return [xi + o[0] for xi, o in zip(x, out)]

    def state(self):
        if self.rule2 is not None:
            return self.state_type(self.t, np.array(self.code))
        n_state = len(self.state_type._fields) - self.counted
        coords = self._coordinates()
        arrays = [np.array([c[j] for c in coords]) for j in range(n_state)] if coords else []
        inner = self.state_type(self.t, *arrays) if self.counted else self.state_type(*arrays)
        return Scheduled(self.steps, inner) if self.pieces is not None and self.pieces.schedule is not None else inner

    def note(self) -> str:
        """``optimizer.note(state())``, worked out again only when the point rule's code changes."""
        if self._note is None or self._note[0] != self.code:
            self._note = (self.code, self.optimizer.note(self.state()))
        return self._note[1]
