"""The batched engine's compiled path (numba compiling each rule and formula from their own source) gives the NumPy
path's bits: final points, losses, gradient norms, statuses and steps, progress calls and cancellation; and when
numba is missing or cannot compile, the NumPy path runs, logged, never an error."""
import logging
import subprocess
import sys

import numpy as np
import pytest

import lab.engine.multistart as engine
from lab.engine import compiled, kernel_source
from lab.engine.multistart import CONVERGED, DIVERGED, MAX_STEPS, RUNNING, multistart
from lab.objectives import classic, make_objective
from lab.objectives.base import float_safe
from lab.optimizers import OPTIMIZERS, make_optimizer
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.float_steps import FloatSteps
from lab.optimizers.sgd import SGDState

try:
    import numba  # noqa: F401

    HAVE_NUMBA = True
except Exception:  # pragma: no cover - the fall-back is tested below either way
    HAVE_NUMBA = False

needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not importable here")

FLOAT_SAFE = [cls.name for cls in classic.ALL if float_safe(make_objective(cls.name))]

# Every rule, with hyperparameters that take each branch of it (amsgrad, no bias correction, weight decay).
RULES = [("sgd", {"lr": 2e-3}), ("momentum", {"lr": 1e-3, "rho": 0.8}), ("nesterov", {"lr": 2e-3, "rho": 0.95}),
         ("adagrad", {"lr": 0.3, "eps": 1e-3}), ("rmsprop", {"lr": 0.01, "decay_rate": 0.9}),
         ("adam", {"lr": 0.05}), ("adam", {"lr": 0.05, "amsgrad": True}),
         ("adam", {"lr": 0.02, "bias_correction": False}), ("adam", {"lr": 0.1, "beta1": 0.0, "beta2": 0.0}),
         ("adamw", {"lr": 0.05, "weight_decay": 0.3}), ("adamw", {"lr": 0.05, "amsgrad": True,
                                                                 "bias_correction": False})]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in hp.items())}" for n, hp in RULES]


@pytest.fixture(autouse=True)
def compiled_path_on(monkeypatch):
    """tests/conftest.py runs the NumPy path elsewhere; here the compiled one is the subject."""
    monkeypatch.setenv(compiled.SWITCH, "1")


@pytest.fixture
def calls(monkeypatch):
    """How many times the compiled kernel ran (so a test knows which path it saw)."""
    count = [0]
    real = compiled.advance

    def counted(*args, **kw):
        count[0] += 1
        return real(*args, **kw)

    monkeypatch.setattr(compiled, "advance", counted)
    return count


def numpy_path(*args, **kw):
    """The same run on the NumPy path."""
    saved = engine._compiled_plan
    engine._compiled_plan = lambda *a: None
    try:
        return multistart(*args, **kw)
    finally:
        engine._compiled_plan = saved


def starts_for(obj, n=120, seed=0):
    """Points in the plotting box, some far out (they diverge), a minimum (converged at step 0), one past bound."""
    rng = np.random.default_rng(seed)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    extra = [[300.0, -200.0], [-1e3, 1e3], [5e4, 0.0]]
    if len(obj.minima):
        extra += [obj.minima[0], obj.minima[0] + 1e-7]
    return np.concatenate([rng.uniform(lo, hi, (n, 2)), extra])


