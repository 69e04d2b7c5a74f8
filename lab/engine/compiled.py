"""The batched engine's compiled path: an optimizer's rule and an objective's formula, compiled by numba as written.

One source, several speeds. A first-order optimizer is a per-coordinate rule (lab/optimizers/elementwise.py)
and a float_safe 2-D objective a value-and-gradient formula ``fg_formula(x, y, *fg_args)``
(lab/objectives/base.py): plain functions using + − × ÷, ``beta ** t``, ``sqrt`` and ``maximum``. Here their
source text, as written in their modules (``inspect.getsource``, never a second hand-written copy), goes into a
generated module with the stepping loop around them, and numba compiles it:

- ``sqrt`` is math.sqrt, ``maximum`` the NaN-keeping max of the float binding (elementwise.FLOAT), compiled
  from its own source; no fastmath, error_model="numpy" (x/0 is ±inf or NaN, as on arrays), so every
  operation is the correctly rounded IEEE one that NumPy does, and LLVM does not contract a·b + c into an FMA;
- ``t`` is a float counted up by 1.0, so that ``beta ** t`` is libm's pow(), as CPython's float ** int is;
- points go through LANES at a time, side by side in one loop body, their state in registers for a whole
  chunk of steps, so that the processor overlaps the points' divisions and square roots (JAX's trick); the
  block's points are shared between threads (the kernel releases the GIL), one per core.

The generated module lives in a cache folder, named by a hash of its text, with numba's on-disk cache next to it:
``$NUMBA_CACHE_DIR/optimizer-lab`` if that is set, else ``$XDG_CACHE_HOME/optimizer-lab`` or
``~/.cache/optimizer-lab``, else the temporary folder; so a read-only install or a fresh clone compiles once per
machine (about a second per rule and objective) and later processes load the machine code (what remains is
numba's own start-up, 0.2–0.4 s here). numba is imported only here, only when a batched run asks for it. Anything that goes wrong (numba missing, no writable folder, a rule or formula numba cannot
compile) is logged once (logger ``lab.engine.compiled``) and the engine takes its NumPy path: results are the
same bits either way (tests/test_compiled.py). ``OPTIMIZER_LAB_COMPILED=0`` in the environment turns it off.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import logging
import math
import os
import sys
import tempfile
import textwrap
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from lab.engine.status import Status

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # a library logs; the program decides whether and where it shows

SWITCH = "OPTIMIZER_LAB_COMPILED"  # set to 0 to run the NumPy path always (benchmarks compare the two)

LANES = 1  # points written side by side in one loop body (4 and 8 measured no faster here, and compile slower)
TILE = 32  # points that take a step together before the next step (a multiple of LANES)
_MIN_SPLIT = 256  # a block smaller than this per thread runs on the calling thread alone
FORMAT = 1  # bump when the generated text changes shape (its hash names the file anyway)

_lock = threading.Lock()
_kernels: dict = {}  # key -> Kernel or None (None: could not compile; logged once)
_pool: ThreadPoolExecutor | None = None
_disabled_reason: str | None = None


def threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cache_dir() -> Path | None:
    """A writable folder for the generated modules (and numba's cache beside them), or None."""
    candidates = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        candidates.append(Path(os.environ["NUMBA_CACHE_DIR"]) / "optimizer-lab")
    xdg = os.environ.get("XDG_CACHE_HOME")
    candidates.append((Path(xdg) if xdg else Path.home() / ".cache") / "optimizer-lab")
    candidates.append(Path(tempfile.gettempdir()) / f"optimizer-lab-{os.getuid() if hasattr(os, 'getuid') else 0}")
    for path in candidates:
        try:
            path.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=path).close()
            return path
        except OSError:
            continue
    return None


# ---------------------------------------------------------------------------------------------------------------
# What can be compiled


class NotCompilable(Exception):
    """A rule, formula or objective the compiled path does not take (the NumPy path does)."""


_BUILTINS = {"abs", "min", "max", "float", "int", "bool", "range", "len"}


def _sources(func, ops: dict, out: dict) -> None:
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
                _sources(value, ops, out)
            elif isinstance(value, (bool, int, float)):
                out[ref] = (f"{ref} = {value!r}\n", None)
            else:
                raise NotCompilable(f"{name} uses the global {ref!r} ({type(value).__name__})")
        elif ref not in _BUILTINS:
            raise NotCompilable(f"{name} uses the unknown name {ref!r}")


def _scalar(value):
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


