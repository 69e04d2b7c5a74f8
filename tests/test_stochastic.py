"""Minibatches and gradient noise: unbiased over an epoch, a function of (seed, k) only, the same for every racer."""
import json
import math

import numpy as np
import pytest

from lab.errors import LabError
from lab.experiment import Experiment
from lab.objectives import make_objective
from lab.race import Race, RacerSpec
from lab.stochastic import (EPOCH, REPLACEMENT, Minibatches, check_noise, gradient_noise, gradient_source,
                            minibatch_losses)

# Small data sets keep the tests fast; every data-driven objective is covered.
DATA = [("linear_regression", {"n": 24}), ("logistic_regression", {"n": 24}), ("mlp", {"n": 24, "hidden": 4})]
DATA_IDS = [name for name, _ in DATA]


def _point(obj, seed=0):
    return obj.start + 0.3 * np.random.default_rng(seed).standard_normal(obj.dim)


# --- the schedule --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 4, 6, 24])
def test_an_epoch_deals_every_index_exactly_once(batch_size):
    mb = Minibatches(24, batch_size, EPOCH, seed=3)
    per_epoch = 24 // batch_size
    assert mb.batches_per_epoch == per_epoch
    for epoch in range(3):
        batches = [mb.indices(epoch * per_epoch + j) for j in range(per_epoch)]
        assert all(len(b) == batch_size for b in batches)
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(24))


def test_each_epoch_is_shuffled_anew_and_full_batch_is_in_order():
    mb = Minibatches(24, 6, EPOCH, seed=3)
    first = np.concatenate([mb.indices(k) for k in range(4)])
    second = np.concatenate([mb.indices(k) for k in range(4, 8)])
    assert not np.array_equal(first, second) and not np.array_equal(first, np.arange(24))
    full = Minibatches(24, 24, EPOCH, seed=3)
    assert full.full_batch and not mb.full_batch
    for k in range(3):
        np.testing.assert_array_equal(full.indices(k), np.arange(24))


def test_when_the_batch_size_does_not_divide_n_the_last_batch_of_an_epoch_is_smaller():
    mb = Minibatches(10, 4, EPOCH, seed=0)
    assert mb.batches_per_epoch == 3
    sizes = [len(mb.indices(k)) for k in range(6)]
    assert sizes == [4, 4, 2, 4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate([mb.indices(k) for k in range(3)])), np.arange(10))


def test_replacement_draws_each_batch_independently_and_may_repeat_a_sample():
    mb = Minibatches(24, 24, REPLACEMENT, seed=1)
    assert not mb.full_batch
    batches = [mb.indices(k) for k in range(20)]
    assert all(len(b) == 24 and b.min() >= 0 and b.max() < 24 for b in batches)
    # 24 draws from 24 with replacement repeat a sample with probability 1 - 24!/24^24 ≈ 1
    assert all(len(np.unique(b)) < 24 for b in batches)
    counts = np.bincount(np.concatenate([mb.indices(k) for k in range(2000)]), minlength=24)
    assert counts.min() > 0.8 * 2000 and counts.max() < 1.2 * 2000  # uniform: 2000 per sample on average


@pytest.mark.parametrize("sampling", [EPOCH, REPLACEMENT])
def test_the_minibatch_sequence_repeats_with_the_seed_and_differs_with_another(sampling):
    a, b, c = (Minibatches(30, 5, sampling, seed=s) for s in (7, 7, 8))
    seq = lambda mb: np.concatenate([mb.indices(k) for k in range(40)])  # noqa: E731
    np.testing.assert_array_equal(seq(a), seq(b))
    assert not np.array_equal(seq(a), seq(c))
    # a function of k alone: asking out of order gives the same batches
    np.testing.assert_array_equal(a.indices(17), Minibatches(30, 5, sampling, seed=7).indices(17))


@pytest.mark.parametrize(("n", "batch_size", "sampling"), [(0, 1, EPOCH), (5, 0, EPOCH), (5, 6, EPOCH),
                                                           (5, 2, "shuffle")])
def test_bad_schedules_are_refused(n, batch_size, sampling):
    with pytest.raises(LabError):
        Minibatches(n, batch_size, sampling)


