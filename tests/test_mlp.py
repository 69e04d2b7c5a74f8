"""The mlp objective: a plain for-loop network as ground truth, exact gradient, Hessian and Hessian-vector
products, its data sets, and the window's helpers for it (slices, decision regions, curvature)."""
import math

import numpy as np
import pytest

from lab.curvature import curvature_at
from lab.errors import LabError
from lab.gradcheck import grad_check, hessian_check
from lab.objectives import OBJECTIVES, make_objective
from lab.objectives.mlp import DATASETS, Weights, pack, unpack
from lab.race import Race, RacerSpec
from lab.slices import slice_directions, slice_grid
from lab.stochastic import gradient_source
from lab.views.data_fit import decision_regions, predict_classes

SMALL = {"n": 40, "hidden": 5}  # D = 27: quick dense checks


def _points(obj, k, seed=0, scale=0.7):
    return obj.start + scale * np.random.default_rng(seed).standard_normal((k, obj.dim))


def loop_loss(obj, x):
    """The network written as the lecture would, one data point at a time."""
    h = obj.hidden
    W1, b1 = x[:2 * h].reshape(h, 2), x[2 * h:3 * h]
    W2, b2 = x[3 * h:5 * h].reshape(2, h), x[5 * h:]
    total = 0.0
    for p, y in zip(obj.inputs, obj.targets):
        a = [math.tanh(W1[j, 0] * p[0] + W1[j, 1] * p[1] + b1[j]) for j in range(h)]
        z = [sum(W2[c, j] * a[j] for j in range(h)) + b2[c] for c in range(2)]
        total += math.log(math.exp(z[0]) + math.exp(z[1])) - z[y]
    return total / len(obj.targets)


def test_dimension_layout_and_defaults():
    obj = make_objective("mlp")
    assert obj.dim == 82 == 5 * 16 + 2 and obj.start.shape == (82,) and obj.domain.shape == (82, 2)
    assert obj.params == {"dataset": "spiral", "hidden": 16, "n": 200, "batch_size": 20, "sampling": "epoch", "seed": 0}
    assert OBJECTIVES["mlp"].dim == 82 and "f = " in OBJECTIVES["mlp"].summary
    assert np.all(obj.domain == [-3.0, 3.0]) and obj.minima.shape == (0, 82) and obj.min_value is None
    for h in (1, 4, 30):
        assert make_objective("mlp", hidden=h).dim == 5 * h + 2
    x = np.arange(27.0)
    w = unpack(x, 5)
    assert w.W1.shape == (5, 2) and w.b1.shape == (5,) and w.W2.shape == (2, 5) and w.b2.shape == (2,)
    assert w.W1[0, 1] == 1 and w.b1[0] == 10 and w.W2[0, 0] == 15 and w.W2[1, 0] == 20 and w.b2[1] == 26
    np.testing.assert_array_equal(pack(w), x)
    batch = np.arange(54.0).reshape(2, 27)
    np.testing.assert_array_equal(pack(unpack(batch, 5)), batch)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_value_equals_the_plain_loop(dataset):
    obj = make_objective("mlp", dataset=dataset, **SMALL)
    for x in _points(obj, 3):
        assert float(obj.value(x)) == pytest.approx(loop_loss(obj, x), rel=1e-13)


@pytest.mark.parametrize(("dataset", "hidden"), [("spiral", 16), ("two_moons", 16), ("spiral", 3)])
def test_gradient_and_hessian_pass_the_checks(dataset, hidden):
    obj = make_objective("mlp", dataset=dataset, hidden=hidden, n=60)
    pts = _points(obj, 6, seed=hidden)
    assert grad_check(obj, pts) < 1e-8
    assert hessian_check(obj, pts) < 1e-7


def test_hvp_is_the_dense_hessian_times_v_and_is_symmetric():
    obj = make_objective("mlp")
    rng = np.random.default_rng(3)
    xs = _points(obj, 4, seed=3)
    vs = rng.standard_normal((4, 82))
    hess = obj.hessian(xs)
    np.testing.assert_array_equal(hess, np.swapaxes(hess, -1, -2))
    hv = obj.hvp(xs, vs)
    np.testing.assert_allclose(hv, np.einsum("kij,kj->ki", hess, vs), rtol=0, atol=1e-13 * np.abs(hess).max() * 82)
    u = rng.standard_normal(82)
    assert u @ obj.hvp(xs[0], vs[0]) == pytest.approx(vs[0] @ obj.hvp(xs[0], u), rel=1e-11)
    np.testing.assert_allclose(obj.hvp(xs[0], 3 * vs[0] - u), 3 * hv[0] - obj.hvp(xs[0], u), atol=1e-13)
    # hvp against a difference of exact gradients along v: the R-operator is no finite difference, yet agrees
    t = 1e-5
    fd = (obj.grad(xs[0] + t * vs[0]) - obj.grad(xs[0] - t * vs[0])) / (2 * t)
    np.testing.assert_allclose(hv[0], fd, rtol=0, atol=1e-7)


