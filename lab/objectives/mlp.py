"""A small neural network as an objective: 2 inputs, h tanh units, K outputs, softmax cross-entropy.

K is 2 for the generated data sets and the number of classes (2 to 10) for data from a file. The parameter
vector x of dimension D = 2h + h + Kh + K (82 for h = 16, K = 2) holds, in this order::

    W1 (h × 2, row-major), b1 (h), W2 (K × h, row-major), b2 (K)

and for a data point p with class yᵢ ∈ {0, ..., K − 1}::

    a = tanh(W1 p + b1),   z = W2 a + b2,   ℓᵢ = −log softmax(z)[yᵢ] = logsumexp(z) − z[yᵢ]

Gradients by backpropagation; exact Hessian-vector products by Pearlmutter's R-operator (forward-mode
differentiation of the backward pass), so ``hvp(x, v)`` = ∇²f(x)·v to rounding, with no finite differences.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from lab.errors import LabError
from lab import dataset as dataset_kinds
from lab.objectives import own_data
from lab.objectives.data import CLASSIFICATION, DataObjective, minibatch_params, minibatches_for, n_param
from lab.params import Param
from lab.stochastic import DATA_STREAM, INIT_STREAM, stream

CHUNK_FLOATS = 2**18
"""Batches of parameter vectors are evaluated in chunks so that one (chunk, n, h) array stays below 2 MB."""


def spiral(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms (about 0.75 turn each, radius 0.1 … 1, angular jitter 0.15 rad)."""
    counts = (n - n // 2, n // 2)
    points, labels = [], []
    for c, m in enumerate(counts):
        r = np.linspace(0.1, 1.0, m)
        theta = c * np.pi + 1.5 * np.pi * r + 0.15 * rng.standard_normal(m)
        points.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=-1))
        labels.append(np.full(m, c))
    return np.concatenate(points), np.concatenate(labels)


def two_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking half circles (scikit-learn's make_moons shape), Gaussian noise 0.1, centred at 0."""
    counts = (n - n // 2, n // 2)
    t0, t1 = np.linspace(0, np.pi, counts[0]), np.linspace(0, np.pi, counts[1])
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=-1)
    inner = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=-1)
    points = np.concatenate([outer, inner]) - np.array([0.5, 0.25]) + 0.1 * rng.standard_normal((n, 2))
    return points, np.concatenate([np.zeros(counts[0], int), np.ones(counts[1], int)])


DATASETS: dict[str, Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "spiral": spiral, "two_moons": two_moons}


class Weights(NamedTuple):
    """The network's weights, each with the parameter vectors' leading axes: W1 (..., h, 2), b1 (..., h),
    W2 (..., K, h), b2 (..., K)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


def unpack(x: np.ndarray, hidden: int, classes: int = 2) -> Weights:
    """Views of the flat vector(s) x (..., (3 + K)h + K) as the four weight arrays (K = ``classes``)."""
    h, k, lead = hidden, classes, x.shape[:-1]
    return Weights(x[..., :2 * h].reshape(lead + (h, 2)), x[..., 2 * h:3 * h],
                   x[..., 3 * h:(3 + k) * h].reshape(lead + (k, h)), x[..., (3 + k) * h:(3 + k) * h + k])


def pack(w: Weights) -> np.ndarray:
    """The flat vector(s) (..., (3 + K)h + K) of ``w``."""
    lead = w.b2.shape[:-1]
    return np.concatenate([w.W1.reshape(lead + (-1,)), w.b1, w.W2.reshape(lead + (-1,)), w.b2], axis=-1)


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class _Forward(NamedTuple):
    """The forward pass on M parameter vectors and n points: activations a (M, n, h), log-probabilities
    logp (M, n, 2)."""

    a: np.ndarray
    logp: np.ndarray


class _Backward(NamedTuple):
    """The backward pass: dL/dz (M, n, 2) and dL/da (M, n, h)."""

    dz2: np.ndarray
    da: np.ndarray


# The passes work in place where they can: a fresh (M, n, h) array per operation costs page faults that take
# longer than the arithmetic (x·(1 − a²) on 8 × 200 × 16 floats: 190 µs with temporaries, 15 µs in place).

def _forward(w: Weights, p: np.ndarray) -> _Forward:
    a = p @ _t(w.W1)
    a += w.b1[:, None, :]
    np.tanh(a, out=a)
    logp = a @ _t(w.W2)
    logp += w.b2[:, None, :]
    if logp.shape[-1] == 2:
        logp -= np.logaddexp(logp[..., 0], logp[..., 1])[..., None]
    else:  # log-sum-exp over the K outputs, shifted by their largest
        top = logp.max(axis=-1, keepdims=True)
        logp -= top + np.log(np.sum(np.exp(logp - top), axis=-1, keepdims=True))
    return _Forward(a, logp)


def _backward(w: Weights, fw: _Forward, onehot: np.ndarray) -> _Backward:
    dz2 = np.exp(fw.logp)
    dz2 -= onehot
    dz2 /= len(onehot)
    return _Backward(dz2, dz2 @ w.W2)


def _loss(fw: _Forward, onehot: np.ndarray) -> np.ndarray:
    return -np.mean(np.sum(fw.logp * onehot, axis=-1), axis=-1)


def _slope(a: np.ndarray) -> np.ndarray:
    """tanh' = 1 − a², a new array."""
    out = a * a
    return np.subtract(1.0, out, out=out)


