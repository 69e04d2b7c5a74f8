"""The text of a compiled kernel: an optimizer's rule and an objective's formula, their own source, and the stepping
loop around them (lab/engine/compiled.py compiles and loads it; its docstring says how and why)."""
from __future__ import annotations

import inspect
import textwrap
import types

import numpy as np

from lab.engine.status import Status

TILE = 32  # points that take a step together before the next step
N_PIECE_ARGS = 7  # step_size, gamma, t_max, lr_min, warmup, clip_norm, clip_value
FORMAT = 5  # bump when the generated text changes shape (its hash names the file anyway)

# ---------------------------------------------------------------------------------------------------------------
# What can be compiled


class NotCompilable(Exception):
    """A rule, formula or objective the compiled path does not take (the NumPy path does)."""


_BUILTINS = {"abs", "min", "max", "float", "int", "bool", "range", "len"}


def sources(func, ops: dict, out: dict) -> None:
    """Collect the source of ``func`` and of the plain functions it calls (by global name) into ``out``
    (name -> source text); ``ops`` maps the names bound per speed (sqrt, maximum) to their compiled binding."""
    name = func.__name__
    if name in out:
        if out[name][1] is not func.__code__:
            raise NotCompilable(f"two functions named {name!r}")
        return
    if func.__closure__:
        raise NotCompilable(f"{name} closes over variables")
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as exc:
        raise NotCompilable(f"no source for {name}: {exc}") from None
    if not text.startswith("def "):
        raise NotCompilable(f"{name} is decorated or not a plain def")
    out[name] = (text, func.__code__)
    for ref in func.__code__.co_names:
        if ref in ops:
            continue
        if ref in func.__globals__:
            value = func.__globals__[ref]
            if isinstance(value, types.FunctionType):
                if value.__name__ != ref:
                    raise NotCompilable(f"{name} calls {ref}, an alias of {value.__name__}")
                sources(value, ops, out)
            elif isinstance(value, (bool, int, float)):
                out[ref] = (f"{ref} = {value!r}\n", None)
            else:
                raise NotCompilable(f"{name} uses the global {ref!r} ({type(value).__name__})")
        elif ref not in _BUILTINS:
            raise NotCompilable(f"{name} uses the unknown name {ref!r}")


