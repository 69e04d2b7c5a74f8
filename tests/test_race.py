import numpy as np
import pytest

from lab.errors import LabError
from lab.objectives import make_objective
from lab.objectives.base import Function2D
from lab.optimizers import make_optimizer
from lab.race import CONVERGED, DIVERGED, ERROR, MAX_STEPS, RUNNING, Race, RacerSpec

ROSEN = make_objective("rosenbrock")


def lone_run(objective, start, spec, steps):
    """The plain loop a race must reproduce for each racer."""
    opt = spec.build()
    x = np.array(start, dtype=float)
    state = opt.init(x)
    xs = [x]
    for _ in range(steps):
        step, state = opt.update(objective.grad(x), state, x, objective)
        x = x + step
        xs.append(x)
    return np.array(xs)


def test_lockstep_race_equals_each_racer_alone():
    specs = [RacerSpec("sgd", {"lr": 1e-3}), RacerSpec("momentum", {"lr": 1e-3, "rho": 0.9}),
             RacerSpec("nesterov", {"lr": 1e-3}), RacerSpec("adam", {"lr": 0.02}),
             RacerSpec("rmsprop", {"lr": 1e-2}), RacerSpec("newton", {"lr": 0.5})]
    race = Race(ROSEN, [-1.5, 2.0], specs, max_steps=60, tol=0.0)
    race.run()
    for spec, tr in zip(specs, race.tracks):
        expected = lone_run(ROSEN, [-1.5, 2.0], spec, 60)
        np.testing.assert_array_equal(tr.positions, expected)
        np.testing.assert_array_equal(tr.losses, ROSEN.value(expected))
        np.testing.assert_allclose(tr.grad_norms, np.linalg.norm(ROSEN.grad(expected), axis=1), rtol=1e-15)
        assert tr.status == MAX_STEPS and tr.status_step == 60


def test_gradient_descent_on_quadratic_closed_form_through_the_race():
    q = make_objective("quadratic", kappa=5.0, angle=20.0)
    lr, x0 = 0.1, np.array([1.5, -0.5])
    race = Race(q, x0, [RacerSpec("sgd", {"lr": lr})], max_steps=25, tol=0.0).run()
    for t in (0, 1, 7, 25):
        expected = np.linalg.matrix_power(np.eye(2) - lr * q.A, t) @ x0
        np.testing.assert_allclose(race.tracks[0].positions[t], expected, rtol=1e-12, atol=1e-15)


def test_convergence_is_detected_with_its_step():
    q = make_objective("quadratic", kappa=4.0)
    race = Race(q, [1.0, 1.0], [RacerSpec("newton"), RacerSpec("sgd", {"lr": 0.1})], max_steps=500, tol=1e-6)
    race.run()
    newton, sgd = race.tracks
    assert newton.status == CONVERGED and newton.status_step == 1 and newton.steps == 1
    assert sgd.status == CONVERGED
    k = sgd.status_step
    assert sgd.grad_norms[k] < 1e-6 <= sgd.grad_norms[k - 1]
    assert sgd.describe_status() == f"converged at step {k}"


def test_start_at_minimum_converges_at_step_zero():
    race = Race(ROSEN, [1.0, 1.0], [RacerSpec("adam")], max_steps=10)
    assert race.done and race.tracks[0].status == CONVERGED and race.tracks[0].status_step == 0


def test_a_diverging_racer_stops_and_the_others_go_on():
    q = make_objective("quadratic", kappa=10.0)  # 2/λmax = 0.2
    specs = [RacerSpec("sgd", {"lr": 0.25}, label="too fast"), RacerSpec("sgd", {"lr": 0.15}, label="ok")]
    race = Race(q, [1.0, 1.0], specs, max_steps=400, tol=1e-9, bound=1e3)
    race.run()
    fast, ok = race.tracks
    assert fast.status == DIVERGED and "1000" in fast.reason
    # |x_t| grows as |1 - 0.25*10|^t = 1.5^t: past 1e3 first at t = 18
    assert fast.status_step == int(np.ceil(np.log(1e3) / np.log(1.5)))
    assert ok.status == CONVERGED and ok.steps > fast.steps


class Blowup(Function2D):
    """f = 1/x: NaN/inf once x hits 0, raises once x < -5 (to test both fault paths)."""

    name = "blowup"

    def __init__(self):
        super().__init__({}, [[-1, 1], [-1, 1]], [], None, [1, 1])

    def f(self, x, y):
        if np.any(x < -5):
            raise ZeroDivisionError("x went below -5")
        return np.where(x == 0, np.nan, x + 0 * y)

    def g(self, x, y):
        return np.where(x == 0, np.inf, 1.0 + 0 * x), 0 * y

    def h(self, x, y):
        z = 0 * x
        return z, z, z