def test_the_softmax_shift_leaves_h_plus_1_flat_directions():
    """Adding c to both logits changes nothing: b2 + c(1, 1) and W2's rows + u (any u) are flat, so the
    Hessian is singular (κ = ∞) with hidden + 1 zero eigenvalues."""
    obj = make_objective("mlp", **SMALL)
    x = _points(obj, 1, seed=8)[0]
    h = obj.hidden
    flat = [pack(Weights(np.zeros((h, 2)), np.zeros(h), np.zeros((2, h)), np.ones(2)))]
    for j in range(h):
        W2 = np.zeros((2, h))
        W2[:, j] = 1.0
        flat.append(pack(Weights(np.zeros((h, 2)), np.zeros(h), W2, np.zeros(2))))
    for v in flat:
        assert np.abs(obj.hvp(x, v)).max() < 1e-15
        assert float(obj.value(x + 0.3 * v)) == pytest.approx(float(obj.value(x)), rel=1e-14)
    lam = np.linalg.eigvalsh(obj.hessian(x))
    assert (np.abs(lam) < 1e-13).sum() == h + 1


def test_batches_and_chunks_give_the_same_bits_as_single_points():
    obj = make_objective("mlp")
    xs = _points(obj, 200, seed=4)  # more rows than one chunk holds (CHUNK_FLOATS // (200 · 16) = 81)
    value, grad = obj.value_and_grad(xs)
    np.testing.assert_array_equal(value, obj.value(xs))
    np.testing.assert_array_equal(grad, obj.grad(xs))
    for i in (0, 80, 81, 199):
        assert obj.value(xs[i]) == value[i]
        np.testing.assert_array_equal(obj.grad(xs[i]), grad[i])
    np.testing.assert_array_equal(obj.value(xs.reshape(10, 20, 82)), value.reshape(10, 20))
    assert obj.value(np.empty((0, 82))).shape == (0,)
    with pytest.raises(ValueError, match="dimension 82"):
        obj.value(np.zeros(2))


