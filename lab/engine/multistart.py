"""The batched multi-start engine: one optimizer from K start points at once, every point with its own fate.

Each point steps as it would alone (``update`` and the objective's batch evaluation are elementwise, so a
point of the batch takes the same bits as the point run by itself, or as a racer of a Race) and stops as a
racer stops: converged when |∇f| < tol (stationary instead where the Hessian has a negative eigenvalue: a saddle
point or a maximum, decided after the run for the points that stopped so, on either path), diverged when the position, loss or gradient is not finite or
|x|∞ > bound, max_steps when the budget runs out. Its final point, loss, gradient norm, status and the
step of that status are kept; stopped points cost nothing more once their rows are dropped.

Work goes block by block (``block`` points at a time, so that memory and cache use stay bounded whatever
K is) and, within a block, chunk by chunk (``chunk`` steps): between chunks it calls ``progress(done,
total)`` (in point-steps) and ``should_stop()``, and returns at once, with ``cancelled=True``, when that
says so. Blocks of 16 384 points keep a 2-D Adam step in the CPU caches.

Two paths, the same bits. When the optimizer is a per-coordinate rule and the objective a float_safe 2-D
formula, a compiled kernel steps each block (lab/engine/compiled.py: numba compiles the rule and the formula
from their own source; both cores; ~3–4× the NumPy path here, benchmarks/multistart_speed.py); otherwise, or
when numba is missing, NumPy steps it. Same blocks, chunks, progress calls and cancellation points either way.

    >>> from lab.objectives import make_objective
    >>> r = multistart(make_objective("quadratic"), "sgd", [[1.0, 1.0], [-1.0, 0.5]], steps=500,
    ...                hyperparameters={"lr": 0.1})
    >>> r.status.tolist(), r.counts()["converged"]
    ([1, 1], 2)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from lab.engine.batch_setup import batched_optimizer, check_starts
from lab.engine.status import STATUS_NAMES, Status, absmax, check_limits, classify, stationary_reasons, still_running
from lab.errors import LabError
from lab.objectives.base import Function2D, Objective, float_safe
from lab.optimizers import OPTIMIZERS, Optimizer

# Per-point status codes (int8), in a point's life: running (not finished: the run was cancelled), then one of
# converged, diverged, max_steps, error (the update or the objective raised for the point's block) or stationary.
RUNNING, CONVERGED, DIVERGED, MAX_STEPS, ERROR, STATIONARY = (
    s.code for s in (Status.RUNNING, Status.CONVERGED, Status.DIVERGED, Status.MAX_STEPS, Status.ERROR,
                     Status.STATIONARY))

#: Hyperparameters that may take one value per point, over all optimizers (each spec's ``per_point`` says which
#: of its own): those its update uses in + − × ÷ only, so that a point with its own value takes the same bits as
#: a run with that value alone (``beta ** t`` on an array is NumPy's power, on a float CPython's pow(), which
#: differ in the last bit; weight_decay and damping switch code paths).
PER_POINT = tuple(dict.fromkeys(name for spec in OPTIMIZERS.values() for name in spec.per_point))

DEFAULT_BLOCK = 16384
_FAST_BLOCK = 1 << 17  # the compiled path's block when nothing is called between blocks (~16 MB of work array)
_CHUNK_WORK = 1 << 19  # point-steps between two calls of should_stop / progress: ~10 ms here


@dataclass
class MultiStartResult:
    """Per start point i: where it ended and how.

    starts (K, d); x (K, d) the final point (the point of the status step; for a point still running when
    the run was cancelled, the last point reached); loss (K,) f(x) (NaN if never evaluated); grad_norm (K,)
    |∇f(x)|; status (K,) int8 codes RUNNING, CONVERGED, DIVERGED, MAX_STEPS, ERROR, STATIONARY; step (K,) the step of the
    status (for RUNNING, the steps taken). ``cancelled``: should_stop() ended the run early.
    """

    starts: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    status: np.ndarray
    step: np.ndarray
    steps: int
    tol: float
    bound: float
    optimizer: str
    hyperparameters: dict
    cancelled: bool = False
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many points ended each way: {'running': .., 'converged': .., 'diverged': .., ...}."""
        n = np.bincount(self.status.astype(np.intp), minlength=len(STATUS_NAMES))
        return {name: int(c) for name, c in zip(STATUS_NAMES, n)}

    def __len__(self) -> int:
        return len(self.status)

    def __repr__(self) -> str:
        c = ", ".join(f"{k}={v}" for k, v in self.counts().items() if v)
        return (f"MultiStartResult({self.optimizer}, {len(self)} points, {self.steps} steps, {c}"
                f"{', cancelled' if self.cancelled else ''})")