def _generate(rule, n_state: int, counted: bool, slots: tuple[bool, ...], formula, n_params: int) -> str:
    """The module text: the rule's and the formula's own source, and the stepping kernel around them."""
    from lab.optimizers.elementwise import _max

    ops = {"sqrt": None, "maximum": None}
    found: dict = {}
    _sources(_max, {}, found)
    _sources(rule, ops, found)
    _sources(formula, ops, found)
    rule_name, formula_name = rule.__name__, formula.__name__
    reserved = {"sqrt", "maximum", "math", "njit", "INF"}
    if reserved & set(found) - {"_max"} or any(n.startswith("_k_") for n in found):
        raise NotCompilable("a function name clashes with the generated module's")
    parts = [f"# Generated by lab.engine.compiled (format {FORMAT}) from the source of "
             f"{rule.__module__}.{rule.__qualname__} and {formula.__module__}.{formula.__qualname__}.",
             "# Do not edit: it is written again whenever those change (its name is the hash of its text).",
             "import math", "", "from numba import njit", "",
             "from numba.extending import intrinsic", "",
             "_FN = dict(cache=True, nogil=True, error_model='numpy')",
             "INF = math.inf", "", SQRT]
    for name, (text, code) in found.items():
        parts.append(text.rstrip())
        if code is not None:
            parts.append(f"{name} = njit(**_FN)({name})")
        parts.append("")
    parts.append("maximum = _max")
    parts.append(_kernel_text(rule_name, formula_name, n_state, counted, slots, n_params))
    return "\n".join(parts) + "\n"


def _kernel_text(rule_name: str, formula_name: str, n_state: int, counted: bool, slots: tuple[bool, ...],
                 n_params: int, lanes: int = None) -> str:
    """The stepping loop: LANES points at a time, each point's position, gradient and state in local variables
    (registers) for the whole chunk of steps, the lanes' independent chains side by side in one loop body."""
    L = LANES if lanes is None else lanes
    scalars = "".join(f", c{j}" for j, per_point in enumerate(slots) if not per_point)
    params = "".join(f", p{q}" for q in range(n_params))
    n_arr = sum(slots)
    lines = []
    w = lines.append

    def tail(j):
        out, a = [], 0
        for k, per_point in enumerate(slots):
            if per_point:
                out.append(f"h{a}_{j}")
                a += 1
            else:
                out.append(f"c{k}")
        return "".join(f", {v}" for v in out)

    lane = range(L)
    T = TILE
    w(f"@njit(cache=True, nogil=True, error_model='numpy')")
    w(f"def _k_advance(a, b, k0, k1, X, G, F, N, S, H, live, tol, bound, lo, out_x, out_loss, out_gn, out_status,")
    w(f"               out_step{scalars}{params}):")
    w(f'    """Points a..b of a block (b - a a multiple of {L}): steps k0 + 1 .. k1 for the live ones; records those')
    w(f"    that stop. X, G (2, n) position and gradient, F, N (n,) loss and |grad|, S (n_state, 2, n) the rule's")
    w(f'    state, H (n_per_point, n) per-point hyperparameters, live (n,) uint8. Returns how many are still live."""')
    w(f"    still = 0")
    w(f"    for a0 in range(a, b, {T}):")
    w(f"        a1 = min(a0 + {T}, b)")
    w(f"        n_live = 0")
    w(f"        for i in range(a0, a1):")
    w(f"            n_live += live[i]")
    w(f"        if n_live == 0:")
    w(f"            continue")
    w(f"        t = float(k0)")
    w(f"        for k in range(k0, k1):")
    w(f"            t += 1.0")
    w(f"            stop = 0")
    w(f"            for i in range(a0, a1, {L}):")
    t_arg = "t" if counted else "0.0"
    for j in lane:
        w(f"                px{j} = X[0, i + {j}]; py{j} = X[1, i + {j}]")
        for h in range(n_arr):
            w(f"                h{h}_{j} = H[{h}, i + {j}]")
        sx = "".join(f", S[{st}, 0, i + {j}]" for st in range(n_state))
        sy = "".join(f", S[{st}, 1, i + {j}]" for st in range(n_state))
        w(f"                ox{j} = {rule_name}(G[0, i + {j}], px{j}, {t_arg}{sx}{tail(j)})")
        w(f"                oy{j} = {rule_name}(G[1, i + {j}], py{j}, {t_arg}{sy}{tail(j)})")
    for j in lane:
        w(f"                px{j} = px{j} + ox{j}[0]; py{j} = py{j} + oy{j}[0]")
        w(f"                fv{j}, gx{j}, gy{j} = {formula_name}(px{j}, py{j}{params})")
        w(f"                gn{j} = sqrt(gx{j} * gx{j} + gy{j} * gy{j})")
    for j in lane:
        for st in range(n_state):
            w(f"                S[{st}, 0, i + {j}] = ox{j}[{st + 1}]; S[{st}, 1, i + {j}] = oy{j}[{st + 1}]")
        w(f"                X[0, i + {j}] = px{j}; X[1, i + {j}] = py{j}; G[0, i + {j}] = gx{j}; G[1, i + {j}] = gy{j}")
        w(f"                F[i + {j}] = fv{j}; N[i + {j}] = gn{j}")
        w(f"                stop |= live[i + {j}] & _k_stops(px{j}, py{j}, fv{j}, gn{j}, tol, bound)")
    w(f"            if stop:")
    w(f"                n_live = 0")
    w(f"                for i in range(a0, a1):")
    w(f"                    if live[i] and _k_stops(X[0, i], X[1, i], F[i], N[i], tol, bound):")
    w(f"                        code = _k_classify(X[0, i], X[1, i], F[i], N[i], tol, bound)")
    w(f"                        if code != {Status.RUNNING.code}:")
    w(f"                            live[i] = 0")
    w(f"                            out_x[lo + i, 0] = X[0, i]; out_x[lo + i, 1] = X[1, i]")
    w(f"                            out_loss[lo + i] = F[i]; out_gn[lo + i] = N[i]")
    w(f"                            out_status[lo + i] = code; out_step[lo + i] = k + 1")
    w(f"                    n_live += live[i]")
    w(f"                if n_live == 0:")
    w(f"                    break")
    w(f"        still += n_live")
    w(f"    return still")
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