def _grad(fw: _Forward, bw: _Backward, p: np.ndarray) -> np.ndarray:
    dz1 = _slope(fw.a)
    dz1 *= bw.da
    return pack(Weights(_t(dz1) @ p, dz1.sum(-2), _t(bw.dz2) @ fw.a, bw.dz2.sum(-2)))


def _hvp(w: Weights, v: Weights, fw: _Forward, bw: _Backward, p: np.ndarray) -> np.ndarray:
    """R{∇f}: the directional derivative of the backward pass along v (Pearlmutter 1994)::

        R{a} = (1 − a²)·(V1 p + c1),    R{z} = W2 R{a} + V2 a + c2,    R{s} = s·(R{z} − s·R{z})
        R{dz} = R{s} / n,    R{da} = W2ᵀ R{dz} + V2ᵀ dz,    R{dz1} = (1 − a²)·R{da} − 2a·R{a}·da
        R{∇W2} = R{dz} aᵀ + dz R{a}ᵀ,  R{∇b2} = Σ R{dz},  R{∇W1} = R{dz1} pᵀ,  R{∇b1} = Σ R{dz1}
    """
    a, slope = fw.a, _slope(fw.a)
    r_a = p @ _t(v.W1)
    r_a += v.b1[:, None, :]
    r_a *= slope
    r_z2 = r_a @ _t(w.W2)
    r_z2 += a @ _t(v.W2)
    r_z2 += v.b2[:, None, :]
    s = np.exp(fw.logp)
    r_z2 -= np.sum(s * r_z2, axis=-1, keepdims=True)
    r_dz2 = s * r_z2
    r_dz2 /= len(p)
    r_dz1 = r_dz2 @ w.W2
    r_dz1 += bw.dz2 @ v.W2
    r_dz1 *= slope
    bend = a * r_a
    bend *= bw.da
    bend *= 2.0
    r_dz1 -= bend
    return pack(Weights(_t(r_dz1) @ p, r_dz1.sum(-2), _t(r_dz2) @ a + _t(bw.dz2) @ r_a, r_dz2.sum(-2)))


