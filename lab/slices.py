"""The loss on a 2-D plane through a point: how the window shows an objective with more than two dimensions.

    loss[i, j] = f(x + αᵢ·d1 + βⱼ·d2)

along two orthonormal directions d1, d2: seeded random ones, or the Hessian's top two eigenvectors (the
directions of sharpest upward curvature at x).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lab.curvature import LANCZOS_ABOVE
from lab.errors import LabError
from lab.lanczos import lanczos
from lab.objectives.base import Objective
from lab.stochastic import stream

RANDOM, HESSIAN = "random", "hessian"
KINDS = (RANDOM, HESSIAN)
SLICE_STREAM = 6


class SliceDirections(NamedTuple):
    """Two orthonormal directions (d,) and what to call them on the plot's axes."""

    d1: np.ndarray
    d2: np.ndarray
    labels: tuple[str, str]


def slice_directions(objective: Objective, x: np.ndarray, kind: str = RANDOM, seed: int = 0) -> SliceDirections:
    """Two unit, orthogonal directions through x.

    - ``random``: two Gaussian vectors seeded by ``seed`` (the same ones at every x), Gram–Schmidt orthonormalised.
    - ``hessian``: the eigenvectors of ∇²f(x) with the two largest eigenvalues (dense eigh for d ≤ 50,
      else Lanczos on ``objective.hvp``), each signed so its largest component is positive; labelled with λ.
    LabError for an unknown kind, d < 2 or a non-finite Hessian.
    """
    x = np.asarray(x, dtype=float)
    d = objective.dim
    if kind not in KINDS:
        raise LabError(f"unknown slice directions {kind!r}; choose one of: {', '.join(KINDS)}")
    if d < 2:
        raise LabError(f"a 2-D slice needs at least 2 dimensions, {objective.name} has {d}")
    if kind == RANDOM:
        q, _ = np.linalg.qr(stream(seed, SLICE_STREAM).standard_normal((d, 2)))
        return SliceDirections(q[:, 0], q[:, 1], ("random direction 1", "random direction 2"))
    lam, vecs = _top_two(objective, x, seed)
    vecs = vecs * np.sign(vecs[np.abs(vecs).argmax(axis=0), [0, 1]])
    return SliceDirections(vecs[:, 0], vecs[:, 1],
                           (f"Hessian eigenvector 1 (λ = {lam[0]:.4g})", f"Hessian eigenvector 2 (λ = {lam[1]:.4g})"))


def _top_two(objective: Objective, x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The two largest eigenvalues of ∇²f(x), descending, and their eigenvectors as columns (d, 2)."""
    hvp = getattr(objective, "hvp", None)
    try:
        with np.errstate(all="ignore"):
            if objective.dim <= LANCZOS_ABOVE or hvp is None:
                h = np.asarray(objective.hessian(x), dtype=float)
                if not np.all(np.isfinite(h)):
                    raise ValueError("not finite")
                lam, vecs = np.linalg.eigh(0.5 * (h + h.T))
            else:
                lam, vecs, _, _ = lanczos(lambda v: hvp(x, v), objective.dim, n_low=0, n_high=2, seed=seed)
    except (ValueError, np.linalg.LinAlgError):
        raise LabError(f"the Hessian of {objective.name} is not finite at this point: no eigenvectors") from None
    return lam[::-1][:2], vecs[:, ::-1][:, :2]


def slice_grid(objective: Objective, x: np.ndarray, d1: np.ndarray, d2: np.ndarray, extent: float = 1.0,
               n: int = 41) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alphas, betas, loss): n steps from −extent to extent along d1 and d2, and loss[i, j] = f(x + αᵢ·d1 + βⱼ·d2)
    (first axis along d1, as ``indexing="ij"``); the centre (n odd) is f(x). Non-finite values are kept."""
    if not extent > 0 or n < 2:
        raise LabError(f"a slice needs extent > 0 and n >= 2, got extent={extent!r}, n={n!r}")
    alphas = np.linspace(-extent, extent, n)
    betas = np.linspace(-extent, extent, n)
    points = (np.asarray(x, dtype=float) + alphas[:, None, None] * np.asarray(d1, dtype=float)
              + betas[None, :, None] * np.asarray(d2, dtype=float))
    with np.errstate(all="ignore"):
        loss = np.asarray(objective.value(points), dtype=float)
    return alphas, betas, loss
