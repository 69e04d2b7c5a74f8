"""sgd's Armijo line search: the accepted α by hand, its evaluation count, the halvings running out, batches, races."""
import numpy as np
import pytest

from lab.objectives import make_objective
from lab.optimizers import OPTIMIZERS, make_optimizer
from lab.optimizers.sgd import ARMIJO_NOTE
from lab.race import CONVERGED, Race, RacerSpec


class Counting:
    """An objective that counts the points it is asked f at (a batch of K points is K evaluations)."""

    def __init__(self, objective):
        self.objective, self.points = objective, 0

    def value(self, x):
        x = np.asarray(x, dtype=float)
        self.points += int(np.prod(x.shape[:-1], dtype=int))
        return self.objective.value(x)


def _by_hand(f, x, g, lr, c=1e-4):
    """The first α in lr, lr/2, lr/4, ... with f(x − αg) ≤ f(x) − c·α·|g|², and how many trials it took."""
    for k in range(51):
        alpha = lr / 2**k
        if f(x - alpha * g) <= f(x) - c * alpha * (g @ g):
            return alpha, k + 1
    return alpha, 51


@pytest.mark.parametrize("lr", [1.0, 0.15, 0.01, 7.3])
@pytest.mark.parametrize("x0", [(-1.8, 1.2), (0.3, -2.0), (1e-3, 5.0)])
def test_the_accepted_step_and_its_evaluations_by_hand(lr, x0):
    q = make_objective("quadratic", kappa=10, angle=30)
    oracle = Counting(q)
    opt = make_optimizer("sgd", lr=lr, line_search="armijo")
    x = np.array(x0)
    state = opt.init(x)
    total = 0
    for _ in range(20):
        g = q.grad(x)
        alpha, trials = _by_hand(lambda z: float(q.value(z)), x, g, lr)
        step, state = opt.update(g, state, x, oracle)
        np.testing.assert_array_equal(x + step, x - alpha * g)
        assert state.alpha == alpha and not state.exhausted
        total += 1 + trials  # f(x) and each trial point
        assert state.evaluations == total == oracle.points
        np.testing.assert_array_equal(opt.details(g, state, x)["effective_lr"], [alpha, alpha])
        assert opt.details(g, state, x)["evaluations"] == total
        assert opt.note(state) == ""
        x = x + step


def test_a_sufficient_decrease_never_found_takes_the_fiftieth_halving():
    q = make_objective("quadratic", kappa=4)
    opt = make_optimizer("sgd", lr=0.5, line_search="armijo")
    x = np.array([1.0, 1.0])
    uphill = -q.grad(x)  # −∇f: every trial goes up
    oracle = Counting(q)
    step, state = opt.update(uphill, opt.init(x), x, oracle)
    np.testing.assert_array_equal(step, -(0.5 / 2**50) * uphill)
    assert state.alpha == 0.5 * 0.5**50 and state.exhausted
    assert state.evaluations == oracle.points == 1 + 51
    assert opt.note(state) == ARMIJO_NOTE and "\n" not in ARMIJO_NOTE and "50" in ARMIJO_NOTE


def test_weight_decay_searches_on_f_plus_its_penalty():
    """φ = f + ½·wd·|x|², g = ∇f + wd·x: the search accepts by φ, as for that objective itself."""
    q = make_objective("quadratic", kappa=10, angle=30)
    wd = 3.0
    opt = make_optimizer("sgd", lr=2.0, line_search="armijo", weight_decay=wd)
    x = np.array([-1.8, 1.2])
    g = q.grad(x) + wd * x
    alpha, _ = _by_hand(lambda z: float(q.value(z)) + 0.5 * wd * float(z @ z), x, g, 2.0)
    step, state = opt.update(q.grad(x), opt.init(x), x, q)
    np.testing.assert_array_equal(x + step, x - alpha * g)
    assert state.alpha == alpha < 2.0


