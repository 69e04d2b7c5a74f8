"""Numerical faults injected into the race engine: NaN and inf losses, singular and NaN Hessians, a start far
outside the plotting domain, learning rates far past the stability bound, an objective that raises.

Every faulty objective comes twice: ``fast`` declares ``float_safe`` (the race steps it on Python floats,
each optimizer's rule on floats, lab/optimizers/elementwise.py) and ``slow`` does not (batched NumPy and each optimizer's ``update``), so both engine paths
meet every fault. The property checked each time: the faulty racer is marked with the step and the reason,
every other racer goes on with exactly the trajectory it has when it races alone, nothing raises, and no
floating-point warning escapes (RuntimeWarnings are errors here, as in the project's pytest settings).
"""
import json
import math
import warnings

import numpy as np
import pytest

from lab.experiment import Experiment
from lab.export import export_race, read_trajectories
from lab.objectives import make_objective
from lab.objectives import classic
from lab.objectives.classic import Quadratic
from lab.optimizers import OPTIMIZERS
from lab.race import CONVERGED, DIVERGED, ERROR, MAX_STEPS, RUNNING, Race, RacerSpec

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


class Faulty(Quadratic):
    """The quadratic bowl (kappa = 10: sgd is stable for lr < 0.2) with a fault where max(|x|, |y|) > edge:
    the loss is NaN (``nan``), +inf (``inf``), or the objective raises (``raise``); only up to ``far``. ``broken = True`` makes
    every point faulty from then on (a fault that appears mid-race)."""

    float_safe = True  # declared again (a subclass must): the race evaluates it on Python floats

    def __init__(self, fault: str, edge: float = 3.0, far: float = math.inf):
        super().__init__(10.0, 0.0)
        self.name, self.fault, self.edge, self.far, self.broken = f"faulty_{fault}", fault, edge, far, False

    def f(self, x, y):
        return self._spoil(super().f(x, y), x, y)

    def fg(self, x, y):
        value, gx, gy = super().fg(x, y)
        return self._spoil(value, x, y), gx, gy

    def _spoil(self, value, x, y):
        size = np.maximum(np.abs(x), np.abs(y))
        bad = (size > self.edge) & (size < self.far)
        if self.broken:
            bad = bad | True
        if self.fault == "raise":
            if np.any(bad):
                raise FloatingPointError(f"cannot evaluate at ({x}, {y})")
            return value
        spoiled = np.where(bad, {"nan": np.nan, "inf": np.inf}[self.fault], value)
        return float(spoiled) if np.ndim(spoiled) == 0 else spoiled


class FaultySlow(Faulty):
    float_safe = False  # the batched path: one NumPy evaluation for all racers, each optimizer's update


class BadHessian(Quadratic):
    """f = ½x² + y: the Hessian diag(1, 0) is singular (``singular``), or NaN everywhere (``nan``)."""

    float_safe = True

    def __init__(self, kind: str):
        super().__init__(1.0, 0.0)
        self.name, self.kind = f"hessian_{kind}", kind

    def f(self, x, y):
        return 0.5 * (x * x) + y

    def g(self, x, y):
        return 1.0 * x, 1.0 + 0.0 * y

    def fg(self, x, y):
        return self.f(x, y), *self.g(x, y)

    def h(self, x, y):
        one = np.ones_like(x)
        if self.kind == "nan":
            return np.nan * one, np.nan * one, np.nan * one
        return 1.0 * one, 0.0 * one, 0.0 * one


class BadHessianSlow(BadHessian):
    float_safe = False


PATHS = {"fast": (Faulty, BadHessian), "slow": (FaultySlow, BadHessianSlow)}

