"""The shipped lessons: each one's claim checked by running its pages' experiments headless with the lab engine."""
from __future__ import annotations

import numpy as np
import pytest

from lab.gradcheck import grad_check, numeric_grad, relative_error
from lab.lessons import all_lessons, lesson_names, load_lesson
from lab.objectives import OBJECTIVES, make_objective
from lab.stochastic import minibatch_losses

ORDER = ["gradient_check", "learning_rate", "sgd_minibatch", "ill_conditioned", "saddle_and_local_min", "momentum",
         "nesterov", "adagrad", "rmsprop", "adam", "newton", "basins", "network"]


def run(name: str, page: int, steps: int | None = None):
    """Page ``page`` of lesson ``name`` raced to its end (or ``steps``); the race and its tracks by label."""
    exp = load_lesson(name).experiment(page)
    if steps is not None:
        exp.steps = steps
    race = exp.build_race()
    race.run()
    return race, {t.spec.label: t for t in race.tracks}


def test_the_lessons_follow_the_lecture_in_order():
    assert lesson_names() == ORDER
    for lesson in all_lessons():
        assert 1 <= len(lesson.pages) <= 4
        for page in lesson.pages:
            assert page.title and page.watch
            page.experiment.validate()


# 1. the gradient check -------------------------------------------------------------------------------------------
def test_gradient_check_passes_for_the_true_gradient_and_fails_for_the_planted_mistake():
    right = load_lesson("gradient_check").experiment(1).make_objective()
    wrong = load_lesson("gradient_check").experiment(2).make_objective()
    assert wrong.params == {"mistake": "missing_factor_2"}
    rng = np.random.default_rng(1)
    points = rng.uniform([-2, -3.5], [5, 3.5], (50, 2))
    for p in points:
        assert grad_check(right, p) < 1e-8
    # wrong by x in the first coordinate: the check fails wherever x is not small ...
    errors = np.array([grad_check(wrong, p) for p in points])
    assert np.all(errors[np.abs(points[:, 0]) > 0.5] > 0.05)
    x, y = 1.0, -1.0  # by hand: a = (x + y − 2 − sin x, x + 2y), n = (2x + y − 2 − sin x, x + 2y)
    a, n = np.array([x + y - 2 - np.sin(x), x + 2 * y]), np.array([2 * x + y - 2 - np.sin(x), x + 2 * y])
    assert grad_check(wrong, np.array([x, y])) == pytest.approx(np.linalg.norm(a - n) / max(np.linalg.norm(a),
                                                                                           np.linalg.norm(n)), rel=1e-8)
    # ... and passes on the line x = 0, where the missing x·1 is zero
    assert grad_check(wrong, np.array([0.0, 1.3])) < 1e-8


def test_gradient_check_error_grows_for_large_and_tiny_h():
    obj = load_lesson("gradient_check").experiment(1).make_objective()
    x = np.array([1.0, -1.0])
    err = {h: relative_error(obj.grad(x), numeric_grad(obj.value, x, h)) for h in (1.0, 1e-3, 1e-13)}
    assert err[1e-3] < 1e-10          # the sweet spot
    assert err[1.0] > 1e-4            # truncation: cos x is not a polynomial
    assert err[1e-13] > 1e-6          # rounding: f(x ± h) agree in almost every digit


def test_gradient_descent_on_the_wrong_gradient_stops_where_the_wrong_gradient_vanishes():
    _, right = run("gradient_check", 1)
    _, wrong = run("gradient_check", 2)
    (r,), (w,) = right.values(), wrong.values()
    assert r.status == w.status == "converged"
    np.testing.assert_allclose(r.x, [1.952116, -0.976058], atol=1e-5)   # f's minimum
    np.testing.assert_allclose(w.x, [3.430394, -1.715197], atol=1e-5)   # zero of (x + y − 2 − sin x, x + 2y)
    assert w.losses[-1] - r.losses[-1] > 2.0