# --- unbiased over an epoch ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params"), DATA, ids=DATA_IDS)
@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_over_one_epoch_the_mean_minibatch_gradient_is_the_full_gradient(name, params, batch_size):
    obj = make_objective(name, **params, batch_size=batch_size)
    x = _point(obj)
    epochs = obj.minibatches.batches_per_epoch
    assert epochs * batch_size == 24
    for epoch in range(2):
        grads = [obj.minibatch_grad(x, k) for k in range(epoch * epochs, (epoch + 1) * epochs)]
        np.testing.assert_allclose(np.mean(grads, axis=0), obj.grad(x), rtol=1e-12, atol=1e-15)
        losses = [obj.minibatch_value(x, k) for k in range(epoch * epochs, (epoch + 1) * epochs)]
        assert np.mean(losses) == pytest.approx(float(obj.value(x)), rel=1e-12)
    # one minibatch alone is not the full gradient (that is the noise of SGD)
    if batch_size < 24:
        assert np.abs(obj.minibatch_grad(x, 0) - obj.grad(x)).max() > 1e-6


@pytest.mark.parametrize(("name", "params"), DATA, ids=DATA_IDS)
def test_a_batch_size_that_does_not_divide_n_needs_the_size_weighted_mean(name, params):
    obj = make_objective(name, **params, batch_size=5)  # N = 24: batches of 5, 5, 5, 5, 4
    x = _point(obj, 1)
    ks = range(obj.minibatches.batches_per_epoch)
    sizes = np.array([len(obj.minibatch(k)) for k in ks])
    assert sizes.tolist() == [5, 5, 5, 5, 4]
    grads = np.array([obj.minibatch_grad(x, k) for k in ks])
    np.testing.assert_allclose(sizes @ grads / 24, obj.grad(x), rtol=1e-12, atol=1e-15)
    assert np.abs(grads.mean(axis=0) - obj.grad(x)).max() > 1e-6  # the plain mean over-weights the small batch


@pytest.mark.parametrize(("name", "params"), DATA, ids=DATA_IDS)
def test_full_batch_is_deterministic_and_bit_for_bit_the_full_gradient(name, params):
    obj = make_objective(name, **params, batch_size=24)
    assert obj.stochastic is False
    assert gradient_source(obj, 0.0, seed=0) is None  # the race's exact fast path
    x = _point(obj, 2)
    np.testing.assert_array_equal(obj.minibatch_grad(x, 5), obj.grad(x))
    assert make_objective(name, **params, batch_size=24, sampling="replacement").stochastic is True


# --- gradient noise ------------------------------------------------------------------------------------------------

def test_noise_repeats_with_the_seed_differs_with_another_and_has_the_asked_scale():
    np.testing.assert_array_equal(gradient_noise(0.5, 3, 10, 2), gradient_noise(0.5, 3, 10, 2))
    assert not np.array_equal(gradient_noise(0.5, 3, 10, 2), gradient_noise(0.5, 4, 10, 2))
    assert not np.array_equal(gradient_noise(0.5, 3, 10, 2), gradient_noise(0.5, 3, 11, 2))
    draws = np.array([gradient_noise(0.5, 3, k, 2) for k in range(4000)])
    assert draws.std() == pytest.approx(0.5, rel=0.05)
    assert np.abs(draws.mean(axis=0)).max() < 0.05
    np.testing.assert_array_equal(gradient_noise(0.5, -1, 0, 2), gradient_noise(0.5, -1, 0, 2))  # any int seed


def test_noise_and_minibatches_are_independent_streams_even_with_equal_seeds():
    obj = make_objective("linear_regression", n=24, batch_size=4, sampling="replacement", seed=5)
    z = gradient_noise(1.0, 5, 0, 4)
    assert not np.array_equal(np.sort(obj.minibatch(0)), np.sort(np.floor(np.abs(z) * 24).astype(int)))
    assert not np.array_equal(obj.start, z[:2])


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, True, "0.1", None])
def test_bad_noise_is_refused(bad):
    with pytest.raises(LabError, match="noise must be a finite number >= 0"):
        check_noise(bad)