# Racers that stay well inside |x|, |y| <= 3 from (1, 1) on the quadratic, and one that leaves:
# sgd with lr = 0.25 multiplies y by 1 - 0.25·10 = -1.5 each step: |y| = 1.5^k > 3 first at k = 3.
STAYING = [RacerSpec("sgd", {"lr": 0.05}, "sgd"), RacerSpec("momentum", {"lr": 0.02, "rho": 0.5}, "momentum"),
           RacerSpec("nesterov", {"lr": 0.02}, "nesterov"), RacerSpec("adam", {"lr": 0.1}, "adam"),
           RacerSpec("rmsprop", {"lr": 0.01}, "rmsprop"), RacerSpec("adagrad", {"lr": 0.1}, "adagrad"),
           RacerSpec("adamw", {"lr": 0.1}, "adamw"), RacerSpec("newton", {"lr": 0.5}, "newton")]
LEAVING = RacerSpec("sgd", {"lr": 0.25}, "leaves")
START = [1.0, 1.0]


def alone(objective, spec, **kw):
    """The track ``spec`` gets racing by itself."""
    return Race(objective, START, [spec], **kw).run().tracks[0]


def assert_same_track(a, b):
    """Bit for bit the same record (any NaN matching any NaN), status, step, reason and notes."""
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.grad_norms, b.grad_norms)
    assert a.positions.tobytes() == b.positions.tobytes() or np.isnan(a.positions).any()
    assert (a.status, a.status_step, a.reason, a.notes) == (b.status, b.status_step, b.reason, b.notes)


def check_others_as_alone(race, objective, faulty_index, **kw):
    for i, (spec, tr) in enumerate(zip(race.specs, race.tracks)):
        if i != faulty_index:
            assert tr.status != ERROR, tr
            assert_same_track(tr, alone(objective, spec, **kw))


# --- NaN and inf losses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("fault", ["nan", "inf"])
def test_fault_nonfinite_loss_marks_racer_diverged_others_continue(path, fault):
    obj = PATHS[path][0](fault)
    race = Race(obj, START, [STAYING[0], LEAVING, *STAYING[1:]], max_steps=60, tol=1e-12)
    race.run()  # nothing raises
    leaver = race.tracks[1]
    assert (leaver.status, leaver.status_step, leaver.reason) == (DIVERGED, 3, "loss is not finite")
    assert leaver.steps == 3 and np.isfinite(leaver.positions).all()  # the point is recorded, finite
    assert np.isfinite(leaver.losses[:3]).all() and (math.isnan(leaver.losses[3]) if fault == "nan"
                                                     else leaver.losses[3] == np.inf)
    assert leaver.describe_status() == "diverged at step 3: loss is not finite"
    check_others_as_alone(race, obj, 1, max_steps=60, tol=1e-12)
    assert race.step(10) == 0 and race.done  # a finished race stays finished


@pytest.mark.parametrize("path", PATHS)
def test_fault_nan_loss_at_the_start_marks_every_racer_diverged_at_step_0(path):
    obj = PATHS[path][0]("nan", edge=0.5)
    race = Race(obj, START, [LEAVING, *STAYING], max_steps=10)
    assert race.done and race.step_count == 0
    for tr in race.tracks:
        assert (tr.status, tr.status_step, tr.reason) == (DIVERGED, 0, "loss is not finite") and tr.steps == 0