def test_the_lesson_objective_is_not_listed_but_usable_by_name():
    assert "wrong_gradient" not in OBJECTIVES
    assert make_objective("wrong_gradient").params == {"mistake": "none"}


# 2. the learning rate against 2/λmax ------------------------------------------------------------------------------
def test_learning_rate_diverges_past_two_over_lambda_max():
    obj = load_lesson("learning_rate").experiment(1).make_objective()
    lam_max = np.linalg.eigvalsh(obj.hessian(np.zeros(2))).max()
    assert lam_max == pytest.approx(10.0)
    _, t = run("learning_rate", 1)
    assert 0.21 > 2 / lam_max and t["GD lr=0.21"].status == "diverged"
    assert t["GD lr=0.1"].status == "converged"
    assert t["GD lr=0.01"].status == "max_steps" and np.linalg.norm(t["GD lr=0.01"].x) > 0.2  # crawling
    _, t = run("learning_rate", 2)
    assert t["GD lr=0.19"].status == "converged"
    y = t["GD lr=0.19"].positions[:20, 1]
    assert np.all(y[1:] * y[:-1] < 0)  # the steep coordinate flips sign every step: (1 − 0.19·10) = −0.9
    assert t["GD lr=0.19"].status_step > t["GD lr=0.1"].status_step
    _, t = run("learning_rate", 3)  # κ = 40: 2/λmax = 0.05
    assert [t[k].status for k in ("GD lr=0.01", "GD lr=0.1", "GD lr=0.19")] == ["max_steps", "diverged", "diverged"]


# 3. full batch vs SGD ---------------------------------------------------------------------------------------------
def test_smaller_batches_make_a_noisier_path():
    spread = {}
    for page, batch in ((1, 50), (2, 5), (3, 1)):
        race, t = run("sgd_minibatch", page)
        assert race.objective.params["batch_size"] == batch
        spread[batch] = np.linalg.norm(t["GD lr=0.1"].positions[-100:].std(axis=0))
    minimum = make_objective("linear_regression").minima[0]
    _, t = run("sgd_minibatch", 1)
    assert np.linalg.norm(t["GD lr=0.1"].x - minimum) < 1e-3  # full batch: settles at the minimum
    assert spread[50] < 0.01 < spread[5] < spread[1]


# 4. κ and the zig-zag ---------------------------------------------------------------------------------------------
def test_ill_conditioning_slows_gradient_descent():
    steps = {}
    for page, kappa in ((1, 2), (2, 20), (3, 100)):
        race, t = run("ill_conditioned", page)
        best = t["GD lr=2/(λmin+λmax)"]
        assert best.status == "converged"
        steps[kappa] = best.status_step
        rate = (kappa - 1) / (kappa + 1)  # the theory: error × rate per step, from |x₀| ≈ 2 to |∇f| < 1e-8
        assert steps[kappa] == pytest.approx(np.log(1e-8 / (kappa * 2.2)) / np.log(rate), rel=0.15)
    assert steps[2] < 30 < 150 < steps[20] < 300 < 700 < steps[100]
    # the zig-zag: on κ = 20, lr = 0.09, the steep eigen-coordinate changes sign at every step
    race, t = run("ill_conditioned", 2, steps=30)
    _, vecs = np.linalg.eigh(race.objective.hessian(np.zeros(2)))
    steep = t["GD lr=1.8/λmax"].positions @ vecs[:, 1]
    assert np.all(steep[1:] * steep[:-1] < 0)