def test_gradient_source_is_none_without_minibatches_or_noise():
    quad = make_objective("quadratic")
    assert gradient_source(quad, 0.0, 0) is None
    src = gradient_source(quad, 0.25, seed=9)
    x = np.array([0.3, -0.2])
    np.testing.assert_array_equal(src(x, 4), quad.grad(x) + gradient_noise(0.25, 9, 4, 2))
    obj = make_objective("logistic_regression", n=24, batch_size=6)
    src = gradient_source(obj, 0.1, seed=2)
    np.testing.assert_array_equal(src(obj.start, 3), obj.minibatch_grad(obj.start, 3) + gradient_noise(0.1, 2, 3, 2))


# --- the race -----------------------------------------------------------------------------------------------------

def _sgd_by_hand(obj, start, lr, steps, noise, seed):
    """The lecture's SGD loop, written plainly: the ground truth for a race with minibatches and noise."""
    x = np.array(start, dtype=float)
    xs = [x]
    for k in range(steps):
        idx = obj.minibatch(k)
        g = obj.grad_on(x, idx) if obj.stochastic else obj.grad(x)
        if noise:
            g = g + gradient_noise(noise, seed, k, obj.dim)
        x = x - lr * g
        xs.append(x)
    return np.array(xs)


@pytest.mark.parametrize("sampling", [EPOCH, REPLACEMENT])
def test_two_identical_racers_take_identical_steps_under_minibatches_and_noise(sampling):
    obj = make_objective("linear_regression", n=30, batch_size=4, sampling=sampling, seed=4)
    specs = [RacerSpec("sgd", {"lr": 0.05}, "a"), RacerSpec("adam", {"lr": 0.05}), RacerSpec("sgd", {"lr": 0.05}, "b")]
    race = Race(obj, obj.start, specs, seed=11, max_steps=60, tol=0.0, gradient_source=gradient_source(obj, 0.3, 11))
    race.run()
    a, _, b = race.tracks
    np.testing.assert_array_equal(a.positions, b.positions)
    np.testing.assert_array_equal(a.positions, _sgd_by_hand(obj, obj.start, 0.05, 60, 0.3, 11))
    # the record keeps the exact full-data loss, not the minibatch loss
    np.testing.assert_array_equal(a.losses, obj.value(a.positions))
    calm = Race(obj, obj.start, specs[:1], seed=11, max_steps=60, tol=0.0,
                gradient_source=gradient_source(obj, 0.0, 11)).run()
    assert not np.array_equal(calm.tracks[0].positions, a.positions)
    np.testing.assert_array_equal(calm.tracks[0].positions, _sgd_by_hand(obj, obj.start, 0.05, 60, 0.0, 11))


def test_every_racer_is_handed_the_same_minibatch_at_step_k():
    obj = make_objective("mlp", n=24, hidden=3, batch_size=5)
    seen: dict[int, list] = {}
    source = gradient_source(obj, 0.0, 0)

    def spy(x, k):
        seen.setdefault(k, []).append(obj.minibatch(k).copy())
        return source(x, k)

    specs = [RacerSpec("sgd", {"lr": 0.1}), RacerSpec("momentum", {"lr": 0.05}), RacerSpec("adam", {"lr": 0.01})]
    Race(obj, obj.start, specs, max_steps=12, tol=0.0, gradient_source=spy).run()
    assert sorted(seen) == list(range(12))
    for batches in seen.values():
        assert len(batches) == 3 and all(np.array_equal(b, batches[0]) for b in batches)


def test_noise_pushes_sgd_off_a_saddle_point_where_exact_gradients_leave_it_stuck():
    saddle = make_objective("saddle")
    spec = [RacerSpec("sgd", {"lr": 0.1})]
    stuck = Race(saddle, [0.0, 0.0], spec, max_steps=50, tol=0.0).run().tracks[0]
    assert np.all(stuck.positions == 0.0)
    pushed = Race(saddle, [0.0, 0.0], spec, max_steps=50, tol=0.0,
                  gradient_source=gradient_source(saddle, 0.01, seed=0)).run().tracks[0]
    assert abs(pushed.positions[-1, 1]) > 1.0  # escaped along the descent direction y
    assert pushed.losses[-1] < -1.0