def test_start_and_data_are_seeded():
    a, b, c = (make_objective("mlp", seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.start, b.start)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    assert not np.array_equal(a.start, c.start) and not np.array_equal(a.inputs, c.inputs)
    w = unpack(a.start, 16)
    assert np.all(w.b1 == 0) and np.all(w.b2 == 0) and np.abs(a.start).max() < 3
    assert np.linalg.norm(a.grad(a.start)) > 1e-3


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("n", [4, 7, 200])
def test_data_sets_are_balanced_and_centred(dataset, n):
    obj = make_objective("mlp", dataset=dataset, n=n, batch_size=4)
    assert obj.inputs.shape == (n, 2) and obj.targets.shape == (n,)
    assert abs(int(obj.targets.sum()) - n / 2) <= 0.5
    if n == 200:
        assert np.abs(obj.inputs.mean(axis=0)).max() < 0.2 and np.abs(obj.inputs).max() < 2


def test_training_lowers_the_loss_and_fits_the_moons():
    obj = make_objective("mlp", dataset="two_moons", batch_size=200)
    race = Race(obj, obj.start, [RacerSpec("adam", {"lr": 0.05})], max_steps=300, tol=0.0,
                gradient_source=gradient_source(obj)).run()
    track = race.tracks[0]
    assert track.losses[-1] < 0.1 * track.losses[0]
    wrong = predict_classes(obj, track.x, obj.inputs) != obj.targets
    assert wrong.mean() < 0.03


def test_minibatch_race_uses_lockstep_batches():
    obj = make_objective("mlp", n=60, batch_size=10)
    specs = [RacerSpec("sgd", {"lr": 0.5}), RacerSpec("sgd", {"lr": 0.5})]
    race = Race(obj, obj.start, specs, max_steps=30, tol=0.0, gradient_source=gradient_source(obj, 0.01, 3)).run()
    a, b = race.tracks
    np.testing.assert_array_equal(a.positions, b.positions)
    assert a.losses[-1] < a.losses[0]


def test_decision_regions_follow_the_logits():
    obj = make_objective("mlp", dataset="two_moons")
    x = obj.start
    xs, ys, classes = decision_regions(obj, x, n=30)
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    z = obj.logits(x, grid)
    assert classes.shape == (30, 30) and z.shape == (30, 30, 2)
    np.testing.assert_array_equal(classes, (z[..., 1] > z[..., 0]).astype(int))
    assert xs[0] < obj.inputs[:, 0].min() and xs[-1] > obj.inputs[:, 0].max()


# --- slices ---------------------------------------------------------------------------------------------------------

def test_random_slice_directions_are_orthonormal_and_repeat_with_the_seed():
    obj = make_objective("mlp")
    d = slice_directions(obj, obj.start, "random", seed=5)
    assert d.labels == ("random direction 1", "random direction 2")
    assert np.linalg.norm(d.d1) == pytest.approx(1, abs=1e-15) and np.linalg.norm(d.d2) == pytest.approx(1, abs=1e-15)
    assert abs(d.d1 @ d.d2) < 1e-15
    again = slice_directions(obj, obj.start + 1, "random", seed=5)  # the same directions at any point
    np.testing.assert_array_equal(d.d1, again.d1)
    assert not np.array_equal(d.d1, slice_directions(obj, obj.start, "random", seed=6).d1)


@pytest.mark.parametrize(("name", "params"), [("mlp", {}), ("mlp", SMALL), ("rosenbrock", {})])
def test_hessian_slice_directions_are_the_top_two_eigenvectors(name, params):
    obj = make_objective(name, **params)
    x = obj.start
    d = slice_directions(obj, x, "hessian")
    h = obj.hessian(x)
    lam, vec = np.linalg.eigh(h)
    scale = np.abs(lam).max()
    for v, top, label in ((d.d1, lam[-1], d.labels[0]), (d.d2, lam[-2], d.labels[1])):
        assert np.linalg.norm(v) == pytest.approx(1, abs=1e-12)
        np.testing.assert_allclose(h @ v, top * v, atol=1e-8 * scale)
        assert f"{top:.4g}" in label and label.startswith("Hessian eigenvector")
        assert v[np.abs(v).argmax()] > 0  # signed for a steady picture
    assert abs(d.d1 @ d.d2) < 1e-8


def test_slice_grid_is_the_loss_on_the_plane():
    obj = make_objective("mlp", **SMALL)
    x = obj.start
    d = slice_directions(obj, x, "random")
    alphas, betas, loss = slice_grid(obj, x, d.d1, d.d2, extent=2.0, n=21)
    assert loss.shape == (21, 21) and alphas[0] == -2 and betas[-1] == 2
    assert loss[10, 10] == obj.value(x)
    for i, j in [(0, 0), (3, 17), (20, 5)]:
        assert loss[i, j] == pytest.approx(float(obj.value(x + alphas[i] * d.d1 + betas[j] * d.d2)), rel=1e-14)
    with pytest.raises(LabError, match="unknown slice directions"):
        slice_directions(obj, x, "pca")
    with pytest.raises(LabError, match="extent > 0"):
        slice_grid(obj, x, d.d1, d.d2, extent=0.0)


# --- curvature -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_curvature_at_uses_lanczos_above_50_dimensions_and_agrees_with_eigh(seed):
    obj = make_objective("mlp", dataset="two_moons" if seed else "spiral")
    x = _points(obj, 1, seed=seed, scale=0.5)[0]
    lam = np.linalg.eigvalsh(obj.hessian(x))
    c = curvature_at(obj, x)
    assert c.eigenvalues.shape == (2,) and c.eigenvectors.shape == (82, 2)
    np.testing.assert_allclose(c.eigenvalues, [lam[0], lam[-1]], rtol=0, atol=1e-6 * np.abs(lam).max())
    assert c.kind == "saddle" if lam[0] < -1e-8 * np.abs(lam).max() else c.kind in ("degenerate", "minimum")
    assert c.condition_number > 1e12  # the flat softmax-shift directions: numerically singular
    small = make_objective("rosenbrock")
    assert curvature_at(small, small.start).eigenvectors.shape == (2, 2)