class MLP(DataObjective):
    """A two-layer network: f = (1/N) Σᵢ −log softmax(W2·tanh(W1·pᵢ + b1) + b2)[yᵢ], on a spiral or two moons.

    x is the flat weight vector (W1, b1, W2, b2), dimension 5·hidden + 2 (82 for the default 16 hidden units);
    the start is a seeded small random initialisation (W1 ~ N(0, 1/2), W2 ~ N(0, 1/h), zero biases).
    No 2-D picture: look at slices (lab.slices) and decision regions (lab.data_view). ``minima`` is empty and
    ``min_value`` None (unknown; the loss is > 0). Hessian: dense for checks and small h; ``hvp`` is exact.
    Adding the same number to both outputs changes nothing, so the Hessian always has hidden + 1 zero
    eigenvalues (b2 + c·(1, 1), and W2's rows + u): its condition number is infinite.
    """

    minibatch_values = None  # its loss_on takes one batch at a time: minibatch losses go row by row

    name = "mlp"
    task = CLASSIFICATION
    dim = 82  # for the default hidden = 16; an instance has 5·hidden + 2
    GENERATED = ("dataset", "n", "seed")
    PARAMS = (Param("dataset", "spiral", kind="choice", choices=tuple(DATASETS), doc="the generated data set"),
              Param("hidden", 16, lo=1, hi=64, kind="int", doc="h, the number of tanh units"),
              n_param(200, lo=4), *minibatch_params(20), *own_data.data_params(standardize=True))

    def __init__(self, dataset: str, hidden: int, n: int, batch_size: int, sampling: str, seed: int, data=None,
                 columns=None, standardize: bool = True, data_sha256=None, data_csv=None):
        own = own_data.load(self.name, dataset_kinds.CLASSES, data, columns, standardize, data_sha256, data_csv)
        self.hidden = h = int(hidden)
        if own is None:
            if dataset not in DATASETS:
                raise LabError(f"objective 'mlp': unknown dataset {dataset!r}; choose one of: {', '.join(DATASETS)}")
            points, labels = DATASETS[dataset](n, stream(seed, DATA_STREAM))
            params = {"dataset": dataset, "hidden": h, "n": n, "batch_size": batch_size, "sampling": sampling,
                      "seed": seed}
        else:  # the label's k-th value in sorted order is class k (lab.dataset)
            points, labels, n, seed = own.inputs, own.dataset.targets, own.dataset.n, 0
            batch_size = self.default_batch(n) if batch_size is None else batch_size
            params = {**own.params, "hidden": h, "batch_size": batch_size, "sampling": sampling}
        self.classes = k = 2 if own is None else len(own.dataset.class_names)
        self.dim = (3 + k) * h + k
        self._onehot = np.eye(k)[labels]
        self._onehot.flags.writeable = False
        rng = stream(seed, INIT_STREAM)
        start = pack(Weights(rng.standard_normal((h, 2)) / np.sqrt(2), np.zeros(h),
                             rng.standard_normal((k, h)) / np.sqrt(h), np.zeros(k)))
        super().__init__(params, points, labels, minibatches_for(self.name, n, batch_size, sampling, seed),
                         np.tile([-3.0, 3.0], (self.dim, 1)), np.empty((0, self.dim)), None, start,
                         "minimum unknown (the loss is > 0); start: seeded small random weights; the Hessian is "
                         f"singular everywhere ({h + 1} flat directions: the softmax ignores a shift of all outputs)",
                         own)

    def _data(self, idx) -> tuple[np.ndarray, np.ndarray]:
        if idx is None:
            return self.inputs, self._onehot
        return self.inputs[idx], self._onehot[idx]

    def _rows(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (self.dim,):
            raise ValueError(f"mlp expects points of dimension {self.dim}, got shape {x.shape}")
        return x, x.reshape(-1, self.dim)

    def _map_rows(self, rows: np.ndarray, idx, what: Callable[..., tuple]) -> list[np.ndarray]:
        """``what(chunk, p, onehot)`` on chunks of the rows, each output concatenated over the chunks."""
        p, onehot = self._data(idx)
        step = max(1, CHUNK_FLOATS // (len(p) * self.hidden))
        parts = [what(rows[i:i + step], p, onehot) for i in range(0, max(len(rows), 1), step)]
        return [np.concatenate(col) for col in zip(*parts)]

    def loss_on(self, x, idx):
        x, rows = self._rows(x)
        (value,) = self._map_rows(rows, idx, lambda r, p, onehot: (
            _loss(_forward(unpack(r, self.hidden, self.classes), p), onehot),))
        return value.reshape(x.shape[:-1])

    def grad_on(self, x, idx):
        def grad(r, p, onehot):
            w = unpack(r, self.hidden, self.classes)
            fw = _forward(w, p)
            return (_grad(fw, _backward(w, fw, onehot), p),)
        x, rows = self._rows(x)
        (g,) = self._map_rows(rows, idx, grad)
        return g.reshape(x.shape)

    def loss_and_grad_on(self, x, idx):
        def both(r, p, onehot):
            w = unpack(r, self.hidden, self.classes)
            fw = _forward(w, p)
            return _loss(fw, onehot), _grad(fw, _backward(w, fw, onehot), p)
        x, rows = self._rows(x)
        value, grad = self._map_rows(rows, idx, both)
        return value.reshape(x.shape[:-1]), grad.reshape(x.shape)

    def hvp_on(self, x: np.ndarray, v: np.ndarray, idx) -> np.ndarray:
        """∇²f_idx(x)·v, exact (R-operator), for x and v of broadcastable shapes (..., D)."""
        x, v = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(v, dtype=float))
        x, rows = self._rows(x)
        d = self.dim

        def hvp(r, p, onehot):
            w = unpack(r[:, :d], self.hidden, self.classes)
            fw = _forward(w, p)
            return (_hvp(w, unpack(r[:, d:], self.hidden, self.classes), fw, _backward(w, fw, onehot), p),)
        (out,) = self._map_rows(np.concatenate([rows, v.reshape(-1, d)], axis=-1), idx, hvp)
        return out.reshape(x.shape)

    def hvp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """∇²f(x)·v of the full-data loss, exact (Pearlmutter's R-operator); x, v broadcastable (..., D)."""
        return self.hvp_on(x, v, None)

    def hessian_on(self, x, idx):
        x = np.asarray(x, dtype=float)
        eye = np.eye(self.dim)
        h = self.hvp_on(x[..., None, :], eye, idx)  # row i: H·eᵢ
        return 0.5 * (h + _t(h))

    def logits(self, x: np.ndarray, points: np.ndarray) -> np.ndarray:
        """z = W2·tanh(W1·p + b1) + b2 for one weight vector x (D,) at points (..., 2) in the file's units
        (standardised first when the loss sees standardised points): shape (..., K)."""
        w = unpack(np.asarray(x, dtype=float).reshape(1, self.dim), self.hidden, self.classes)
        p = self.to_model_units(points)
        flat = p.reshape(-1, 2)
        z = np.tanh(flat @ w.W1[0].T + w.b1[0]) @ w.W2[0].T + w.b2[0]
        return z.reshape(p.shape[:-1] + (self.classes,))

    def classify(self, x: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The class (0 ... K − 1) the network with weights x gives each point (..., 2): argmax of the logits
        (for K = 2: 1 where z₁ > z₀, so a tie is class 0)."""
        z = self.logits(x, points)
        if self.classes == 2:
            return (z[..., 1] > z[..., 0]).astype(int)
        return np.argmax(z, axis=-1)