def test_minibatch_losses_are_the_loss_on_each_steps_batch():
    obj = make_objective("logistic_regression", n=24, batch_size=4)
    race = Race(obj, obj.start, [RacerSpec("sgd", {"lr": 0.5})], max_steps=10, tol=0.0,
                gradient_source=gradient_source(obj)).run()
    pos = race.tracks[0].positions
    jitter = minibatch_losses(obj, pos)
    assert jitter.shape == (11,)
    for k in range(11):
        assert jitter[k] == obj.minibatch_value(pos[k], k)
    assert np.abs(jitter - race.tracks[0].losses).max() > 1e-3  # it jitters around the full loss
    quad = make_objective("quadratic")
    np.testing.assert_array_equal(minibatch_losses(quad, pos), quad.value(pos))


# --- experiments ---------------------------------------------------------------------------------------------------

def _experiment(**over):
    data = {"objective": "linear_regression", "params": {"n": 20, "batch_size": 4}, "start": [0.0, 0.0],
            "seed": 3, "steps": 25, "noise": 0.2, "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}]}
    data.update(over)
    return data


def test_experiment_noise_round_trips_and_reruns_bit_for_bit(tmp_path):
    exp = Experiment.from_dict(_experiment())
    assert exp.noise == 0.2
    path = exp.save(tmp_path / "e.json")
    assert json.loads(path.read_text())["noise"] == 0.2
    again = Experiment.load(path)
    first, second = exp.build_race().run(), again.build_race().run()
    np.testing.assert_array_equal(first.tracks[0].positions, second.tracks[0].positions)
    obj = exp.make_objective()
    np.testing.assert_array_equal(first.tracks[0].positions, _sgd_by_hand(obj, [0.0, 0.0], 0.1, 25, 0.2, 3))


def test_experiment_without_noise_key_has_none_and_keeps_the_exact_fast_path():
    exp = Experiment.from_dict(_experiment(objective="rosenbrock", params={}, noise=0.0))
    assert exp.build_race().gradient_source is None
    data = _experiment(objective="rosenbrock", params={})
    del data["noise"]
    assert Experiment.from_dict(data).noise == 0.0


@pytest.mark.parametrize(("noise", "words"), [(-1.0, "noise must be >= 0"), ("0.1", "noise must be a finite number"),
                                             (True, "noise must be a finite number")])
def test_experiment_refuses_bad_noise(noise, words):
    with pytest.raises(LabError, match=words):
        Experiment.from_dict(_experiment(noise=noise))


def test_experiment_noise_set_in_code_is_checked_when_the_race_is_built():
    exp = Experiment.from_dict(_experiment())
    exp.noise = -0.5
    with pytest.raises(LabError, match="noise"):
        exp.build_race()
    with pytest.raises(LabError, match="noise"):
        exp.validate()


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression"])
@pytest.mark.parametrize("batch_size, sampling", [(7, "epoch"), (8, "epoch"), (5, "replacement"), (40, "epoch")])
def test_minibatch_losses_all_rows_at_once_equal_the_row_by_row_loop(name, batch_size, sampling):
    """Stacked batches (a short last batch per epoch when 7 does not divide 40, the full batch, draws with
    replacement), from a step that is not 0: the very numbers of minibatch_value row by row."""
    obj = make_objective(name, n=40, batch_size=batch_size, sampling=sampling, seed=3)
    rng = np.random.default_rng(0)
    pos = obj.start + rng.normal(0, 0.5, (60, 2))
    for first in (0, 13):
        got = minibatch_losses(obj, pos, first)
        want = np.array([obj.minibatch_value(x, first + k) for k, x in enumerate(pos)])
        np.testing.assert_array_equal(got, want)
    groups = list(obj.minibatches.groups(13, 73))
    assert sorted(np.concatenate([ks for ks, _ in groups]).tolist()) == list(range(13, 73))
    for ks, idx in groups:
        assert all(np.array_equal(idx[i], obj.minibatch(int(k))) for i, k in enumerate(ks))


def test_the_network_takes_its_minibatch_losses_row_by_row():
    obj = make_objective("mlp", n=30, batch_size=7)
    pos = obj.start + np.random.default_rng(1).normal(0, 0.1, (5, obj.dim))
    np.testing.assert_array_equal(minibatch_losses(obj, pos, 4),
                                  [obj.minibatch_value(x, 4 + k) for k, x in enumerate(pos)])