def test_a_batch_searches_each_point_on_its_own_with_its_own_lr():
    rosen = make_objective("rosenbrock")
    xs = np.array([[-1.5, 2.0], [0.9, 0.8], [2.0, -1.0], [1.0, 1.0]])  # the last is the minimum: g = 0
    lrs = np.array([[1e-3], [0.5], [1.0], [0.1]])
    opt = OPTIMIZERS["sgd"].factory(lr=lrs, weight_decay=0.0, line_search="armijo")  # lr per point, as multistart
    oracle = Counting(rosen)
    step, state = opt.update(rosen.grad(xs), opt.init(xs), xs, oracle)
    for k in range(len(xs)):
        alone = make_optimizer("sgd", lr=float(lrs[k, 0]), line_search="armijo")
        s1, st1 = alone.update(rosen.grad(xs[k]), alone.init(xs[k]), xs[k], rosen)
        np.testing.assert_array_equal(step[k], s1)
        assert (state.alpha[k], state.evaluations[k]) == (st1.alpha, st1.evaluations)
    assert oracle.points == state.evaluations.sum()
    assert state.alpha[3] == 0.1 and state.evaluations[3] == 2  # g = 0: lr is accepted at once (0 ≤ 0)
    assert opt.note(state) == ""


def test_a_race_above_the_stability_limit_still_converges_and_is_the_general_path():
    """lr = 10/λmax: plain sgd diverges; the search halves it back and converges."""
    q = make_objective("quadratic", kappa=10.0)
    specs = [RacerSpec("sgd", {"lr": 1.0}), RacerSpec("sgd", {"lr": 1.0, "line_search": "armijo"})]
    race = Race(q, [1.0, 1.0], specs, max_steps=500, tol=1e-9).run()
    plain, searched = race.tracks
    assert plain.status != CONVERGED and searched.status == CONVERGED
    assert searched._floats is None  # it evaluates f: the race runs its update
    assert np.all(np.diff(searched.losses) <= 0)  # sufficient decrease: f never rises
    assert race.details(1)["evaluations"] >= 2 * searched.steps


def test_the_search_starts_from_the_scheduled_lr():
    """f = ½|x|² (g = x), lr = 0.5·0.5^t (exponential, γ = 0.5): every first trial is accepted, x ← x − α_t·x."""
    q = make_objective("quadratic", kappa=1.0)
    opt = make_optimizer("sgd", lr=0.5, line_search="armijo", schedule="exponential", gamma=0.5)
    x = np.array([1.0, -2.0])
    ref = x.copy()
    state = opt.init(x)
    for t in range(8):
        step, state = opt.update(q.grad(x), state, x, q)
        x = x + step
        alpha = 0.5 * 0.5**t
        ref = ref - alpha * ref
        np.testing.assert_array_equal(x, ref)
        assert state.alpha == alpha and state.count == t + 1 and state.evaluations == 2 * (t + 1)
    assert opt.details(q.grad(x), state, x)["lr"] == 0.5 * 0.5**8


def test_the_gradient_is_clipped_before_the_search():
    q = make_objective("quadratic", kappa=1.0)
    x = np.array([3.0, 4.0])  # |g| = 5
    opt = make_optimizer("sgd", lr=1.0, line_search="armijo", clip_norm=1.0)
    step, state = opt.update(q.grad(x), opt.init(x), x, q)
    np.testing.assert_allclose(x + step, [2.4, 3.2], rtol=1e-15)
    opt = make_optimizer("sgd", lr=1.0, line_search="armijo", clip_value=0.5, weight_decay=1.0)
    step, _ = opt.update(q.grad(x), opt.init(x), x, q)  # g = clip(x, ±0.5) + 1·x = (3.5, 4.5)
    _, trials = _by_hand(lambda z: float(q.value(z)) + 0.5 * float(z @ z), x, np.array([3.5, 4.5]), 1.0)
    np.testing.assert_array_equal(step, -(1.0 / 2 ** (trials - 1)) * np.array([3.5, 4.5]))
