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
- points go through in tiles of TILE: one step for the whole tile, then the next, so that pow() is taken once
  per tile-step and the loop over the tile's points, all in one work array with unsigned indices, is one LLVM
  vectorises (the points' divisions and square roots side by side in SIMD registers); the block's tiles are
  shared between threads (the kernel releases the GIL), one per core.

Where it lives. The generated module goes to a cache folder, named by a hash of its text:
``$NUMBA_CACHE_DIR/optimizer-lab`` if that is set, else ``$XDG_CACHE_HOME/optimizer-lab`` or
``~/.cache/optimizer-lab``, else the temporary folder (a read-only install and a fresh clone work alike). numba
compiles it once per machine (about a second per rule and objective) and, through a C entry point taking raw
pointers, its object code is linked by the system's C compiler into a shared library beside it, named by the
text and the processor; later processes load that library with ctypes (a few ms: no numba, no LLVM at all; the
call lets go of the GIL). Without a C compiler, numba's dispatcher runs the kernel, its machine code in numba's
disk cache (``cache=True``: loading it costs numba's start-up, 0.3–0.6 s here). numba is imported only here, only
when a kernel must be built. Anything that goes wrong (numba missing, no writable folder, a rule or formula numba
cannot compile) is logged once (logger ``lab.engine.compiled``) and the engine takes its NumPy path: results are
the same bits either way (tests/test_compiled.py). ``OPTIMIZER_LAB_COMPILED=0`` in the environment turns it off,
``OPTIMIZER_LAB_COMPILED=numba`` keeps to numba's dispatcher.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import _thread
import tempfile
import threading
from pathlib import Path

import numpy as np

from lab.engine.kernel_source import TILE, NotCompilable, entry_text, generate, scalar  # noqa: F401

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # a library logs; the program decides whether and where it shows

SWITCH = "OPTIMIZER_LAB_COMPILED"  # set to 0 to run the NumPy path always (benchmarks compare the two)

_MIN_SPLIT = 256  # a block smaller than this per thread runs on the calling thread alone

_lock = threading.Lock()
_kernels: dict = {}  # key -> Kernel or None (None: could not compile; logged once)
_disabled_reason: str | None = None


def threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cache_dir() -> Path | None:
    """A writable folder for the generated modules, their shared libraries and numba's cache, or None."""
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
    """A compiled (rule, formula) pair: ``advance(a, b, k0, k1, W, live, tol, bound, lo, out_x, out_loss, out_gn,
    out_status, out_step, *scalars, *params)`` steps a block's points (Buffers) like the NumPy path."""

    def __init__(self, advance, n_state: int, slots: tuple[bool, ...], how: str):
        self.advance = advance
        self.n_state = n_state
        self.slots = slots
        self.n_arrays = sum(slots)
        self.how = how  # "shared library" (loaded without numba) or "numba" (numba's dispatcher and disk cache)


def _cpu() -> str:
    """What the machine code depends on: the processor's model and feature flags."""
    try:
        with open("/proc/cpuinfo") as fh:
            lines = [ln for ln in fh.read().splitlines() if ln.startswith(("model name", "flags"))][:2]
    except OSError:
        lines = []
    import platform

    return "\n".join([platform.machine(), platform.system(), *lines])


def _build_shared(module, path: Path) -> None:
    """Emit the entry point's module as position-independent object code for this processor; link it."""
    import llvmlite.binding as llvm

    entry = module._k_entry
    lib = entry._library
    mod = lib._final_module
    tm = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(), reloc="pic",
        codemodel="default", opt=3)
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=".build-"))
    try:
        (work / "k.o").write_bytes(tm.emit_object(mod))
        # numba's runtime helpers appear only on paths that raise, which error_model="numpy" never takes:
        # stubs, so that the library loads without numba.
        stubs = sorted(f.name for f in mod.functions if f.is_declaration and f.name.startswith(("NRT_", "numba_")))
        (work / "stubs.c").write_text("".join(f"long {n}(void) {{ return 0; }}\n" for n in stubs))
        cc = os.environ.get("CC", "cc")
        import subprocess

        subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(work / "k.so"), str(work / "k.o"),
                        str(work / "stubs.c"), "-lm"], check=True, capture_output=True, timeout=120)
        (work / "name").write_text(entry.native_name)
        os.replace(work / "name", path.with_suffix(".name"))
        os.replace(work / "k.so", path)
    finally:
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