# ---------------------------------------------------------------------------------------------------------------
# Loading


def _load(text: str):
    """Write the generated module (once, atomically) to the cache folder and import it."""
    folder = cache_dir()
    if folder is None:
        raise NotCompilable("no writable cache folder")
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    name = f"optimizer_lab_kernel_{digest}"
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != text:
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


class Kernel:
    """A compiled (rule, formula) pair: ``run(...)`` steps a block's points like the NumPy path."""

    def __init__(self, module, n_state: int, slots: tuple[bool, ...]):
        self.advance = module._k_advance
        self.n_state = n_state
        self.slots = slots
        self.n_arrays = sum(slots)


def _disable(reason: str) -> None:
    global _disabled_reason
    if _disabled_reason is None:
        log.warning("batched engine: compiled path off, NumPy path used (%s)", reason)
    _disabled_reason = reason


def kernel(rule, n_state: int, counted: bool, slots: tuple[bool, ...], formula, n_params: int, scalars: tuple):
    """The compiled kernel for this rule and formula (compiled or loaded once per process), or None.
    ``scalars``: the rule's fixed hyperparameters as they will be passed (their types pick the signature)."""
    key = (rule.__code__, n_state, counted, slots, formula.__code__, n_params, tuple(map(type, scalars)))
    with _lock:
        if key in _kernels:
            return _kernels[key]
        if _disabled_reason is not None:
            return None
        if os.environ.get(SWITCH, "1").strip() == "0":
            _disable(f"{SWITCH}=0")
            return None
        try:
            import numba  # noqa: F401  (the fast path's only dependency; imported when a batched run needs it)
        except Exception as exc:  # ImportError, or a broken install
            _disable(f"numba not importable: {type(exc).__name__}: {exc}")
            return None
        try:
            text = _generate(rule, n_state, counted, slots, formula, n_params)
            result = Kernel(_load(text), n_state, slots)
            _warm_up(result, scalars, n_params)
        except Exception as exc:  # NotCompilable, numba's typing errors, an unwritable cache, ...
            log.warning("batched engine: %s with %s not compiled, NumPy path used (%s: %s)",
                        getattr(rule, "__qualname__", rule), getattr(formula, "__qualname__", formula),
                        type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            result = None
        _kernels[key] = result
        return result


def _warm_up(k: Kernel, scalars: tuple, n_params: int) -> None:
    """Compile (or load from the disk cache) the kernel's one signature, on a block of one point, no steps."""
    buf = Buffers(1, k.n_state, k.n_arrays)
    out = np.zeros((1, 2)), np.zeros(1), np.zeros(1), np.zeros(1, np.int8), np.zeros(1, np.int64)
    k.advance(0, LANES, 0, 0, buf.X, buf.G, buf.F, buf.N, buf.S, buf.H, buf.live, 0.0, 1.0, 0, *out,
              *scalars, *([0.0] * n_params))


class Buffers:
    """A block's arrays, allocated once per run and reused block after block (fresh temporaries cost page faults)."""

    def __init__(self, n: int, n_state: int, n_arrays: int):
        n = -(-n // LANES) * LANES  # whole groups of lanes; the spare lanes are never live
        self.X = np.zeros((2, n))
        self.G = np.zeros((2, n))
        self.F = np.zeros(n)
        self.N = np.zeros(n)
        self.S = np.zeros((n_state, 2, n))
        self.H = np.zeros((n_arrays, n))
        self.live = np.zeros(n, dtype=np.uint8)


def pool(n: int) -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, n - 1), thread_name_prefix="lab-kernel")
        return _pool


def advance(k: Kernel, n: int, k0: int, k1: int, buf: Buffers, tol: float, bound: float, lo: int, out, scalars,
            params, n_threads: int) -> int:
    """Step points 0..n of the block from step k0 to k1 on ``n_threads`` threads; how many are still live."""
    n = -(-n // LANES) * LANES
    args = (k0, k1, buf.X, buf.G, buf.F, buf.N, buf.S, buf.H, buf.live, tol, bound, lo, *out, *scalars, *params)
    parts = min(n_threads, max(1, n // _MIN_SPLIT))
    if parts <= 1:
        return k.advance(0, n, *args)
    groups = n // LANES
    edges = [(groups * p // parts) * LANES for p in range(parts + 1)]
    ex = pool(n_threads)
    futures = [ex.submit(k.advance, edges[p], edges[p + 1], *args) for p in range(1, parts)]
    still = k.advance(edges[0], edges[1], *args)
    return still + sum(f.result() for f in futures)


__all__ = ["Buffers", "Kernel", "NotCompilable", "LANES", "advance", "cache_dir", "kernel", "threads"]