# 5. saddle and local minimum --------------------------------------------------------------------------------------
def test_gradient_descent_stops_at_the_saddle_and_in_the_local_minimum():
    _, t = run("saddle_and_local_min", 1)
    assert t["GD lr=0.1"].status == "stationary" and t["GD lr=0.1"].reason == "saddle point"  # not a minimum
    assert np.allclose(t["GD lr=0.1"].x, 0, atol=1e-8)
    _, t = run("saddle_and_local_min", 2)  # 0.001 off the ridge: |y| × 1.2 per step, slides off
    gd = t["GD lr=0.1"]
    assert abs(gd.positions[20, 1]) < 0.05 and gd.status == "diverged"
    _, t = run("saddle_and_local_min", 3)  # noisy gradients kick it off the ridge
    assert t["GD lr=0.1"].status == "diverged" and abs(t["GD lr=0.1"].positions[30, 1]) > 0.01
    race, t = run("saddle_and_local_min", 4)
    gd = t["GD lr=0.02"]
    assert gd.status == "converged"
    np.testing.assert_allclose(gd.x, [1.7476, -0.8738], atol=1e-3)
    assert np.all(np.linalg.eigvalsh(race.objective.hessian(gd.x)) > 0) and gd.losses[-1] > 0.29


# 6. momentum -------------------------------------------------------------------------------------------------------
def test_momentum_rolls_past_the_local_minimum_that_gd_stops_in():
    _, t = run("momentum", 1)
    np.testing.assert_allclose(t["GD lr=0.02"].x, [1.7476, -0.8738], atol=1e-3)
    np.testing.assert_allclose(t["Momentum ρ=0.9"].x, [0.0, 0.0], atol=1e-6)
    _, t = run("momentum", 2)
    np.testing.assert_allclose(t["Momentum ρ=0.5"].x, [1.7476, -0.8738], atol=1e-3)
    _, t = run("momentum", 3)
    assert t["Momentum ρ=0.4"].status_step < 70 < 150 < t["GD lr=0.09"].status_step


# 7. Nesterov -------------------------------------------------------------------------------------------------------
def test_nesterov_arrives_before_plain_momentum():
    race, t = run("nesterov", 1)
    assert t["Nesterov"].status_step < 0.6 * t["Momentum"].status_step
    details = race.details(1)  # the lookahead point the window draws, for the racer where it stopped
    assert "lookahead" in details or "velocity" in details
    _, t = run("nesterov", 2)
    assert t["Nesterov"].status == t["Momentum"].status == "converged"
    assert t["Nesterov"].status_step < 0.7 * t["Momentum"].status_step


# 8. AdaGrad --------------------------------------------------------------------------------------------------------
def test_adagrad_equalises_the_first_steps_then_stalls():
    race, t = run("adagrad", 1, steps=1)
    np.testing.assert_allclose(np.abs(np.diff(t["AdaGrad lr=0.3"].positions, axis=0)), [[0.3, 0.3]], rtol=1e-6)
    # the same path on the round bowl: AdaGrad's step does not depend on each coordinate's scale
    exp = load_lesson("adagrad").page(1).try_experiment(0)
    assert exp.params["kappa"] == 1
    exp.steps = 50
    round_race = exp.build_race()
    round_race.run()
    _, t = run("adagrad", 1, steps=50)
    np.testing.assert_allclose(round_race.tracks[1].positions, t["AdaGrad lr=0.3"].positions, atol=1e-12)
    race, t = run("adagrad", 2)
    ada = t["AdaGrad lr=0.02"]
    assert ada.status == "max_steps" and np.linalg.norm(ada.x) > 0.7  # stalled far from the minimum
    eff = race.details(1)["effective_lr"]
    assert np.all(eff < 0.02 / 30)  # lr/√Σg² has decayed more than 30-fold


# 9. RMSProp --------------------------------------------------------------------------------------------------------
def test_rmsprop_does_not_stall_where_adagrad_does():
    race, t = run("rmsprop", 1)
    assert t["AdaGrad lr=0.02"].status == "max_steps" and t["AdaGrad lr=0.02"].losses[-1] > 1.0
    assert t["RMSProp lr=0.02"].status == "converged" and t["RMSProp lr=0.02"].status_step < 300
    race, _ = run("rmsprop", 1, steps=200)
    ada, rms = race.details(0)["effective_lr"], race.details(1)["effective_lr"]
    assert np.all(rms > 20 * ada)


