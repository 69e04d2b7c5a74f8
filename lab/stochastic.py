"""Stochastic gradients: minibatches of a data set and Gaussian gradient noise, both pure functions of (seed, k).

The lecture's SGD: the loss is a mean over a data set, f(x) = (1/N) Σᵢ ℓᵢ(x), and a minibatch gradient
(1/|Bₖ|) Σ_{i ∈ Bₖ} ∇ℓᵢ(x) is a noisy estimate of ∇f(x). Step k's minibatch Bₖ and noise draw ξₖ depend only
on (seed, k), never on the racer, so every racer of a race sees the same sequence and the race is fair; a
re-run repeats it bit for bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

import numpy as np

from lab.errors import LabError

if TYPE_CHECKING:  # lab.objectives imports this module
    from lab.objectives.base import Objective

EPOCH, REPLACEMENT = "epoch", "replacement"
SAMPLINGS = (EPOCH, REPLACEMENT)

# Independent random streams per purpose, so that equal seeds never correlate two of them.
DATA_STREAM, INIT_STREAM, SHUFFLE_STREAM, DRAW_STREAM, NOISE_STREAM, START_STREAM = 1, 2, 3, 4, 5, 6

GradientSource = Callable[[np.ndarray, int], np.ndarray]


def stream(seed: int, purpose: int, k: int = 0) -> np.random.Generator:
    """The generator for (seed, purpose, k): independent of every other triple; any integer seed."""
    return np.random.default_rng([purpose, int(seed) % 2**64, int(k)])


@lru_cache(maxsize=16)
def _permutation(n: int, seed: int, epoch: int) -> np.ndarray:
    perm = stream(seed, SHUFFLE_STREAM, epoch).permutation(n)
    perm.flags.writeable = False
    return perm


@dataclass(frozen=True)
class Minibatches:
    """The minibatch schedule B₀, B₁, ... over N samples: ``indices(k)`` is Bₖ.

    - ``epoch``: each epoch shuffles the N indices (seeded by (seed, epoch)) and deals them out in
      ceil(N / B) batches, without replacement; when B does not divide N the epoch's last batch is smaller
      (N mod B samples), so every sample is used exactly once per epoch (torch's ``drop_last=False``).
      B = N is the full batch, in index order: its gradient is bit for bit the full-data gradient.
    - ``replacement``: each Bₖ is B indices drawn uniformly with replacement, seeded by (seed, k).
    """

    n: int
    batch_size: int
    sampling: str = EPOCH
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n < 1:
            raise LabError(f"a data set needs at least one sample, got N={self.n}")
        if not 1 <= self.batch_size <= self.n:
            raise LabError(f"batch_size={self.batch_size} is not allowed: expected 1 <= batch_size <= N={self.n}")
        if self.sampling not in SAMPLINGS:
            raise LabError(f"sampling={self.sampling!r} is not allowed: expected one of {', '.join(SAMPLINGS)}")

    @property
    def full_batch(self) -> bool:
        """True when every Bₖ is the whole data set (minibatch gradient = full gradient)."""
        return self.sampling == EPOCH and self.batch_size == self.n

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def indices(self, k: int) -> np.ndarray:
        """Bₖ, the sample indices of step k (k = 0, 1, ...): an int array, not to be modified."""
        if k < 0:
            raise ValueError(f"step index must be >= 0, got {k}")
        if self.full_batch:
            return np.arange(self.n)
        if self.sampling == REPLACEMENT:
            return stream(self.seed, DRAW_STREAM, k).integers(0, self.n, self.batch_size)
        epoch, j = divmod(int(k), self.batches_per_epoch)
        return _permutation(self.n, int(self.seed), epoch)[j * self.batch_size:(j + 1) * self.batch_size]

    def groups(self, first: int, stop: int):
        """B_first … B_(stop−1) as ``(ks, idx)`` pairs: steps ``ks`` (int array) whose batches all have the same
        size, and their indices stacked (len(ks), size); each row equal to ``indices(k)``."""
        if first < 0:
            raise ValueError(f"step index must be >= 0, got {first}")
        ks = np.arange(first, stop)
        if len(ks) == 0:
            return
        if self.full_batch:
            yield ks, np.broadcast_to(np.arange(self.n), (len(ks), self.n))
            return
        if self.sampling == REPLACEMENT:
            yield ks, np.stack([self.indices(int(k)) for k in ks])
            return
        per, size = self.batches_per_epoch, self.batch_size
        full = self.n // size  # whole batches in an epoch; a last, smaller one when size does not divide n
        epochs, js = np.divmod(ks, per)
        cuts = np.flatnonzero(np.diff(epochs)) + 1  # the steps are consecutive: each epoch is one run of them
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(ks)]):
            perm = _permutation(self.n, int(self.seed), int(epochs[a]))
            run_ks, run_js = ks[a:b], js[a:b]
            whole = run_js < full
            if whole.any():
                yield run_ks[whole], perm[: full * size].reshape(full, size)[run_js[whole]]
            for k in run_ks[~whole]:  # the epoch's short last batch
                yield np.array([k]), self.indices(int(k))[None]


def check_noise(noise) -> float:
    """The gradient-noise scale as a float >= 0, or LabError."""
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating, np.integer)) \
            or not math.isfinite(noise) or noise < 0:
        raise LabError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def gradient_noise(noise: float, seed: int, k: int, dim: int) -> np.ndarray:
    """ξₖ = noise · z, z ~ N(0, I_dim), seeded by (seed, k): the same draw for every racer at step k."""
    return noise * stream(seed, NOISE_STREAM, k).standard_normal(dim)


def gradient_source(objective: Objective, noise: float = 0.0, seed: int = 0) -> GradientSource | None:
    """The gradient the racers step on at step k, for ``Race(gradient_source=...)``::

        g(x, k) = ∇f_{Bₖ}(x) + ξₖ      (the minibatch gradient if the objective is stochastic, else ∇f(x))

    None when there is neither a minibatch nor noise: the race then uses its exact full gradient (the fast path).
    """
    noise = check_noise(noise)
    minibatched = bool(getattr(objective, "stochastic", False))
    if not minibatched and noise == 0:
        return None

    def source(x: np.ndarray, k: int) -> np.ndarray:
        g = objective.minibatch_grad(x, k) if minibatched else objective.grad(x)
        if noise:
            g = g + gradient_noise(noise, seed, k, g.shape[-1])
        return g

    source.minibatched, source.noise = minibatched, noise  # what an explanation of a step says of its g
    return source


def minibatch_losses(objective: Objective, positions: np.ndarray, first: int = 0) -> np.ndarray:
    """Row k: the minibatch loss f_{B_(first+k)}(xₖ) at a track's position first + k (the jittery curve); the loss
    itself if the objective is not stochastic. Objectives with ``minibatch_values`` take all rows at once."""
    positions = np.asarray(positions, dtype=float)
    if not getattr(objective, "stochastic", False):
        return np.asarray(objective.value(positions), dtype=float)
    batched = getattr(objective, "minibatch_values", None)
    if batched is not None:
        return np.asarray(batched(positions, first), dtype=float)
    return np.array([objective.minibatch_value(x, first + k) for k, x in enumerate(positions)], dtype=float)
