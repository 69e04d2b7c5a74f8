"""The batched multi-start engine: each point of a batch ends exactly as it would alone, and cancel is prompt."""
import numpy as np
import pytest

from lab.errors import LabError
from lab.multistart import CONVERGED, DIVERGED, ERROR, MAX_STEPS, RUNNING, multistart
from lab.objectives import make_objective
from lab.objectives.classic import Rosenbrock
from lab.optimizers import batched_specs, make_optimizer
from lab.race import Race, RacerSpec

ROSEN = make_objective("rosenbrock")
RACE_STATUS = {"converged": CONVERGED, "diverged": DIVERGED, "max_steps": MAX_STEPS}

BATCHED = [("sgd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3, "rho": 0.9}), ("nesterov", {"lr": 1e-3}),
           ("adagrad", {"lr": 0.3}), ("rmsprop", {"lr": 0.01}), ("adam", {"lr": 0.05}),
           ("adam", {"lr": 0.05, "amsgrad": True}), ("adamw", {"lr": 0.05, "weight_decay": 0.1}),
           ("newton", {"lr": 0.5}), ("newton", {"damping": 1.0}), ("sgd", {"lr": 1e-3, "weight_decay": 0.1}),
           ("sgd", {"lr": 0.1, "line_search": "armijo"}), ("nesterov", {"lr": 1e-3, "weight_decay": 0.1}),
           ("nadam", {"lr": 0.05}), ("radam", {"lr": 1e-4}), ("adamax", {"lr": 0.05}), ("adadelta", {}),
           ("lion", {"lr": 0.01}), ("qhm", {"lr": 1e-3})]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in hp.items())}" for n, hp in BATCHED]