def assert_same(a, b):
    for name in ("x", "loss", "grad_norm", "status", "step"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.cancelled == b.cancelled and a.errors == b.errors == []
    assert a.hyperparameters.keys() == b.hyperparameters.keys()


@needs_numba
@pytest.mark.parametrize(("objective", "name", "hp"),  # each rule once, on the two objectives in turn: every
                         [(("himmelblau", "rosenbrock")[i % 2], n, hp) for i, (n, hp) in enumerate(RULES)],
                         ids=IDS)  # (rule, formula) pair is a kernel compiled from a cold cache in CI (~1.3 s)
def test_every_rule_compiled_equals_numpy_bit_for_bit(objective, name, hp, calls):
    obj = make_objective(objective)
    starts = starts_for(obj)
    kw = dict(steps=150, hyperparameters=hp, tol=1e-3, bound=1e4, block=64)
    fast = multistart(obj, name, starts, **kw)
    assert calls[0] > 0, "the compiled path did not run"
    assert_same(fast, numpy_path(obj, name, starts, **kw))


OTHER_RULES = [s.name for s in OPTIMIZERS.values()
               if s.first_order and s.batched and s.name not in {n for n, _ in RULES}]


@needs_numba
@pytest.mark.parametrize("name", OTHER_RULES)
def test_every_other_registered_rule_compiled_equals_numpy_bit_for_bit(name, calls):
    """Each rule of the registry not in RULES (the newer optimizers, a plug-in's) on one objective, its defaults."""
    obj = make_objective("himmelblau")
    starts = starts_for(obj)
    kw = dict(steps=150, tol=1e-3, bound=1e4, block=64)
    fast = multistart(obj, name, starts, **kw)
    if FloatSteps.available(make_optimizer(name)):
        assert calls[0] > 0, "the compiled path did not run"
    assert_same(fast, numpy_path(obj, name, starts, **kw))


@needs_numba
@pytest.mark.parametrize("pieces", [
    {"lr": 0.02, "schedule": "warmup_cosine", "warmup": 5, "t_max": 60, "lr_min": 1e-4, "clip_norm": 5.0},
    {"schedule": "step", "step_size": 7, "gamma": 0.5, "clip_value": 3.0, "per_point_lr": True}],
    ids=["warmup_cosine-clip_norm", "step-clip_value-per-point-lr"])
def test_schedules_and_clipping_compiled_equal_numpy_bit_for_bit(pieces, calls):
    obj = make_objective("himmelblau")
    starts = starts_for(obj)
    hp = dict(pieces)
    if hp.pop("per_point_lr", False):
        hp["lr"] = np.random.default_rng(4).uniform(1e-3, 0.05, len(starts))
    kw = dict(steps=150, hyperparameters=hp, tol=1e-3, bound=1e4, block=64)
    fast = multistart(obj, "adam", starts, **kw)
    assert calls[0] > 0, "the compiled path did not run"
    assert_same(fast, numpy_path(obj, "adam", starts, **kw))


@needs_numba
@pytest.mark.parametrize("objective", FLOAT_SAFE)
def test_every_float_safe_objective_compiled_equals_numpy_with_per_point_lr(objective, calls):
    obj = make_objective(objective)
    starts = starts_for(obj, seed=1)
    lrs = np.random.default_rng(2).uniform(1e-3, 0.3, len(starts))
    kw = dict(steps=120, hyperparameters={"lr": lrs, "eps": 1e-6}, tol=1e-4, bound=1e4)
    fast = multistart(obj, "adam", starts, **kw)
    assert calls[0] > 0
    slow = numpy_path(obj, "adam", starts, **kw)
    assert_same(fast, slow)
    assert {DIVERGED, MAX_STEPS} <= set(fast.status.tolist())


@needs_numba
def test_every_ending_and_per_point_hyperparameters(calls):
    obj = make_objective("himmelblau")
    starts = starts_for(obj, n=400, seed=3)
    rng = np.random.default_rng(4)
    hp = {"lr": rng.uniform(1e-4, 0.05, len(starts)), "rho": rng.uniform(0.0, 0.99, len(starts))}
    kw = dict(steps=300, hyperparameters=hp, tol=1e-2, bound=1e4, block=100, chunk=7)
    fast = multistart(obj, "momentum", starts, **kw)
    assert calls[0] > 0
    assert_same(fast, numpy_path(obj, "momentum", starts, **kw))
    assert {CONVERGED, DIVERGED, MAX_STEPS} <= set(fast.status.tolist())
    assert set(fast.step[fast.status == CONVERGED].tolist()) - {0}  # some converge on the way, not only at 0
    zero = multistart(obj, "momentum", starts, **{**kw, "steps": 0})
    assert_same(zero, numpy_path(obj, "momentum", starts, **{**kw, "steps": 0}))


@needs_numba
@pytest.mark.parametrize("stop_after", [0, 1, 4, 11])
def test_progress_and_cancellation_as_on_the_numpy_path(stop_after, calls):
    obj = make_objective("himmelblau")
    starts = starts_for(obj, n=300, seed=5)

    def run(path):
        seen, asked = [], [0]

        def should_stop():
            asked[0] += 1
            return asked[0] > stop_after

        r = path(obj, "adam", starts, steps=40, hyperparameters={"lr": 0.05}, tol=1e-3, block=128, chunk=6,
                 should_stop=should_stop, progress=lambda done, total: seen.append((done, total)))
        return r, seen, asked[0]

    fast, fast_seen, fast_asked = run(multistart)
    slow, slow_seen, slow_asked = run(numpy_path)
    assert_same(fast, slow)
    assert fast_seen == slow_seen and fast_asked == slow_asked
    assert fast.cancelled and (fast.status == RUNNING).any()


def test_without_numba_the_numpy_path_runs_and_says_so(monkeypatch, caplog, tmp_path):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    monkeypatch.setattr(compiled, "cache_dir", lambda: tmp_path)  # and no kernel built before
    monkeypatch.setattr(compiled, "_kernels", {})
    monkeypatch.setattr(compiled, "_disabled_reason", None)
    monkeypatch.setattr(compiled, "advance", lambda *a, **k: pytest.fail("the compiled path ran"))
    obj = make_objective("himmelblau")
    starts = starts_for(obj, n=50)
    with caplog.at_level(logging.WARNING, logger="lab.engine.compiled"):
        r = multistart(obj, "adam", starts, steps=30, hyperparameters={"lr": 0.05})
        again = multistart(obj, "adam", starts, steps=30, hyperparameters={"lr": 0.05})
    assert_same(r, numpy_path(obj, "adam", starts, steps=30, hyperparameters={"lr": 0.05}))
    assert_same(again, r)
    warnings = [rec for rec in caplog.records if "NumPy path" in rec.getMessage()]
    assert len(warnings) == 1 and "numba not importable" in warnings[0].getMessage()  # logged once


def _odd_rule(g, x, t, lr):
    return (-lr * np.sign(g),)  # np is a module: not something the compiled path takes


def test_a_rule_that_cannot_be_compiled_runs_on_numpy_logged(monkeypatch, caplog):
    monkeypatch.setattr(compiled, "advance", lambda *a, **k: pytest.fail("the compiled path ran"))
    obj = make_objective("booth")
    opt = per_coordinate("signs", {"lr": 0.01}, _odd_rule, SGDState)
    with caplog.at_level(logging.WARNING, logger="lab.engine.compiled"):
        r = multistart(obj, opt, starts_for(obj, n=20), steps=10)
    assert r.status.tolist().count(MAX_STEPS) > 0
    assert HAVE_NUMBA is False or any("_odd_rule" in rec.getMessage() for rec in caplog.records)


def test_an_objective_without_a_formula_or_not_float_safe_takes_the_numpy_path(calls):
    for name in ("rastrigin", "six_hump_camel"):
        obj = make_objective(name)
        multistart(obj, "adam", starts_for(obj, n=10), steps=5, hyperparameters={"lr": 0.01})
    assert calls[0] == 0


def test_the_cache_folder_falls_back_when_one_is_not_writable(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker))  # mkdir under a file fails, even for root
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled.cache_dir() == tmp_path / "xdg" / "optimizer-lab"
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(compiled.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    assert compiled.cache_dir().parent == tmp_path / "tmp"


@needs_numba
def test_the_generated_module_holds_the_rule_and_formula_as_written():
    from lab.optimizers.adam import rule
    from lab.objectives.classic import _goldstein_price_parts, goldstein_price
    import inspect

    text = kernel_source.generate(rule, 3, True, (True, False, False, True, False, False, False), goldstein_price, 0)
    for func in (rule, goldstein_price, _goldstein_price_parts):
        assert inspect.getsource(func) in text
    assert "fastmath" not in text


@needs_numba
def test_a_built_kernel_loads_and_runs_without_numba():
    obj = make_objective("himmelblau")
    starts = starts_for(obj, n=100)
    multistart(obj, "adam", starts[:4], steps=1, hyperparameters={"lr": 0.05})  # built (or found) here
    if not any(k is not None and k.how == "shared library" for k in compiled._kernels.values()):
        pytest.skip("no C compiler here: the kernel runs through numba's dispatcher")
    expected = numpy_path(obj, "adam", starts, steps=40, hyperparameters={"lr": 0.05})
    code = ("import sys; sys.modules['numba'] = None; import numpy as np; from lab.engine import compiled; "
            "from lab.engine.multistart import multistart; from lab.objectives import make_objective; "
            "import io; obj = make_objective('himmelblau'); "
            "starts = np.load(io.BytesIO(sys.stdin.buffer.read())); "
            "r = multistart(obj, 'adam', starts, steps=40, hyperparameters={'lr': 0.05}); "
            "assert [k.how for k in compiled._kernels.values()] == ['shared library']; "
            "np.save(sys.stdout.buffer, np.column_stack([r.x, r.loss, r.grad_norm, r.status, r.step]))")
    import io

    buf = io.BytesIO()
    np.save(buf, starts)
    out = subprocess.run([sys.executable, "-c", code], input=buf.getvalue(), capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    got = np.load(io.BytesIO(out.stdout))
    np.testing.assert_array_equal(got, np.column_stack([expected.x, expected.loss, expected.grad_norm,
                                                        expected.status, expected.step]))


@needs_numba
def test_numbas_dispatcher_gives_the_same_bits(monkeypatch):
    monkeypatch.setenv(compiled.SWITCH, "numba")
    monkeypatch.setattr(compiled, "_kernels", {})
    obj = make_objective("himmelblau")
    starts = starts_for(obj, n=200)
    kw = dict(steps=100, hyperparameters={"lr": 0.05}, tol=1e-3, bound=1e4)
    fast = multistart(obj, "adam", starts, **kw)
    assert [k.how for k in compiled._kernels.values()] == ["numba"]
    assert_same(fast, numpy_path(obj, "adam", starts, **kw))