# --- an objective that raises -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_fault_objective_raises_at_one_racers_point_marks_it_error_others_continue(path):
    obj = PATHS[path][0]("raise")
    race = Race(obj, START, [STAYING[0], LEAVING, *STAYING[1:]], max_steps=60, tol=1e-12)
    race.run()
    leaver = race.tracks[1]
    assert (leaver.status, leaver.status_step) == (ERROR, 3)
    assert leaver.reason.startswith("objective failed: FloatingPointError: cannot evaluate at")
    # the point it reached is recorded; the loss and gradient there are unknown (NaN)
    assert leaver.steps == 3 and np.isfinite(leaver.positions).all() and np.isnan(leaver.losses[3])
    assert abs(leaver.positions[3, 1]) == 1.5 ** 3
    check_others_as_alone(race, obj, 1, max_steps=60, tol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_fault_objective_raises_everywhere_marks_every_racer_error_at_step_0(path):
    obj = PATHS[path][0]("raise", edge=-1.0)  # every point is faulty
    race = Race(obj, START, [LEAVING, *STAYING, RacerSpec("lbfgs")], max_steps=10)  # the constructor: no raise
    assert race.done and race.step(5) == 0
    for tr in race.tracks:
        assert (tr.status, tr.status_step) == (ERROR, 0) and tr.reason.startswith("objective failed:")
        assert tr.steps == 0 and np.isnan(tr.losses[0])


@pytest.mark.parametrize("path", PATHS)
def test_fault_objective_starts_raising_mid_race_marks_every_racer_error_at_that_step(path):
    obj = PATHS[path][0]("raise")
    racers = [*STAYING, RacerSpec("lbfgs")]
    race = Race(obj, START, racers, max_steps=100, tol=0.0)
    assert race.step(5) == 5
    before = [tr.positions.copy() for tr in race.tracks]
    obj.broken = True  # from now on the objective raises at every point
    race.step(5)
    assert race.done and race.step_count == 6
    for tr, old in zip(race.tracks, before):
        assert tr.status == ERROR and tr.status_step == 6, tr
        # the first five steps are kept as they were; step 6 is either recorded with NaN loss (the
        # objective failed at the new point) or not taken (the optimizer itself called the objective and
        # it raised: L-BFGS's line search)
        np.testing.assert_array_equal(tr.positions[:6], old)
        assert tr.steps in (5, 6) and (tr.steps == 5 or np.isnan(tr.losses[6]))


# --- Hessians: singular and NaN (Newton) --------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_fault_singular_hessian_newton_takes_a_gradient_step_and_says_so(path):
    obj = PATHS[path][1]("singular")
    race = Race(obj, [2.0, 0.0], [RacerSpec("newton", {"lr": 0.5}), RacerSpec("sgd", {"lr": 0.1})],
                max_steps=20, tol=0.0)
    race.run()
    newton, sgd = race.tracks
    assert newton.status == MAX_STEPS and newton.steps == 20  # not an error: the fallback took over
    # along x (curvature 1) a damped Newton step halves x; along y (curvature 0) a gradient step of lr
    np.testing.assert_array_equal(newton.positions[:, 0], 2.0 * 0.5 ** np.arange(21))
    np.testing.assert_allclose(newton.positions[:, 1], -0.5 * np.arange(21), rtol=0, atol=1e-12)
    assert newton.notes and "Hessian singular" in newton.notes[0][1] and newton.notes[0][0] == 1
    assert_same_track(sgd, Race(obj, [2.0, 0.0], [RacerSpec("sgd", {"lr": 0.1})], max_steps=20, tol=0.0)
                      .run().tracks[0])


@pytest.mark.parametrize("path", PATHS)
def test_fault_nan_hessian_marks_newton_diverged_others_continue(path):
    obj = PATHS[path][1]("nan")
    specs = [RacerSpec("sgd", {"lr": 0.1}), RacerSpec("newton"), RacerSpec("adam", {"lr": 0.1})]
    race = Race(obj, [2.0, 0.0], specs, max_steps=20, tol=0.0)
    race.run()
    newton = race.tracks[1]
    assert (newton.status, newton.status_step, newton.reason) == (DIVERGED, 1, "position is not finite")
    assert newton.notes == [(1, "Hessian not finite: no step possible")]  # why, in the racer's notes
    assert np.isnan(newton.positions[1]).all()
    for i in (0, 2):
        assert_same_track(race.tracks[i], Race(obj, [2.0, 0.0], [specs[i]], max_steps=20, tol=0.0).run().tracks[0])


# --- a start outside the plotting domain --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock"])
@pytest.mark.parametrize("start", [[50.0, -40.0], [-1e5, 1e5], [3.5, 900.0]])
def test_fault_start_outside_the_domain_just_races(name, start):
    """The domain is where the window draws contours, not a limit on the race: a start far outside it races
    like any other (only |x| > bound, 1e6 by default, stops a racer), and the first row is that start."""
    obj = make_objective(name)
    assert not np.all((obj.domain[:, 0] <= start) & (np.array(start) <= obj.domain[:, 1]))
    specs = [RacerSpec("newton"), RacerSpec("adam", {"lr": 0.5}), RacerSpec("lbfgs"), RacerSpec("sgd", {"lr": 1e-9})]
    race = Race(obj, start, specs, max_steps=200).run()
    np.testing.assert_array_equal(race.start, start)
    for spec, tr in zip(specs, race.tracks):
        assert tr.status in (CONVERGED, MAX_STEPS, DIVERGED) and np.isfinite(tr.losses[0]), tr
        np.testing.assert_array_equal(tr.positions[0], start)
        assert_same_track(tr, Race(obj, start, [spec], max_steps=200).run().tracks[0])
    if name == "quadratic":  # Newton lands on the minimum in one step, from anywhere
        newton = race.tracks[0]
        assert (newton.status, newton.status_step) == (CONVERGED, 1) and not newton.positions[1].any()
        assert race.tracks[3].status == MAX_STEPS  # the slow one just walks, far from the drawn box


# --- learning rates far past the stability bound ------------------------------------------------------------


@pytest.mark.parametrize("bound", [1e6, math.inf])
@pytest.mark.parametrize("lr", [1e3, 1e10, 1e300])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "newton"])
@pytest.mark.parametrize("path", ["fast", "slow"])
def test_fault_learning_rate_past_stability_bound_diverges_quickly(path, optimizer, lr, bound):
    """sgd on the kappa = 10 bowl is stable for lr < 2/10, Newton for lr < 2: these blow up geometrically.
    The racer is diverged within a few dozen steps (overflow at the latest), with the step and the reason,
    although a million steps are allowed; no warning, no hang; the stable racer beside it is untouched."""
    obj = Quadratic(10.0, 0.0) if path == "fast" else type("SlowQuadratic", (Quadratic,), {})(10.0, 0.0)
    obj.name = "quadratic"
    fine = RacerSpec("sgd", {"lr": 0.1}, "fine")
    race = Race(obj, START, [RacerSpec(optimizer, {"lr": lr}), fine], max_steps=1_000_000, tol=1e-9, bound=bound)
    race.step(2000)
    wild, ok = race.tracks
    assert wild.status == DIVERGED and 1 <= wild.status_step <= 200, wild
    assert wild.reason in ({"|x| went past 1e+06"} if bound == 1e6 and lr < 1e300 else
                           {"|x| went past 1e+06", "loss is not finite", "position is not finite",
                            "gradient is not finite"})
    assert wild.steps == wild.status_step and not np.isfinite(wild.losses[-1]) or bound == 1e6
    assert ok.status == CONVERGED
    assert_same_track(ok, Race(obj, START, [fine], max_steps=1_000_000, tol=1e-9, bound=bound).run().tracks[0])
    # no hang: the race stopped stepping at once (its last row is the stable racer's convergence), and the
    # diverged racer took no step after it diverged
    assert race.step_count == ok.status_step < 2000 and wild.steps == wild.status_step