def _starts(obj, n, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    extra = [obj.minima[0], obj.minima[0] + 1e-9, [40.0, -40.0]]  # converged at once, soon, a far start
    return np.concatenate([rng.uniform(lo, hi, (n, 2)), extra])


@pytest.mark.parametrize(("name", "hp"), BATCHED, ids=IDS)
@pytest.mark.parametrize("objective", ["rosenbrock", "himmelblau"])
def test_every_point_of_the_batch_ends_as_it_would_alone_bit_for_bit(objective, name, hp):
    obj = make_objective(objective)
    starts = _starts(obj, 21)
    kw = dict(steps=120, tol=1e-6, bound=50.0)
    batch = multistart(obj, name, starts, hyperparameters=hp, block=8, **kw)  # blocks of 8: several blocks
    assert not batch.cancelled and (batch.status != RUNNING).all()
    for i, start in enumerate(starts):
        alone = multistart(obj, name, start[None], hyperparameters=hp, **kw)
        race = Race(obj, start, [RacerSpec(name, hp)], max_steps=120, tol=1e-6, bound=50.0).run()
        tr = race.tracks[0]
        for r in (alone, ):
            np.testing.assert_array_equal(batch.x[i], r.x[0])
            assert (batch.status[i], batch.step[i]) == (r.status[0], r.step[0])
        # the race (fast path on floats) agrees to the bit as well
        np.testing.assert_array_equal(batch.x[i], tr.x)
        np.testing.assert_array_equal(batch.loss[i], tr.losses[-1])
        np.testing.assert_array_equal(batch.grad_norm[i], tr.grad_norms[-1])
        assert (batch.status[i], batch.step[i]) == (RACE_STATUS[tr.status], tr.status_step), (i, tr)


def test_a_plain_one_point_loop_agrees_with_the_batch():
    starts = _starts(ROSEN, 10, seed=4)
    opt = make_optimizer("adam", lr=0.02)
    batch = multistart(ROSEN, "adam", starts, hyperparameters={"lr": 0.02}, steps=50, tol=0.0, bound=1e9)
    for i, x in enumerate(starts):
        state = opt.init(x)
        for _ in range(50):
            step, state = opt.update(ROSEN.grad(x), state, x, ROSEN)
            x = x + step
        np.testing.assert_array_equal(batch.x[i], x)
        assert batch.status[i] == MAX_STEPS and batch.step[i] == 50


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam", "newton"])
def test_a_learning_rate_per_point_equals_separate_runs(name):
    q = make_objective("quadratic", kappa=10.0, angle=30.0)
    lrs = np.geomspace(1e-3, 0.5, 13)
    start = np.array([1.5, -0.7])
    batch = multistart(q, name, np.repeat(start[None], len(lrs), axis=0), hyperparameters={"lr": lrs},
                       steps=80, tol=1e-10, bound=1e4, block=4)
    np.testing.assert_array_equal(batch.hyperparameters["lr"], lrs)
    for i, lr in enumerate(lrs):
        alone = multistart(q, name, start, hyperparameters={"lr": float(lr)}, steps=80, tol=1e-10, bound=1e4)
        np.testing.assert_array_equal(batch.x[i], alone.x[0])
        np.testing.assert_array_equal(batch.loss[i], alone.loss[0])
        assert (batch.status[i], batch.step[i]) == (alone.status[0], alone.step[0])


PER_POINT_VALUES = {"lr": np.geomspace(1e-3, 0.5, 9), "eps": np.geomspace(1e-8, 1e-2, 9)}


@pytest.mark.parametrize(("name", "param", "fixed"), [
    (spec.name, param, {}) for spec in batched_specs() for param in spec.per_point if spec.name != "newton"] + [
    ("sgd", "lr", {"line_search": "armijo"}), ("sgd", "lr", {"weight_decay": 0.5}),
    ("momentum", "rho", {"weight_decay": 0.5})])
def test_every_per_point_hyperparameter_equals_separate_runs(name, param, fixed):
    """Each spec's per_point names, one value per point, on a quadratic: the bits of each value alone."""
    q = make_objective("quadratic", kappa=10.0, angle=30.0)
    values = PER_POINT_VALUES.get(param, np.linspace(0.0, 0.95, 9))
    lr = 0.3 if name == "lion" else 0.01  # Lion's steps are lr: big enough to overshoot and turn with the momentum
    hp = {"lr": lr, **fixed} if param != "lr" else dict(fixed)
    start = np.array([1.5, -0.7])
    batch = multistart(q, name, np.repeat(start[None], len(values), axis=0), hyperparameters={**hp, param: values},
                       steps=60, tol=1e-10, bound=1e4, block=4)
    finals = set()
    for i, value in enumerate(values):
        alone = multistart(q, name, start, hyperparameters={**hp, param: float(value)}, steps=60, tol=1e-10, bound=1e4)
        np.testing.assert_array_equal(batch.x[i], alone.x[0])
        assert (batch.status[i], batch.step[i]) == (alone.status[0], alone.step[0])
        finals.add(tuple(alone.x[0]))
    assert len(finals) > 1  # the values really differ in effect


def test_statuses_and_their_steps_on_the_quadratic():
    q = make_objective("quadratic", kappa=10.0)  # gradient descent is stable for lr < 2/10
    start = np.array([[1.0, 1.0]] * 3)
    r = multistart(q, "sgd", start, hyperparameters={"lr": [0.25, 0.15, 1e-4]}, steps=400, tol=1e-9, bound=1e3)
    assert r.status.tolist() == [DIVERGED, CONVERGED, MAX_STEPS]
    assert r.step[0] == int(np.ceil(np.log(1e3) / np.log(1.5)))  # |1 - 0.25·10|^t passes 1e3 at t = 18
    assert r.grad_norm[1] < 1e-9 and r.step[2] == 400
    assert r.counts() == {"running": 0, "converged": 1, "diverged": 1, "max_steps": 1, "error": 0, "stationary": 0}
    at_min = multistart(q, "adam", [[0.0, 0.0]], steps=10)
    assert at_min.status[0] == CONVERGED and at_min.step[0] == 0 and at_min.loss[0] == 0.0
    none = multistart(q, "adam", [[1.0, 0.0]], steps=0)
    assert none.status[0] == MAX_STEPS and none.step[0] == 0 and none.loss[0] == 0.5


class Counting(Rosenbrock):
    """Rosenbrock counting its batch evaluations and the largest batch."""

    def __init__(self):
        super().__init__(1.0, 100.0)
        self.calls, self.largest = 0, 0

    def value_and_grad(self, x):
        self.calls += 1
        self.largest = max(self.largest, len(x))
        return super().value_and_grad(x)


def test_cancel_is_honoured_before_the_next_chunk():
    obj = Counting()
    asked = []

    def should_stop():
        asked.append(obj.calls)
        return len(asked) == 3  # before chunks 1 and 2: go on; before chunk 3: stop

    starts = _starts(obj, 50)
    r = multistart(obj, "adam", starts, steps=1000, tol=0.0, bound=30.0, chunk=5, should_stop=should_stop)
    assert r.cancelled and asked == [1, 6, 11]
    assert obj.calls == 11  # the start and two chunks of 5 steps, nothing after the stop
    running = r.status == RUNNING
    assert running.sum() == len(starts) - 1 and (r.step[running] == 10).all()
    assert r.status[-1] == DIVERGED  # the far start stopped at once
    np.testing.assert_array_equal(r.x[:3], multistart(obj, "adam", starts[:3], steps=10, tol=0.0).x)


def test_cancel_from_progress_stops_the_remaining_blocks_and_progress_counts_point_steps():
    import threading

    stop = threading.Event()
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done >= total // 2:
            stop.set()

    starts = _starts(ROSEN, 97)
    r = multistart(ROSEN, "sgd", starts, hyperparameters={"lr": 1e-4}, steps=40, tol=0.0, block=25, chunk=10,
                   should_stop=stop.is_set, progress=progress)
    total = len(starts) * 40
    assert r.cancelled and all(t == total for _, t in seen)
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and total // 2 <= dones[-1] < total
    assert (r.status[:50] != RUNNING).all() and (r.status[75:] == RUNNING).all() and (r.step[75:] == 0).all()
    full = multistart(ROSEN, "sgd", starts, hyperparameters={"lr": 1e-4}, steps=40, tol=0.0, progress=progress)
    assert not full.cancelled and seen[-1] == (total, total)


def test_memory_stays_bounded_by_the_block():
    obj = Counting()
    multistart(obj, "sgd", _starts(obj, 1000), steps=3, block=128)
    assert obj.largest == 128
    obj2 = Counting()
    multistart(obj2, "adam", _starts(obj2, 40000), steps=1)
    assert obj2.largest == 16384


def test_an_objective_that_raises_marks_its_block_error_and_the_run_goes_on():
    class Fussy(Rosenbrock):
        def value_and_grad(self, x):
            if np.any(x[:, 0] > 10):
                raise RuntimeError("too far east")
            return super().value_and_grad(x)

    obj = Fussy(1.0, 100.0)
    starts = np.array([[0.0, 0.0], [0.5, 0.5], [10.5, 0.0], [1.0, 1.0 + 1e-3]])
    r = multistart(obj, "sgd", starts, hyperparameters={"lr": 1e-3}, steps=5, tol=0.0, bound=1e9, block=2)
    assert r.status.tolist() == [MAX_STEPS, MAX_STEPS, ERROR, ERROR]
    assert r.step[2] == 0 and r.errors == ["step 0: RuntimeError: too far east"]
    later = multistart(obj, "sgd", [[0.5, 0.5], [9.9, 98.5]], hyperparameters={"lr": 1e-3}, steps=5, bound=1e9)
    assert later.status.tolist() == [ERROR, ERROR] and later.step.tolist() == [1, 1]  # 9.9 + 1.92 > 10 at step 1
    assert later.errors == ["step 1: RuntimeError: too far east"] and np.isfinite(later.x).all()


def test_bad_inputs_are_refused_with_what_is_wrong():
    for kwargs, message in [
        (dict(optimizer="adamw", hyperparameters={"weight_decay": [0.1, 0.2]}), "cannot vary per point"),
        (dict(optimizer="adam", hyperparameters={"beta1": [0.8, 0.9]}), "cannot vary per point"),
        (dict(optimizer="sgd", hyperparameters={"lr": [0.1, 0.2, 0.3]}), "3 values for 2 start points"),
        (dict(optimizer="sgd", hyperparameters={"lr": [0.1, -0.2]}), "lr=-0.2"),
        (dict(optimizer="sgd", hyperparameters={"mu": 1}), "no parameter 'mu'"),
        (dict(optimizer="nope"), "unknown optimizer"),
        (dict(optimizer="sgd", steps=-1), "steps"),
        (dict(optimizer="sgd", starts=[[0.0, 0.0, 0.0]]), r"shape \(K, 2\)"),
        (dict(optimizer="sgd", starts=[[np.nan, 0.0]]), "finite"),
        (dict(optimizer="sgd", block=0), "block"),
        (dict(optimizer=make_optimizer("sgd"), hyperparameters={"lr": 1.0}), "built optimizer"),
    ]:
        args = dict(starts=[[0.0, 0.0], [1.0, 2.0]], steps=3)
        args.update(kwargs)
        with pytest.raises(LabError, match=message):
            multistart(ROSEN, args.pop("optimizer"), args.pop("starts"), **args)


def test_a_built_optimizer_runs_as_given():
    opt = make_optimizer("momentum", lr=1e-3, rho=0.5)
    a = multistart(ROSEN, opt, _starts(ROSEN, 5), steps=30)
    b = multistart(ROSEN, "momentum", _starts(ROSEN, 5), hyperparameters={"lr": 1e-3, "rho": 0.5}, steps=30)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.optimizer == "momentum" and a.hyperparameters == {"lr": 1e-3, "rho": 0.5, "weight_decay": 0.0}
