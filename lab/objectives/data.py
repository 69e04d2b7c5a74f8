"""Data-driven losses with two parameters: linear and logistic regression on seeded, generated data sets.

Their trajectories draw on the contour plot of the full-data loss, while the racers step on minibatch gradients.
"""
from __future__ import annotations

import numpy as np

from lab import dataset
from lab.errors import LabError
from lab.objectives import own_data
from lab.objectives.base import Objective
from lab.params import Param
from lab.stochastic import DATA_STREAM, EPOCH, SAMPLINGS, Minibatches, stream

REGRESSION, CLASSIFICATION = "regression", "classification"
CHUNK_FLOATS = 2**21
"""Many points at once (a contour grid) are evaluated in chunks: one (chunk, N) temporary stays below 16 MB."""


def n_param(default: int, lo: int = 2) -> Param:
    return Param("n", default, lo=lo, hi=10_000, kind="int", doc="N, the number of data points")


def minibatch_params(batch_size: int) -> tuple[Param, ...]:
    """batch_size, sampling and seed: the parameters every data-driven objective shares."""
    return (
        Param("batch_size", batch_size, lo=1, hi=10_000, kind="int",
              doc="B, samples per minibatch (1 ... N; N is the full batch: exact gradients)"),
        Param("sampling", EPOCH, kind="choice", choices=SAMPLINGS,
              doc="epoch: shuffle each epoch, without replacement; replacement: draw each minibatch independently"),
        Param("seed", 0, lo=0, hi=2**32 - 1, kind="int", doc="seeds the data set and the minibatch sequence"),
    )