def test_nonfinite_loss_and_raising_objective_are_marked_not_raised():
    obj = Blowup()
    # sgd lr=1 from x=1: x goes 1 -> 0 (f is NaN: diverged); lr=7: 1 -> -6 (objective raises: error)
    race = Race(obj, [1.0, 0.0], [RacerSpec("sgd", {"lr": 1.0}), RacerSpec("sgd", {"lr": 7.0}),
                                   RacerSpec("sgd", {"lr": 0.01})], max_steps=5, tol=0.0)
    race.run()
    nan_racer, raising, fine = race.tracks
    assert nan_racer.status == DIVERGED and nan_racer.status_step == 1 and "loss" in nan_racer.reason
    assert raising.status == ERROR and raising.status_step == 1 and "below -5" in raising.reason
    assert fine.status == MAX_STEPS and fine.steps == 5
    np.testing.assert_allclose(fine.positions[:, 0], 1.0 - 0.01 * np.arange(6))


def test_chunks_pause_and_resume_give_the_same_race():
    specs = [RacerSpec("adam", {"lr": 0.05}), RacerSpec("lbfgs"), RacerSpec("momentum", {"lr": 1e-3})]
    whole = Race(ROSEN, [-1.5, 2.0], specs, max_steps=300).run()
    chunked = Race(ROSEN, [-1.5, 2.0], specs, max_steps=300)
    taken = [chunked.step(n) for n in (1, 7, 50, 1000, 5)]
    assert taken[:3] == [1, 7, 50] and taken[-1] == 0
    for a, b in zip(whole.tracks, chunked.tracks):
        np.testing.assert_array_equal(a.positions, b.positions)
        assert (a.status, a.status_step) == (b.status, b.status_step)


def test_buffers_grow_past_their_first_capacity():
    race = Race(ROSEN, [-1.5, 2.0], [RacerSpec("sgd", {"lr": 1e-4})], max_steps=3000, tol=0.0).run()
    tr = race.tracks[0]
    assert tr.positions.shape == (3001, 2) and len(tr.losses) == 3001
    np.testing.assert_array_equal(tr.positions, lone_run(ROSEN, [-1.5, 2.0], RacerSpec("sgd", {"lr": 1e-4}), 3000))


def test_newton_notes_say_what_happened_on_a_saddle():
    saddle_like = make_objective("quadratic", kappa=1.0)
    saddle_like.A = np.diag([1.0, -1.0])  # f = ½(x² − y²)
    race = Race(saddle_like, [0.5, 0.1], [RacerSpec("newton")], max_steps=3, tol=0.0).run()
    tr = race.tracks[0]
    assert tr.notes and tr.notes[0][0] == 1 and "indefinite" in tr.notes[0][1]
    assert len(tr.notes) == 1  # the same note is not repeated every step
    assert tr.losses[-1] < tr.losses[0]


def test_details_report_what_to_draw():
    race = Race(ROSEN, [-1.5, 2.0], [RacerSpec("nesterov", {"lr": 1e-3})], max_steps=10).run()
    d = race.details(0)
    np.testing.assert_array_equal(d["x"], race.tracks[0].x)
    np.testing.assert_allclose(d["grad"], ROSEN.grad(race.tracks[0].x))
    np.testing.assert_allclose(d["lookahead"], d["x"])
    assert d["velocity"].shape == (2,) and np.linalg.norm(d["velocity"]) > 0


def test_disabled_racers_are_left_out_and_bad_specs_refused():
    race = Race(ROSEN, [0.0, 0.0], [RacerSpec("sgd", enabled=False), RacerSpec("adam")], max_steps=1)
    assert [t.spec.optimizer for t in race.tracks] == ["adam"]
    with pytest.raises(LabError, match="lr"):
        Race(ROSEN, [0.0, 0.0], [RacerSpec("adam", {"lr": 0})])
    with pytest.raises(LabError, match="2 coordinates"):
        Race(ROSEN, [0.0, 0.0, 1.0], [RacerSpec("adam")])
    with pytest.raises(LabError, match="finite"):
        Race(ROSEN, [np.nan, 0.0], [RacerSpec("adam")])
    with pytest.raises(LabError, match="steps"):
        Race(ROSEN, [0.0, 0.0], [RacerSpec("adam")], max_steps=-1)


def test_zero_steps_and_determinism():
    race = Race(ROSEN, [-1.0, 1.0], [RacerSpec("adam")], max_steps=0)
    assert race.done and race.tracks[0].status == MAX_STEPS and race.tracks[0].steps == 0
    a = Race(ROSEN, [-1.0, 1.0], [RacerSpec("adam", {"lr": 0.1})], seed=3, max_steps=50).run()
    b = Race(ROSEN, [-1.0, 1.0], [RacerSpec("adam", {"lr": 0.1})], seed=3, max_steps=50).run()
    np.testing.assert_array_equal(a.tracks[0].positions, b.tracks[0].positions)
    assert RUNNING == "running"


def test_optimizer_state_is_not_shared_between_racers():
    spec = RacerSpec("adam", {"lr": 0.05})
    race = Race(ROSEN, [-1.5, 2.0], [spec, spec], max_steps=40).run()
    np.testing.assert_array_equal(race.tracks[0].positions, race.tracks[1].positions)
    assert race.tracks[0].state is not race.tracks[1].state
    assert make_optimizer("adam").init(np.zeros(2)).count == 0