SLOW_OBJECTIVES = {c.name: type("Slow" + c.__name__, (c,), {}) for c in classic.ALL}


@pytest.mark.parametrize("path", ["fast", "slow"])
def test_fault_overflow_anywhere_is_never_an_error_and_never_a_warning(path):
    """Every classic objective × every optimizer at lr = 1e3 and 1e300, from its start and from 1e150:
    overflow happens everywhere, and each racer is diverged (or still fine), never 'error' because a
    floating-point warning escaped, and no warning reaches the user (it would be printed on stderr)."""
    racers = [RacerSpec(name, {"lr": lr}, f"{name} {lr:g}") for name in OPTIMIZERS for lr in (1e3, 1e300)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cls in classic.ALL:
            obj = make_objective(cls.name)
            if path == "slow":
                obj.__class__ = SLOW_OBJECTIVES[cls.name]
            for start in (obj.start, [1e150, -1e150]):
                race = Race(obj, start, racers, max_steps=30, tol=0.0)
                race.run()
                for tr in race.tracks:
                    assert tr.status != ERROR, (cls.name, start, tr)
    assert [str(w.message) for w in caught] == []


# --- exports of faulty races --------------------------------------------------------------------------------


def faulty_race(path):
    """A race holding every outcome: NaN loss, +inf loss (overflow, bound = inf), an objective failure,
    a NaN position (Newton on a NaN Hessian is another race: here Newton converges), max_steps, and
    one still running when it is exported."""
    obj = PATHS[path][0]("nan", edge=3.0, far=1e100)
    specs = [RacerSpec("sgd", {"lr": 1e300}, "inf loss"), RacerSpec("sgd", {"lr": 0.25}, "nan loss"),
             RacerSpec("newton", {}, "converges"), RacerSpec("sgd", {"lr": 1e-3}, "slow")]
    exp = Experiment("quadratic", START, specs, params={"kappa": 10.0}, steps=2000, tol=1e-12, bound=1e300)
    race = Race(obj, START, specs, max_steps=exp.steps, tol=exp.tol, bound=math.inf)
    race.step(1500)
    return exp, race


def same_bits(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return (a.shape == b.shape and np.array_equal(nan_a, nan_b)
            and np.where(nan_a, 0.0, a).tobytes() == np.where(nan_b, 0.0, b).tobytes())


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
@pytest.mark.parametrize("path", PATHS)
def test_fault_nonfinite_race_exports_and_reads_back(tmp_path, path, ending):
    exp, race = faulty_race(path)
    inf_loss, nan_loss, newton, slow = race.tracks
    assert (inf_loss.status, inf_loss.status_step, inf_loss.reason) == (DIVERGED, 1, "loss is not finite")
    assert inf_loss.losses[1] == np.inf
    assert (nan_loss.status, nan_loss.reason) == (DIVERGED, "loss is not finite") and np.isnan(nan_loss.losses[-1])
    assert newton.status == CONVERGED and slow.status == RUNNING
    file = export_race(tmp_path / f"faulty{ending}", exp, race)
    back = read_trajectories(file)
    assert [t.label for t in back] == [tr.spec.name for tr in race.tracks]
    for t, tr in zip(back, race.tracks):
        assert same_bits(t.positions, tr.positions) and same_bits(t.losses, tr.losses)
        assert same_bits(t.grad_norms, tr.grad_norms)
        if ending != ".csv":  # CSV holds no statuses
            assert (t.status, t.status_step, t.reason) == (tr.status, tr.status_step, tr.reason)
    text = file.read_bytes()
    if ending == ".csv":
        assert b",inf," in text and b",nan," in text
    if ending == ".json":  # strict JSON: non-finite numbers are the strings "nan", "inf", "-inf"
        doc = json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
        assert doc["results"][0]["trajectory"]["losses"][1] == "inf"
        assert doc["results"][3]["status"] == "running" and doc["results"][3]["status_step"] is None


def test_fault_nan_hessian_race_exports_nan_positions(tmp_path):
    obj = BadHessian("nan")
    specs = [RacerSpec("newton"), RacerSpec("sgd", {"lr": 0.1})]
    exp = Experiment("quadratic", [2.0, 0.0], specs, steps=5, tol=0.0)
    race = Race(obj, [2.0, 0.0], specs, max_steps=5, tol=0.0).run()
    for ending in (".csv", ".npz", ".json"):
        back = read_trajectories(export_race(tmp_path / f"h{ending}", exp, race))
        assert np.isnan(back[0].positions[1]).all() and same_bits(back[1].positions, race.tracks[1].positions)
        if ending == ".json":
            assert back[0].notes == ((1, "Hessian not finite: no step possible"),)