def scalar(value):
    """A hyperparameter as the kernel takes it: bool stays bool, numbers become floats."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise NotCompilable(f"hyperparameter {value!r} is not a number")


# math.sqrt, as LLVM's sqrt instruction (the same correctly rounded IEEE square root as libm's and NumPy's, without
# errno, so the compiler may overlap and vectorise it).
SQRT = '''
@intrinsic
def _sqrt(typingctx, x):
    from numba.core import types

    def codegen(context, builder, signature, args):
        fn = builder.module.declare_intrinsic("llvm.sqrt", [args[0].type])
        return builder.call(fn, args)

    return types.float64(types.float64), codegen


@njit(**_FN)
def sqrt(x):
    return _sqrt(float(x))
'''


def generate(rule, n_state: int, counted: bool, slots: tuple[bool, ...], formula, n_params: int,
              pieces_kind: tuple | None = None) -> str:
    """The module text: the rule's and the formula's own source (and the pieces', lab/optimizers/pieces.py: the
    schedule's function and the clipping), and the stepping kernel around them."""
    from lab.optimizers import pieces
    from lab.optimizers.elementwise import float_max, float_min, float_select

    ops = {"sqrt": None, "maximum": None, "minimum": None, "select": None, "cos": None}
    found: dict = {}
    for helper in (float_max, float_min, float_select):  # the float binding's own source (elementwise.FLOAT)
        sources(helper, {}, found)
    sources(rule, ops, found)
    sources(formula, ops, found)
    names = {}
    if pieces_kind is not None:
        schedule, _, _, _ = pieces_kind
        if schedule >= 0:
            names["schedule"] = pieces.LR_OF[schedule].__name__
            sources(pieces.LR_OF[schedule], ops, found)
        names["clip_value"], names["clip_factor"] = pieces.clip_value.__name__, pieces.clip_factor.__name__
        sources(pieces.clip_value, ops, found)
        sources(pieces.clip_factor, ops, found)
    rule_name, formula_name = rule.__name__, formula.__name__
    reserved = {"sqrt", "_sqrt", "maximum", "minimum", "select", "cos", "math", "np", "njit", "intrinsic", "INF",
                "_FN", "_P", "_t", "carray", "cfunc"}
    if reserved & set(found) - {"float_max", "float_min", "float_select"} or any(n.startswith("_k_") for n in found):
        raise NotCompilable("a function name clashes with the generated module's")
    parts = [f"# Generated by lab.engine.compiled (format {FORMAT}) from the source of "
             f"{rule.__module__}.{rule.__qualname__} and {formula.__module__}.{formula.__qualname__}.",
             "# Do not edit: it is written again whenever those change (its name is the hash of its text).",
             "import math", "", "import numpy as np", "from numba import njit", "",
             "from numba.extending import intrinsic", "",
             "_FN = dict(cache=True, nogil=True, error_model='numpy')",
             "INF = math.inf", "cos = math.cos", "", SQRT]
    for name, (text, code) in found.items():
        parts.append(text.rstrip())
        if code is not None:
            parts.append(f"{name} = njit(**_FN)({name})")
        parts.append("")
    parts.append("maximum = float_max")
    parts.append("minimum = float_min")
    parts.append("select = float_select")
    parts.append(kernel_text(rule_name, formula_name, n_state, counted, slots, n_params, pieces_kind, names))
    return "\n".join(parts) + "\n"


def kernel_text(rule_name: str, formula_name: str, n_state: int, counted: bool, slots: tuple[bool, ...],
                 n_params: int, pieces_kind: tuple | None = None, names: dict | None = None) -> str:
    """The stepping loop over one work array W (rows: x, y, gx, gy, f, |g|, the state per coordinate, the
    per-point hyperparameters; a column per point): one base pointer and unsigned indices, so that LLVM knows
    the accesses and vectorises the loop over a tile's points. With pieces (``pieces_kind`` = (schedule index or
    -1, clip_value on, clip_norm on, lr's place among the rule's hyperparameters)) it takes q0..q6 = step_size,
    gamma, t_max, lr_min, warmup, clip_norm, clip_value after the rule's fixed hyperparameters, clips the
    gradient it hands the rule and hands it the scheduled lr, as elementwise.with_pieces does."""
    scalars = "".join(f", c{j}" for j, per_point in enumerate(slots) if not per_point)
    scalars += "".join(f", q{j}" for j in range(N_PIECE_ARGS)) if pieces_kind is not None else ""
    params = "".join(f", p{q}" for q in range(n_params))
    lines = []
    w = lines.append
    state = [[f"W[{6 + 2 * st + c}, i]" for st in range(n_state)] for c in (0, 1)]
    tail, h = [], 6 + 2 * n_state
    for j, per_point in enumerate(slots):
        if per_point:
            tail.append(f"W[{h}, i]")
            h += 1
        else:
            tail.append(f"c{j}")
    schedule = pieces_kind is not None and pieces_kind[0] >= 0
    lr_expr = tail[pieces_kind[3]] if schedule else None
    if schedule:
        tail[pieces_kind[3]] = "lr_t"
    tail_args = "".join(f", {v}" for v in tail)
    t_arg = "t" if counted else "0.0"
    sched_call = f"{names['schedule']}(k, {lr_expr}, q0, q1, q2, q3, q4)" if schedule else ""
    w("@njit(cache=True, nogil=True, error_model='numpy')")
    w(f"def _k_advance(a, b, k0, k1, W, live, tol, bound, lo, out_x, out_loss, out_gn, out_status, out_step"
      f"{scalars}{params}):")
    w('    """Points a..b of a block: steps k0 + 1 .. k1 for the live ones (live (n,) uint8), recording those that')
    w('    stop; W (rows, n) the work array (see kernel_text). Returns how many are still live."""')
    w("    still = 0")
    w(f"    for a0 in range(a, b, {TILE}):")
    w(f"        a1 = min(a0 + {TILE}, b)")
    w("        n_live = 0")
    w("        for i in range(a0, a1):")
    w("            n_live += live[i]")
    w("        if n_live == 0:")
    w("            continue")
    w("        t = float(k0)")
    w("        for k in range(k0, k1):")
    w("            t += 1.0")
    w("            stop = 0")
    if schedule and not lr_expr.startswith("W["):  # one lr for the whole block: once a step
        w(f"            lr_t = {sched_call}")
    w("            for ii in range(a1 - a0):")
    w("                i = np.uintp(a0) + np.uintp(ii)")
    w("                px = W[0, i]")
    w("                py = W[1, i]")
    w("                gxr = W[2, i]")
    w("                gyr = W[3, i]")
    if pieces_kind is not None and pieces_kind[1]:
        w(f"                gxr = {names['clip_value']}(gxr, q6)")
        w(f"                gyr = {names['clip_value']}(gyr, q6)")
    if pieces_kind is not None and pieces_kind[2]:
        w(f"                fct = {names['clip_factor']}(sqrt(gxr * gxr + gyr * gyr), q5)")
        w("                gxr = gxr * fct")
        w("                gyr = gyr * fct")
    if schedule and lr_expr.startswith("W["):  # one lr per point
        w(f"                lr_t = {sched_call}")
    w(f"                ox = {rule_name}(gxr, px, {t_arg}{''.join(', ' + v for v in state[0])}{tail_args})")
    w(f"                oy = {rule_name}(gyr, py, {t_arg}{''.join(', ' + v for v in state[1])}{tail_args})")
    w("                px = px + ox[0]")
    w("                py = py + oy[0]")
    w(f"                fv, gx, gy = {formula_name}(px, py{params})")
    w("                gn = sqrt(gx * gx + gy * gy)")
    for c, o in ((0, "ox"), (1, "oy")):
        for st in range(n_state):
            w(f"                {state[c][st]} = {o}[{st + 1}]")
    w("                W[0, i] = px")
    w("                W[1, i] = py")
    w("                W[2, i] = gx")
    w("                W[3, i] = gy")
    w("                W[4, i] = fv")
    w("                W[5, i] = gn")
    w("                stop |= live[i] & _k_stops(px, py, fv, gn, tol, bound)")
    w("            if stop:")
    w("                n_live = 0")
    w("                for i in range(a0, a1):")
    w("                    if live[i] and _k_stops(W[0, i], W[1, i], W[4, i], W[5, i], tol, bound):")
    w("                        code = _k_classify(W[0, i], W[1, i], W[4, i], W[5, i], tol, bound)")
    w(f"                        if code != {Status.RUNNING.code}:")
    w("                            live[i] = 0")
    w("                            out_x[lo + i, 0] = W[0, i]")
    w("                            out_x[lo + i, 1] = W[1, i]")
    w("                            out_loss[lo + i] = W[4, i]")
    w("                            out_gn[lo + i] = W[5, i]")
    w("                            out_status[lo + i] = code")
    w("                            out_step[lo + i] = k + 1")
    w("                    n_live += live[i]")
    w("                if n_live == 0:")
    w("                    break")
    w("        still += n_live")
    w("    return still")
    return "\n\n" + "\n".join(lines) + f"""


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _k_stops(px, py, fv, gn, tol, bound):
    \"\"\"lab.engine.status.still_running, negated: 1 where the point may have stopped (look closer).\"\"\"
    return 1 - ((gn >= tol) & (abs(fv + gn) < INF) & (abs(px) <= bound) & (abs(py) <= bound))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _k_classify(px, py, fv, gn, tol, bound):
    \"\"\"lab.engine.status.classify for one 2-D point.\"\"\"
    finite = math.isfinite(px) and math.isfinite(py) and math.isfinite(fv) and math.isfinite(gn)
    if not (finite and abs(px) <= bound and abs(py) <= bound):
        return {Status.DIVERGED.code}
    if gn < tol:
        return {Status.CONVERGED.code}
    return {Status.RUNNING.code}
"""



# The shared-library form: the same kernel behind a C entry point taking raw pointers, compiled by numba once,
# linked by the system's C compiler, then loaded by later processes with ctypes alone (no numba, no LLVM start-up).
def entry_text(n_state: int, slots: tuple[bool, ...], scalars: tuple, n_params: int, pieces_kind=None) -> str:
    kinds = ["_t.boolean" if isinstance(v, bool) else "_t.float64" for v in scalars]
    names = ([f"c{j}" for j, per_point in enumerate(slots) if not per_point]
             + ([f"q{j}" for j in range(N_PIECE_ARGS)] if pieces_kind is not None else [])
             + [f"p{q}" for q in range(n_params)])
    sig = ", ".join(["_t.int64"] * 6 + ["_P", "_t.CPointer(_t.uint8)", "_t.float64", "_t.float64", "_t.int64",
                                        "_t.int64", "_P", "_P", "_P", "_t.CPointer(_t.int8)", "_t.CPointer(_t.int64)"]
                    + kinds + ["_t.float64"] * n_params)
    tail = "".join(f", {v}" for v in names)
    return f"""

from numba import carray, cfunc
from numba import types as _t

_P = _t.CPointer(_t.float64)


@cfunc(_t.int64({sig}), error_model="numpy")
def _k_entry(a, b, k0, k1, rows, n, wp, livep, tol, bound, lo, kk, oxp, olp, ogp, osp, otp{tail}):
    return _k_advance(a, b, k0, k1, carray(wp, (rows, n)), carray(livep, (n,)), tol, bound, lo, carray(oxp, (kk, 2)),
                      carray(olp, (kk,)), carray(ogp, (kk,)), carray(osp, (kk,)), carray(otp, (kk,)){tail})
"""