# 10. Adam's first step ----------------------------------------------------------------------------------------------
def test_adam_first_step_is_about_3_16_lr_without_bias_correction():
    _, t = run("adam", 1, steps=1)
    lr = 0.3
    corrected = np.abs(np.diff(t["Adam"].positions, axis=0))[0]
    uncorrected = np.abs(np.diff(t["Adam, no bias correction"].positions, axis=0))[0]
    np.testing.assert_allclose(corrected, lr, rtol=1e-6)
    np.testing.assert_allclose(uncorrected, lr * 0.1 / np.sqrt(0.001), rtol=1e-6)  # (1 − β₁)/√(1 − β₂)
    assert uncorrected[0] / lr == pytest.approx(3.162, abs=1e-3)
    _, t = run("adam", 2)
    assert np.linalg.norm(t["Adam lr=0.05"].x - 1) < 1e-6
    assert t["RMSProp lr=0.005"].losses[-1] > 1e-3 > 1e-8 > t["Momentum lr=0.001"].losses[-1]


# 11. Newton ---------------------------------------------------------------------------------------------------------
def test_newton_converges_in_one_step_on_the_bowl_whatever_kappa():
    for page in (1, 2):
        race, t = run("newton", page)
        assert t["Newton"].status == "converged" and t["Newton"].status_step == 1
        assert np.linalg.norm(t["Newton"].positions[1]) < 1e-12
    assert race.objective.params["kappa"] == 1000
    race, t = run("newton", 3)  # the saddle: x → 0 at once, |y| doubles (saddle-free Newton)
    newton = t["Newton"].positions
    assert newton[1, 0] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(newton[1:9, 1] / newton[:8, 1], 2.0, rtol=1e-9)
    np.testing.assert_allclose(t["GD lr=0.1"].positions[1:9, 1] / t["GD lr=0.1"].positions[:8, 1], 1.2, rtol=1e-9)
    start = np.array(race.start)  # plain Newton, by hand, would land on the saddle in one step
    assert np.allclose(start - np.linalg.solve(race.objective.hessian(start), race.objective.grad(start)), 0)
    _, t = run("newton", 4)
    assert t["Newton"].status_step <= 10 and t["L-BFGS"].status_step <= 60
    assert t["GD lr=0.001"].status == "max_steps"


# 12. basins ---------------------------------------------------------------------------------------------------------
def test_nearby_starts_end_in_different_himmelblau_minima_and_rastrigin_traps_everyone():
    _, t = run("basins", 1)
    np.testing.assert_allclose(t["GD lr=0.01"].x, [-2.805118, 3.131312], atol=1e-5)
    _, t = run("basins", 2)
    np.testing.assert_allclose(t["GD lr=0.01"].x, [3.0, 2.0], atol=1e-6)
    from lab.basin import basin_map  # the convergence map the lesson points to: all four basins on the grid

    result = basin_map(make_objective("himmelblau"), "sgd", {"lr": 0.01}, grid=24, steps=300)
    assert set(result.label[result.label >= 0].ravel().tolist()) == {0, 1, 2, 3}
    _, t = run("basins", 3)
    for track in t.values():
        np.testing.assert_allclose(track.x, [-2.9849, 2.9849], atol=1e-3)
        assert track.losses[-1] == pytest.approx(17.91, abs=0.01)


# 13. the network ------------------------------------------------------------------------------------------------------
def test_network_minibatch_losses_are_noisy_and_the_full_batch_is_not():
    race, t = run("network", 1, steps=150)
    assert race.objective.dim == 82 and race.objective.stochastic
    sgd = t["SGD lr=0.5"]
    noisy = minibatch_losses(race.objective, sgd.positions[50:], 50)
    assert np.std(np.diff(noisy)) > 5 * np.std(np.diff(sgd.losses[50:]))
    race, t = run("network", 2, steps=150)
    assert not race.objective.stochastic
    full = minibatch_losses(race.objective, t["SGD lr=0.5"].positions[50:], 50)
    np.testing.assert_array_equal(full, t["SGD lr=0.5"].losses[50:])
    assert t["SGD lr=0.5"].losses[-1] < t["SGD lr=0.5"].losses[0]