def multistart(objective: Objective, optimizer: str | Optimizer, starts, *, steps: int,
               hyperparameters: dict | None = None, tol: float = 1e-8, bound: float = 1e6,
               block: int | None = None, chunk: int | None = None,
               should_stop: Callable[[], bool] | None = None,
               progress: Callable[[int, int], Any] | None = None,
               gradient: Callable[[np.ndarray, np.ndarray, int, np.ndarray], np.ndarray] | None = None
               ) -> MultiStartResult:
    """Run ``optimizer`` from every row of ``starts`` (K, d) for up to ``steps`` steps.

    ``optimizer``: a name (its ``hyperparameters`` checked; a value in PER_POINT may be a sequence of K values,
    one per point) or a built batched Optimizer (then no ``hyperparameters``). L-BFGS is not batched: refused.
    ``block``: points per block (default 16 384, fewer for big d); ``chunk``: steps between two calls of
    ``should_stop()`` and ``progress(done, total)`` (default: about half a million point-steps). ``done`` and
    ``total`` count point-steps; a stopped point counts as done. The gradient is exact (no minibatches), unless
    ``gradient(x, grad, k, rows)`` is given: the gradient the points ``rows`` (their indices in ``starts``) at
    ``x``, whose exact gradient is ``grad``, step on at step index k (0 for the first step, as a Race's
    gradient_source: minibatches, noise); losses, |∇f| and statuses stay exact. The NumPy path runs it.
    """
    steps, tol, bound = check_limits(steps, tol, bound)
    x0 = check_starts(objective, starts)
    k_points, dim = x0.shape
    name, scalars, per_point, build = batched_optimizer(optimizer, hyperparameters, k_points)
    default_block = block is None
    if block is None:
        block = max(64, min(DEFAULT_BLOCK, (1 << 22) // (8 * dim * dim + 64 * dim)))
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise LabError(f"block must be a whole number >= 1, got {block!r}")
    block = int(block)
    if chunk is None:
        chunk = max(1, _CHUNK_WORK // min(block, max(k_points, 1)))
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise LabError(f"chunk must be a whole number >= 1, got {chunk!r}")
    chunk = int(chunk)

    out = MultiStartResult(
        starts=x0, x=x0.copy(), loss=np.full(k_points, np.nan), grad_norm=np.full(k_points, np.nan),
        status=np.zeros(k_points, dtype=np.int8), step=np.zeros(k_points, dtype=np.int64), steps=steps,
        tol=tol, bound=bound, optimizer=name,
        hyperparameters={**scalars, **{k: v.copy() for k, v in per_point.items()}})
    total = k_points * steps
    fast = None if gradient is not None else _compiled_plan(objective, name, build, per_point)
    if fast is not None:
        if default_block and should_stop is None and progress is None:
            block = _FAST_BLOCK  # nobody to call between blocks: fewer, bigger ones keep both cores busy
        out.cancelled = not _run_compiled(fast, objective, out, steps, tol, bound, block, chunk, should_stop,
                                          progress)
        return _mark_stationary(objective, out)
    for lo in range(0, k_points, block):
        rows = np.arange(lo, min(lo + block, k_points))
        if not _run_block(objective, build, per_point, out, rows, steps, tol, bound, chunk,
                          should_stop, progress, lo * steps, total, gradient):
            out.cancelled = True
            break
        if progress is not None:
            progress(int(rows[-1] + 1) * steps, total)
    return _mark_stationary(objective, out)


def _mark_stationary(objective, out: MultiStartResult) -> MultiStartResult:
    """The stop rule's second look (lab.engine.status.stationary_reasons) at the converged points: those at a
    saddle point or a maximum become STATIONARY. One batched Hessian for them all, after either path."""
    rows = np.flatnonzero(out.status == CONVERGED)
    if rows.size:
        reasons = stationary_reasons(objective, out.x[rows])
        out.status[rows[reasons != ""]] = STATIONARY
    return out


def _run_block(objective, build, per_point, out, rows, steps, tol, bound, chunk, should_stop, progress,
               done_before, total, gradient=None) -> bool:
    """Step one block to its end; False if should_stop() said so (the block's running points stay RUNNING)."""
    n = len(rows)
    x = out.starts[rows].copy()
    hyper = {k: v[rows, None] for k, v in per_point.items()}
    k = 0
    try:
        opt = build(hyper)
        state = opt.init(x)
        with np.errstate(all="ignore"):
            value, grad = objective.value_and_grad(x)
        gnorm = _norm(grad)
    except Exception as exc:
        _fail(out, rows, x, 0, exc)
        return True
    live = np.ones(n, dtype=bool)
    rows, x, value, grad, gnorm, state, hyper, live, opt = _settle(
        out, rows, x, value, grad, gnorm, state, hyper, live, opt, build, 0, tol, bound)
    while k < steps and len(rows):
        if should_stop is not None and should_stop():
            _park(out, rows[live], x[live], value[live], gnorm[live], k)
            return False
        stop = min(steps, k + chunk)
        try:
            with np.errstate(all="ignore"):
                while k < stop:
                    k += 1
                    g = grad if gradient is None else gradient(x, grad, k - 1, rows)
                    step, state = opt.update(g, state, x, objective)
                    x = x + step
                    value, grad = objective.value_and_grad(x)
                    gnorm = _norm(grad)
                    keep = still_running(value, gnorm, absmax(x), tol, bound)
                    if not keep.all():
                        keep |= ~live
                        if not keep.all():
                            rows, x, value, grad, gnorm, state, hyper, live, opt = _settle(
                                out, rows, x, value, grad, gnorm, state, hyper, live, opt, build, k, tol, bound)
                            if not len(rows):
                                break
        except Exception as exc:
            _fail(out, rows[live], x[live], k, exc)
            return True
        if progress is not None and k < steps and len(rows):
            progress(done_before + n * k, total)
    if len(rows):
        _park(out, rows[live], x[live], value[live], gnorm[live], k)
        out.status[rows[live]] = MAX_STEPS
    return True


def _compiled_plan(objective, name, build, per_point):
    """The compiled path for this run, or None (then the NumPy path): the optimizer is a rule, the objective a
    float_safe 2-D formula, and numba compiles both (lab/engine/compiled.py)."""
    if not (float_safe(objective) and getattr(objective, "fg_formula", None) is not None
            and type(objective).fg is Function2D.fg and type(objective).value_and_grad is Function2D.value_and_grad):
        return None
    try:
        update = build({k: v[:1, None] for k, v in per_point.items()}).update
    except Exception:
        return None
    rule = getattr(update, "rule", None)
    if rule is None:
        return None
    pieces = getattr(update, "pieces", None)  # a schedule or clipping, compiled with the rule
    from lab.engine import compiled
    from lab.optimizers.elementwise import tail_names

    fields = update.state_type._fields
    counted = bool(fields) and fields[0] == "count"
    n_state = len(fields) - counted
    names = tail_names(rule, n_state)
    spec = OPTIMIZERS.get(name)
    may_vary = spec.per_point if spec is not None else ()
    if set(per_point) - set(names) or len(names) != len(update.tail):
        return None
    slots = tuple(n in may_vary for n in names)
    scalars, arrays = [], []
    try:
        for n, value, slot in zip(names, update.tail, slots):
            if slot:
                arrays.append(per_point[n] if n in per_point else compiled.scalar(value))
            else:
                scalars.append(compiled.scalar(value))
        params = tuple(compiled.scalar(p) for p in objective.fg_args)
    except compiled.NotCompilable:
        return None
    pieces_kind = None
    if pieces is not None:
        pieces_kind = (pieces.schedule[0] if pieces.schedule else -1, pieces.clip_value is not None,
                       pieces.clip_norm is not None, pieces.lr_index)
        schedule = pieces.schedule[1:] if pieces.schedule else (1, 1.0, 1, 0.0, 1)
        scalars += [float(v) for v in (*schedule, pieces.clip_norm or 1.0, pieces.clip_value or 1.0)]
    kern = compiled.kernel(rule, n_state, counted, slots, objective.fg_formula, len(params), tuple(scalars),
                           pieces_kind)
    if kern is None:
        return None
    return kern, tuple(scalars), arrays, params


def _run_compiled(fast, objective, out, steps, tol, bound, block, chunk, should_stop, progress) -> bool:
    """multistart's loop over blocks and chunks, each chunk stepped by the compiled kernel: the same points,
    statuses, steps, progress calls and cancellation points as the NumPy path. False if should_stop() said so."""
    from lab.engine import compiled

    kern, scalars, arrays, params = fast
    k_points = len(out.starts)
    total = k_points * steps
    if should_stop is None and progress is None:
        chunk = max(steps, 1)  # nobody to call between chunks: one call per block
    buf = compiled.Buffers(min(block, k_points), kern.n_state, kern.n_arrays)
    results = (out.x, out.loss, out.grad_norm, out.status, out.step)
    n_threads = compiled.threads()
    for lo in range(0, k_points, block):
        hi = min(lo + block, k_points)
        n = hi - lo
        x = out.starts[lo:hi]
        with np.errstate(all="ignore"):
            value, grad = objective.value_and_grad(x)
        gnorm = _norm(grad)
        codes = classify(x, value, gnorm, tol, bound)
        stopped = codes != RUNNING
        if stopped.any():
            rows = np.flatnonzero(stopped) + lo
            _park(out, rows, x[stopped], value[stopped], gnorm[stopped], 0)
            out.status[rows] = codes[stopped]
        buf.X[:, :n] = x.T
        buf.G[:, :n] = grad.T
        buf.F[:n] = value
        buf.N[:n] = gnorm
        buf.S[..., :n] = 0.0
        buf.live[:] = 0
        buf.live[:n] = ~stopped
        for a, values in enumerate(arrays):
            buf.H[a, :n] = values[lo:hi] if isinstance(values, np.ndarray) else values
        live = n - int(stopped.sum())
        k = 0
        while k < steps and live:
            if should_stop is not None and should_stop():
                _park_live(out, buf, n, lo, k)
                return False
            stop = min(steps, k + chunk)
            live = compiled.advance(kern, n, k, stop, buf, tol, bound, lo, results, scalars, params, n_threads)
            k = stop
            if progress is not None and k < steps and live:
                progress(lo * steps + n * k, total)
        if live:
            out.status[_park_live(out, buf, n, lo, k)] = MAX_STEPS
        if progress is not None:
            progress(hi * steps, total)
    return True


def _park_live(out, buf, n, lo, k) -> np.ndarray:
    """Record the block's live points where they are, at step k; their rows."""
    idx = np.flatnonzero(buf.live[:n])
    rows = idx + lo
    _park(out, rows, buf.X[:, idx].T, buf.F[idx], buf.N[idx], k)
    return rows


def _settle(out, rows, x, value, grad, gnorm, state, hyper, live, opt, build, k, tol, bound):
    """Record the points that stop at step k; drop stopped rows when they are a quarter of the block."""
    codes = classify(x, value, gnorm, tol, bound)
    diverged = live & (codes == DIVERGED)
    converged = live & (codes == CONVERGED)
    for mask, code in ((diverged, DIVERGED), (converged, CONVERGED)):
        if mask.any():
            _park(out, rows[mask], x[mask], value[mask], gnorm[mask], k)
            out.status[rows[mask]] = code
            live = live & ~mask
    if live.sum() * 4 <= 3 * len(live):  # compact: the stopped rows cost a step each otherwise
        rows, x, value, grad, gnorm = rows[live], x[live], value[live], grad[live], gnorm[live]
        state = _take(state, live, len(live))
        if hyper:
            hyper = {name: v[live] for name, v in hyper.items()}
            opt = build(hyper)
        live = np.ones(len(rows), dtype=bool)
    return rows, x, value, grad, gnorm, state, hyper, live, opt


def _park(out, rows, x, value, gnorm, k) -> None:
    out.x[rows] = x
    out.loss[rows] = value
    out.grad_norm[rows] = gnorm
    out.step[rows] = k


def _fail(out, rows, x, k, exc) -> None:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    out.errors.append(f"step {k}: {type(exc).__name__}" + (f": {text}" if text else ""))
    out.x[rows] = x
    out.step[rows] = k
    out.status[rows] = ERROR


def _norm(grad: np.ndarray) -> np.ndarray:
    """|∇f| per row, the race's way: √(Σ g²) (for d = 2, √(g₀² + g₁²): the same bits as on floats)."""
    if grad.shape[1] == 2:
        g0, g1 = grad[:, 0], grad[:, 1]
        return np.sqrt(g0 * g0 + g1 * g1)
    return np.sqrt((grad * grad).sum(axis=1))


def _take(state, keep: np.ndarray, n: int):
    """The optimizer state of the kept points: every array whose first axis is the points' is indexed."""
    if isinstance(state, tuple):
        parts = [_take(s, keep, n) for s in state]
        return type(state)(*parts) if hasattr(state, "_fields") else type(state)(parts)
    if isinstance(state, np.ndarray) and state.ndim and state.shape[0] == n:
        return state[keep]
    return state


__all__ = ["CONVERGED", "DIVERGED", "ERROR", "MAX_STEPS", "MultiStartResult", "PER_POINT", "RUNNING", "STATIONARY",
           "STATUS_NAMES", "Status", "multistart"]
