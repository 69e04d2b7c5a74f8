"""What the window's data plot shows: a data-driven objective's data set and the selected racer's model of it.

Regression (``objective.task == "regression"``): points (tᵢ, yᵢ) and the racer's line ŷ = w·t + b.
Classification: points pᵢ coloured by class and the racer's decision regions (``classify``).
Points are in the data file's units (``raw_inputs``); ``predict`` and ``classify`` standardise them when the loss
sees standardised features (lab.objectives.own_data).
"""
from __future__ import annotations

import numpy as np

from lab.errors import LabError
from lab.objectives.base import Objective
from lab.views.isocurve import isocurve


def has_data(objective: Objective) -> bool:
    """True for objectives that are a loss over a data set (they have ``inputs``, ``targets`` and a ``task``)."""
    return bool(getattr(objective, "task", "")) and hasattr(objective, "inputs")


def data_points(objective: Objective) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) in the file's units: regression (N,) t and (N,) y; classification (N, 2) points and (N,)
    classes 0, 1, ..."""
    _need(objective)
    return _raw(objective), objective.targets


def _raw(objective: Objective) -> np.ndarray:
    return getattr(objective, "raw_inputs", objective.inputs)


def predict_classes(objective: Objective, x: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The class (0/1) that parameters x (d,) give each of ``points`` (..., 2); classification objectives only."""
    _need(objective, "classify")
    return objective.classify(np.asarray(x, dtype=float), np.asarray(points, dtype=float))


def decision_regions(objective: Objective, x: np.ndarray, n: int = 100, margin: float = 0.1
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, classes): an n × n grid over the data's bounding box widened by ``margin`` of its size on each
    side, and classes[i, j] = the class at (xs[i], ys[j]) (first axis along x, as ``indexing="ij"``)."""
    _need(objective, "classify")
    lo, hi = _raw(objective).min(axis=0), _raw(objective).max(axis=0)
    pad = margin * (hi - lo)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    return xs, ys, predict_classes(objective, x, grid)


def fitted_line(objective: Objective, x: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(t, ŷ): n points of the line with parameters x over the data's t range; regression objectives only."""
    _need(objective, "predict")
    t = np.linspace(_raw(objective).min(), _raw(objective).max(), n)
    return t, objective.predict(np.asarray(x, dtype=float), t)


def decision_boundary(xs: np.ndarray, ys: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): the lines between the classes of ``decision_regions``' grid, in the data's coordinates, one line
    after another with a NaN between them (a curve draws them as separate lines)."""
    n = len(xs)
    segments_x, segments_y = [], []
    classes = np.asarray(classes)
    # two classes: the 0.5 level of the class image; more: each class's own outline (a shared edge drawn twice)
    images = [classes] if classes.max(initial=0) <= 1 else [classes == k for k in np.unique(classes)]
    paths = [path for image in images for path in isocurve(np.asarray(image, dtype=float), 0.5)]
    for path in paths:
        p = np.asarray(path, dtype=float)
        segments_x += list(np.interp(p[:, 0] - 0.5, np.arange(n), xs)) + [np.nan]
        segments_y += list(np.interp(p[:, 1] - 0.5, np.arange(len(ys)), ys)) + [np.nan]
    return np.array(segments_x), np.array(segments_y)


def model_of_data(objective: Objective, x: np.ndarray, n: int = 100) -> dict:
    """What the data plot draws for parameters x: the fitted line (regression), or the decision regions on an
    n × n grid and their boundary (classification)."""
    if objective.task == "regression":
        return {"x": x, "line": fitted_line(objective, x)}
    xs, ys, classes = decision_regions(objective, x, n=n)
    return {"x": x, "regions": (xs, ys, classes), "boundary": decision_boundary(xs, ys, classes)}


def _need(objective: Objective, method: str = "") -> None:
    if not has_data(objective) or (method and not hasattr(objective, method)):
        what = {"classify": "a classification", "predict": "a regression"}.get(method, "a data-driven")
        raise LabError(f"{objective.name} is not {what} objective")