def _load_shared(path: Path, scalars: tuple, n_params: int):
    """``advance`` calling the shared library's entry point through ctypes (which lets go of the GIL)."""
    import ctypes

    lib = ctypes.CDLL(str(path))
    fn = getattr(lib, path.with_suffix(".name").read_text())
    i64, ptr, dbl = ctypes.c_int64, ctypes.c_void_p, ctypes.c_double
    fn.argtypes = ([i64] * 6 + [ptr] * 2 + [dbl, dbl, i64, i64] + [ptr] * 5
                   + [ctypes.c_bool if isinstance(v, bool) else dbl for v in scalars] + [dbl] * n_params)
    fn.restype = i64

    def advance(a, b, k0, k1, W, live, tol, bound, lo, ox, ol, og, os_, ot, *rest):
        return fn(a, b, k0, k1, W.shape[0], W.shape[1], W.ctypes.data, live.ctypes.data, tol, bound, lo,
                  ox.shape[0], ox.ctypes.data, ol.ctypes.data, og.ctypes.data, os_.ctypes.data, ot.ctypes.data, *rest)

    return advance


_said_off: set[str] = set()


def _say_off(reason: str) -> None:
    """Log once per reason that the NumPy path runs (without turning the compiled path off for good)."""
    if reason not in _said_off:
        _said_off.add(reason)
        log.info("batched engine: compiled path off, NumPy path used (%s)", reason)


def _disable(reason: str) -> None:
    global _disabled_reason
    if _disabled_reason is None:
        log.warning("batched engine: compiled path off, NumPy path used (%s)", reason)
    _disabled_reason = reason