class DataObjective(Objective):
    """f(x) = (1/N) Σᵢ ℓᵢ(x), a mean loss over a data set; at step k a racer steps on f_{Bₖ} = mean over Bₖ.

    Subclasses give ``loss_on(x, idx)``, ``grad_on(x, idx)`` and ``hessian_on(x, idx)``: the mean of ℓᵢ and its
    exact derivatives over the samples ``idx`` (None: all N), batched over x of shape (..., d).
    ``stochastic`` is True unless every minibatch is the full batch.
    """

    task: str = ""
    GENERATED: tuple = ("n", "seed")  # the parameters that generate the data: refused with data=FILE

    def __init__(self, params: dict, inputs: np.ndarray, targets: np.ndarray, minibatches: Minibatches,
                 domain, minima, min_value: float | None, start, notes: str = "",
                 own: own_data.OwnData | None = None):
        self.inputs = np.asarray(inputs, dtype=float)  # what the loss sees: standardised when own.standardize
        self.targets = np.asarray(targets)
        self.inputs.flags.writeable = False
        self.targets.flags.writeable = False
        self.own = own  # the data set from a file (lab.objectives.own_data), or None: generated
        width = 1 if self.inputs.ndim == 1 else self.inputs.shape[1]
        self.shift = np.zeros(width) if own is None else own.shift
        self.scale = np.ones(width) if own is None else own.scale
        self.raw_inputs = self.inputs if own is None else own.raw()  # the points in the file's units
        self.class_names = ("0", "1") if own is None else own.dataset.class_names
        self.columns = (("t", "y") if self.task == REGRESSION else ("p1", "p2", "label")) if own is None \
            else own.dataset.columns
        self.minibatches = minibatches
        self.stochastic = not minibatches.full_batch
        super().__init__(params, domain, minima, min_value, start, notes)

    @classmethod
    def settle(cls, given: dict, values: dict) -> dict:
        """The checked ``values`` for the ``given`` parameters (ObjectiveSpec.make): LabError when they mix
        data=FILE with the parameters that generate data; with data, batch_size None when not given (then the
        default, at most N: ``default_batch``)."""
        own_data.refuse_given(cls.name, given, cls.GENERATED)
        if own_data.has_data(given) and "batch_size" not in given:
            values = {**values, "batch_size": None}
        return values

    @classmethod
    def default_batch(cls, n: int) -> int:
        """The default batch size, or N when the data has fewer rows."""
        return min(next(p.default for p in cls.PARAMS if p.name == "batch_size"), n)

    @property
    def n(self) -> int:
        return len(self.targets)

    @property
    def standardized(self) -> bool:
        return self.own is not None and self.own.standardize

    def to_model_units(self, points: np.ndarray) -> np.ndarray:
        """Points in the file's units as the loss sees them: (p − shift) / scale (unchanged for generated data)."""
        p = np.asarray(points, dtype=float)
        if self.own is None or not self.own.standardize:
            return p
        shift, scale = (self.shift[0], self.scale[0]) if self.task == REGRESSION else (self.shift, self.scale)
        return (p - shift) / scale

    def loss_on(self, x: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def grad_on(self, x: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def hessian_on(self, x: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def loss_and_grad_on(self, x: np.ndarray, idx: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return self.loss_on(x, idx), self.grad_on(x, idx)

    def _chunked(self, method, x: np.ndarray):
        """``method(x, None)`` on the full data, many points x at a time (a contour grid) in chunks, so that the
        (points, N) temporaries stay below CHUNK_FLOATS floats; the same bits as in one call (every sum runs
        along the samples, per point)."""
        x = np.asarray(x, dtype=float)
        if x.ndim < 2 or "targets" not in self.__dict__:  # one point, or while __init__ finds the minimum
            return method(x, None)
        rows = x.reshape(-1, x.shape[-1])
        step = max(1, CHUNK_FLOATS // max(1, self.n))
        if len(rows) <= step:
            return method(x, None)
        parts = [method(rows[i:i + step], None) for i in range(0, len(rows), step)]
        if isinstance(parts[0], tuple):
            return tuple(np.concatenate(p).reshape(x.shape[:-1] + p[0].shape[1:]) for p in zip(*parts))
        return np.concatenate(parts).reshape(x.shape[:-1] + parts[0].shape[1:])

    def value(self, x: np.ndarray) -> np.ndarray:
        return self._chunked(self.loss_on, x)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self._chunked(self.grad_on, x)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        return self._chunked(self.hessian_on, x)

    def value_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._chunked(self.loss_and_grad_on, x)

    def minibatch(self, k: int) -> np.ndarray:
        """Bₖ, the sample indices of step k; a function of (seed, k) only."""
        return self.minibatches.indices(k)

    def minibatch_value(self, x: np.ndarray, k: int) -> np.ndarray:
        """f_{Bₖ}(x) = (1/|Bₖ|) Σ_{i ∈ Bₖ} ℓᵢ(x), the loss on step k's minibatch."""
        return self.loss_on(x, self.minibatch(k))

    def minibatch_values(self, positions: np.ndarray, first: int = 0) -> np.ndarray:
        """Row k: f_{B_(first+k)}(x_k), all rows at once (batches of one size stacked); the same numbers as
        ``minibatch_value`` row by row. For the models whose ``loss_on`` takes stacked rows and batches."""
        positions = np.asarray(positions, dtype=float)
        out = np.empty(len(positions))
        for ks, idx in self.minibatches.groups(first, first + len(positions)):
            out[ks - first] = self.loss_on(positions[ks - first], idx)
        return out

    def minibatch_grad(self, x: np.ndarray, k: int) -> np.ndarray:
        """∇f_{Bₖ}(x), the gradient the racers step on at step k."""
        return self.grad_on(x, self.minibatch(k))


def minibatches_for(name: str, n: int, batch_size: int, sampling: str, seed: int) -> Minibatches:
    """The schedule of objective ``name``, or LabError naming its parameter when batch_size > n."""
    if batch_size > n:
        raise LabError(f"objective {name!r} parameter batch_size={batch_size} is not allowed: "
                       f"expected 1 <= batch_size <= n={n}")
    return Minibatches(n, batch_size, sampling, seed)


def _box(centre: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """A square plotting domain around ``centre`` and a start towards its upper-left corner."""
    domain = np.stack([centre - half, centre + half], axis=-1)
    return domain, centre + half * np.array([-0.8, 0.6])


class LinearRegression(DataObjective):
    """Linear regression: f = (1/N) Σᵢ (w·tᵢ + b − yᵢ)², the mean squared error of the line y = w·t + b; x = (w, b).

    Data: tᵢ ~ U[0, 2], yᵢ = 1·tᵢ + 0.5 + noise·εᵢ, εᵢ ~ N(0, 1), seeded. The t's are not centred, so the
    Hessian 2·[[mean t², mean t], [mean t, 1]] (constant) has κ ≈ 15: a tilted, narrow valley.
    """

    name = "linear_regression"
    task = REGRESSION
    axes = ("w", "b")
    TRUE_LINE = (1.0, 0.5)
    GENERATED = ("n", "noise", "seed")
    PARAMS = (n_param(50), Param("noise", 0.5, lo=0.0, hi=10.0, doc="σ of the Gaussian noise on y"),
              *minibatch_params(5), *own_data.data_params(standardize=False))

    def __init__(self, n: int, noise: float, batch_size: int, sampling: str, seed: int, data=None, columns=None,
                 standardize: bool = False, data_sha256=None, data_csv=None):
        own = own_data.load(self.name, dataset.REGRESSION, data, columns, standardize, data_sha256, data_csv)
        if own is None:
            rng = stream(seed, DATA_STREAM)
            t = rng.uniform(0.0, 2.0, n)
            y = self.TRUE_LINE[0] * t + self.TRUE_LINE[1] + noise * rng.standard_normal(n)
            params = {"n": n, "noise": noise, "batch_size": batch_size, "sampling": sampling, "seed": seed}
        else:  # t standardised or not (own_data), y as it is
            t, y, n, seed = own.inputs, own.dataset.targets, own.dataset.n, 0
            batch_size = self.default_batch(n) if batch_size is None else batch_size
            params = {**own.params, "batch_size": batch_size, "sampling": sampling}
        design = np.stack([t, np.ones(n)], axis=-1)
        best = np.linalg.lstsq(design, y, rcond=None)[0]
        r = best[0] * t + best[1] - y  # as loss_on computes it, so that min_value is f(minimum) to the bit
        minimum = float(np.mean(r * r))
        domain, start = _box(best, 2.5 if own is None else max(2.5, 1.5 * float(np.abs(best).max())))
        batches = minibatches_for(self.name, n, batch_size, sampling, seed)
        super().__init__(params, t, y, batches, domain, [best], minimum, start,
                         "minimum by least squares (np.linalg.lstsq)", own)

    def _residuals(self, x: np.ndarray, idx) -> tuple[np.ndarray, np.ndarray]:
        """r = w·t + b − y over the samples idx, shape (..., |idx|), and their t."""
        t = self.inputs if idx is None else self.inputs[idx]
        y = self.targets if idx is None else self.targets[idx]
        x = np.asarray(x, dtype=float)
        return x[..., 0, None] * t + x[..., 1, None] - y, t

    def loss_on(self, x, idx):
        r, _ = self._residuals(x, idx)
        return np.mean(r * r, axis=-1)

    def grad_on(self, x, idx):
        r, t = self._residuals(x, idx)
        return np.stack([2 * np.mean(r * t, axis=-1), 2 * np.mean(r, axis=-1)], axis=-1)

    def loss_and_grad_on(self, x, idx):
        r, t = self._residuals(x, idx)
        return np.mean(r * r, axis=-1), np.stack([2 * np.mean(r * t, axis=-1), 2 * np.mean(r, axis=-1)], axis=-1)

    def hessian_on(self, x, idx):
        t = self.inputs if idx is None else self.inputs[idx]
        mt, mtt = np.mean(t), np.mean(t * t)
        h = 2 * np.array([[mtt, mt], [mt, 1.0]])
        return np.broadcast_to(h, np.shape(x)[:-1] + (2, 2)).copy()

    def predict(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        """ŷ = w·t + b, the line of parameters x = (w, b), at inputs t in the file's units (standardised first,
        (t − mean) / std, when the loss sees standardised t)."""
        x = np.asarray(x, dtype=float)
        return x[..., 0] * self.to_model_units(t) + x[..., 1]


def _sigmoid_neg(m: np.ndarray) -> np.ndarray:
    """σ(−m) = 1 / (1 + eᵐ), without overflow."""
    e = np.exp(-np.abs(m))
    return np.where(m >= 0, e / (1 + e), 1 / (1 + e))


def _sigmoid_product(m: np.ndarray) -> np.ndarray:
    """σ(m)·σ(−m) = e^−|m| / (1 + e^−|m|)², without overflow."""
    e = np.exp(-np.abs(m))
    return e / (1 + e) ** 2


def _weighted_means(w: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """mean over samples of w·c for each column c, stacked last: (..., len(columns)). Sums run along the last,
    contiguous axis, so a point gives the same bits alone as in any batch."""
    return np.stack([np.mean(w * c, axis=-1) for c in columns], axis=-1)


def separable(q: np.ndarray) -> bool:
    """True when some w ≠ 0 has w·qᵢ ≥ 0 for every row qᵢ (the points lie in a closed half-plane through 0).

    Exact in 2-D: sort the directions of the qᵢ; they fit in a half-plane iff two neighbours are ≥ π apart.
    """
    q = q[np.any(q != 0, axis=-1)]
    if len(q) == 0:
        return True
    angles = np.sort(np.arctan2(q[:, 1], q[:, 0]))
    gaps = np.diff(np.append(angles, angles[0] + 2 * np.pi))
    return bool(gaps.max() >= np.pi)


class LogisticRegression(DataObjective):
    """Logistic regression: f = (1/N) Σᵢ log(1 + exp(−sᵢ·w·pᵢ)), the mean cross-entropy of P(sᵢ | pᵢ) = σ(sᵢ·w·pᵢ).

    Two weights x = w = (w₁, w₂) and no bias: the two classes (sᵢ = ±1, N/2 each) are unit Gaussians centred at
    ±(separation/2)·(0.8, 0.6), symmetric about the origin, so the best boundary w·p = 0 passes through it.
    The minimum exists when the classes overlap (the defaults); when they are separable by a line through
    the origin the loss has none (it falls towards 0 as |w| → ∞) and ``minima`` is empty.
    """

    name = "logistic_regression"
    axes = ("w₁", "w₂")
    task = CLASSIFICATION
    AXIS = (0.8, 0.6)
    GENERATED = ("n", "separation", "seed")
    PARAMS = (n_param(100),
              Param("separation", 2.0, lo=0.0, hi=10.0, doc="distance between the two class centres (unit spread)"),
              *minibatch_params(10), *own_data.data_params(standardize=True))

    def __init__(self, n: int, separation: float, batch_size: int, sampling: str, seed: int, data=None,
                 columns=None, standardize: bool = True, data_sha256=None, data_csv=None):
        own = own_data.load(self.name, dataset.BINARY, data, columns, standardize, data_sha256, data_csv)
        if own is None:
            rng = stream(seed, DATA_STREAM)
            labels = np.arange(n) % 2
            s = 2.0 * labels - 1.0
            points = s[:, None] * (0.5 * separation * np.array(self.AXIS)) + rng.standard_normal((n, 2))
            params = {"n": n, "separation": separation, "batch_size": batch_size, "sampling": sampling, "seed": seed}
        else:  # class 0 (the first label in sorted order) is s = −1, class 1 is s = +1
            labels, points, n, seed = own.dataset.targets, own.inputs, own.dataset.n, 0
            batch_size = self.default_batch(n) if batch_size is None else batch_size
            s = 2.0 * labels - 1.0
            params = {**own.params, "batch_size": batch_size, "sampling": sampling}
        self._q = s[:, None] * points  # rows sᵢ·pᵢ: the margin is mᵢ = w·qᵢ (all the loss needs)
        self._q.flags.writeable = False
        batches = minibatches_for(self.name, n, batch_size, sampling, seed)
        if separable(self._q):
            centre, minima, minimum = np.zeros(2), np.empty((0, 2)), None
            notes = ("the classes are separable by a line through the origin: no minimum "
                     "(the loss falls towards 0 as |w| grows along a separating direction)")
        elif np.linalg.matrix_rank(self._q) < 2:
            centre, minima, minimum = np.zeros(2), np.empty((0, 2)), None
            notes = "the points lie on one line through the origin: the loss is flat across it, no single minimum"
        else:
            centre, minima, minimum, notes = _newton_or_none(self)
        domain, start = _box(centre, max(3.0, 1.5 * float(np.abs(centre).max())))
        super().__init__(params, points, labels, batches, domain, minima, minimum, start, notes, own)

    def _margins(self, x: np.ndarray, idx) -> tuple[np.ndarray, np.ndarray]:
        """mᵢ = sᵢ·w·pᵢ over the samples idx, shape (..., |idx|), and the rows qᵢ = sᵢ·pᵢ."""
        q = self._q if idx is None else self._q[idx]
        x = np.asarray(x, dtype=float)
        return x[..., 0, None] * q[..., 0] + x[..., 1, None] * q[..., 1], q

    def loss_on(self, x, idx):
        m, _ = self._margins(x, idx)
        return np.mean(np.logaddexp(0.0, -m), axis=-1)

    def grad_on(self, x, idx):
        m, q = self._margins(x, idx)
        return _weighted_means(-_sigmoid_neg(m), q[:, 0], q[:, 1])

    def loss_and_grad_on(self, x, idx):
        m, q = self._margins(x, idx)
        return np.mean(np.logaddexp(0.0, -m), axis=-1), _weighted_means(-_sigmoid_neg(m), q[:, 0], q[:, 1])

    def hessian_on(self, x, idx):
        m, q = self._margins(x, idx)
        h = _weighted_means(_sigmoid_product(m), q[:, 0] * q[:, 0], q[:, 0] * q[:, 1], q[:, 1] * q[:, 1])
        return h[..., [0, 1, 1, 2]].reshape(m.shape[:-1] + (2, 2))

    def classify(self, x: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The class (0 or 1) that weights x give to each point (..., 2) in the file's units: 1 where w·p > 0
        (p standardised first when the loss sees standardised points)."""
        x = np.asarray(x, dtype=float)
        p = self.to_model_units(points)
        return (p[..., 0] * x[0] + p[..., 1] * x[1] > 0).astype(int)


def _newton_or_none(obj: Objective) -> tuple:
    """(centre, minima, min_value, notes) of the logistic loss by Newton's method; none known when the Hessian
    is singular on the way (data far from standardised: margins so large that σ(m)·σ(−m) rounds to 0)."""
    with np.errstate(all="ignore"):
        try:
            centre = _newton_minimum(obj)
        except np.linalg.LinAlgError:
            centre = None
        value = None if centre is None else float(obj.value(centre))
    if centre is None or not np.all(np.isfinite(centre)) or not np.isfinite(value):
        return (np.zeros(2), np.empty((0, 2)), None, "no minimum found: Newton's method met a singular Hessian "
                "(the margins are huge; standardize the features)")
    return centre, centre[None], value, ("minimum by Newton's method to full precision (the loss is strictly convex "
                                         "here)")


def _newton_minimum(obj: Objective, steps: int = 100) -> np.ndarray:
    """The minimizer of a strictly convex ``obj``: Newton's method with backtracking from 0, to full precision."""
    w = np.zeros(obj.dim)
    for _ in range(steps):
        g = obj.grad(w)
        step = -np.linalg.solve(obj.hessian(w), g)
        f0, t = float(obj.value(w)), 1.0
        while t > 1e-10 and float(obj.value(w + t * step)) > f0 + 1e-4 * t * float(g @ step):
            t *= 0.5
        w = w + t * step
        if np.all(np.abs(t * step) <= 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(w))):
            break
    return w


ALL = (LinearRegression, LogisticRegression)