def kernel(rule, n_state: int, counted: bool, slots: tuple[bool, ...], formula, n_params: int, scalars: tuple,
           pieces_kind: tuple | None = None):
    """The compiled kernel for this rule and formula (compiled or loaded once per process), or None.
    ``scalars``: the rule's fixed hyperparameters as they will be passed (their types pick the signature), then,
    with ``pieces_kind``, the N_PIECE_ARGS pieces' values (see _kernel_text)."""
    key = (rule.__code__, n_state, counted, slots, formula.__code__, n_params, tuple(map(type, scalars)), pieces_kind)
    if os.environ.get(SWITCH, "1").strip() == "0":  # read at each run: a benchmark or a test may switch it back on
        _say_off(f"{SWITCH}=0")
        return None
    with _lock:
        if key in _kernels:
            return _kernels[key]
        if _disabled_reason is not None:
            return None
        try:
            result = _make(rule, n_state, counted, slots, formula, n_params, scalars, pieces_kind)
        except Exception as exc:  # NotCompilable, numba's typing errors, an unwritable cache, ...
            log.warning("batched engine: %s with %s not compiled, NumPy path used (%s: %s)",
                        getattr(rule, "__qualname__", rule), getattr(formula, "__qualname__", formula),
                        type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
            result = None
        _kernels[key] = result
        return result


def _make(rule, n_state, counted, slots, formula, n_params, scalars, pieces_kind=None):
    text = generate(rule, n_state, counted, slots, formula, n_params, pieces_kind)
    folder = cache_dir()
    if folder is None:
        raise NotCompilable("no writable cache folder")
    # The shared library is the cache: numba need not keep its own for the functions it compiles on the way.
    full = text.replace("cache=True", "cache=False") + entry_text(n_state, slots, scalars, n_params, pieces_kind)
    so = folder / f"optimizer_lab_kernel_{hashlib.sha256((full + _cpu()).encode()).hexdigest()[:20]}.so"
    shared = os.environ.get(SWITCH, "1").strip() != "numba"  # "numba": numba's dispatcher only (tests, benchmarks)
    if shared and so.exists() and so.with_suffix(".name").exists():
        try:
            result = Kernel(_load_shared(so, scalars, n_params), n_state, slots, "shared library")
            _warm_up(result, scalars, n_params)
            return result
        except Exception as exc:  # a damaged file: build it again
            log.info("batched engine: %s not loaded (%s), building it again", so.name, exc)
    try:
        import numba  # noqa: F401  (the compiler; imported only when a kernel is not built yet)
    except Exception as exc:  # ImportError, or a broken install
        _disable(f"numba not importable: {type(exc).__name__}: {exc}")
        return None
    if shared:
        try:
            _build_shared(_load(full), so)
            result = Kernel(_load_shared(so, scalars, n_params), n_state, slots, "shared library")
            _warm_up(result, scalars, n_params)
            return result
        except Exception as exc:  # no C compiler, ...: numba's own dispatcher and disk cache
            log.info("batched engine: no shared library (%s: %s); numba's dispatcher used", type(exc).__name__,
                     str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    result = Kernel(_load(text).__dict__["_k_advance"], n_state, slots, "numba")
    _warm_up(result, scalars, n_params)
    return result


def _warm_up(k: Kernel, scalars: tuple, n_params: int) -> None:
    """Compile (or load from the disk cache) the kernel's one signature, on a block of one point, no steps."""
    buf = Buffers(1, k.n_state, k.n_arrays)
    out = np.zeros((1, 2)), np.zeros(1), np.zeros(1), np.zeros(1, np.int8), np.zeros(1, np.int64)
    k.advance(0, 1, 0, 0, buf.W, buf.live, 0.0, 1.0, 0, *out, *scalars, *([0.0] * n_params))


class Buffers:
    """A block's work array, allocated once per run and reused block after block (fresh temporaries cost page
    faults): W (rows, n) and live (n,) for the kernel; X, G (2, n), F, N (n,), S (n_state, 2, n), H (n_per_point,
    n) are views of W's rows."""

    def __init__(self, n: int, n_state: int, n_arrays: int):
        self.W = np.zeros((6 + 2 * n_state + n_arrays, n))
        self.live = np.zeros(n, dtype=np.uint8)
        self.X, self.G, self.F, self.N = self.W[0:2], self.W[2:4], self.W[4], self.W[5]
        self.S = self.W[6:6 + 2 * n_state].reshape(n_state, 2, n)
        self.H = self.W[6 + 2 * n_state:]


def advance(k: Kernel, n: int, k0: int, k1: int, buf: Buffers, tol: float, bound: float, lo: int, out, scalars,
            params, n_threads: int) -> int:
    """Step points 0..n of the block from step k0 to k1 on ``n_threads`` threads; how many are still live.

    The helpers are bare OS threads (``_thread``), started for the call and gone after it: no pool stays behind,
    and a caller that is itself a foreign thread (a QThread) gets no ``threading`` bookkeeping."""
    args = (k0, k1, buf.W, buf.live, tol, bound, lo, *out, *scalars, *params)
    parts = min(n_threads, max(1, n // _MIN_SPLIT))
    if parts <= 1:
        return k.advance(0, n, *args)
    tiles = -(-n // TILE)
    edges = [min(n, (tiles * p // parts) * TILE) for p in range(parts + 1)]
    results: list = [None] * parts
    locks = []
    for p in range(1, parts):
        lock = _thread.allocate_lock()
        lock.acquire()
        locks.append(lock)

        def work(p=p, lock=lock):
            try:
                results[p] = k.advance(edges[p], edges[p + 1], *args)
            except BaseException as exc:  # handed to the caller
                results[p] = exc
            finally:
                lock.release()

        _thread.start_new_thread(work, ())
    results[0] = k.advance(edges[0], edges[1], *args)
    for lock in locks:
        lock.acquire()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return sum(results)


__all__ = ["Buffers", "Kernel", "NotCompilable", "TILE", "advance", "cache_dir", "kernel", "threads"]
