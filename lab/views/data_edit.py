"""Editing a data set by hand (the window's data plot): add a point, remove the nearest, and the objective's
parameters that hold the result. Clicked data lives in the experiment as the text of a CSV file (``data_csv``),
the same text File → Save data… writes and ``data=FILE`` reads back."""
from __future__ import annotations

import os
import numpy as np

from lab.dataset import Table, sha256_hex
from lab.files import write_text
from lab.objectives import make_objective, objective_spec
from lab.objectives.base import Objective
from lab.objectives.own_data import NAMES, pinned

REGRESSION = "regression"


Points = Table  # the data set being edited, in the file's units


def drawn(p: Points) -> np.ndarray:
    """(N, 2): where the points are drawn, (t, y) or (p₁, p₂)."""
    if p.class_names:
        return p.features
    return np.stack([p.features[:, 0], p.targets], axis=-1)


def points_of(obj: Objective) -> Points:
    """The data set of a data-driven objective (generated or from a file), in the file's units."""
    raw = np.asarray(obj.raw_inputs, dtype=float)
    features = raw.reshape(len(raw), -1)
    names = () if obj.task == REGRESSION else tuple(obj.class_names)
    return Points(tuple(obj.columns), features.copy(), np.asarray(obj.targets).copy(), names)


def added(p: Points, xy, cls: int = 0) -> Points:
    """``p`` and one more point at ``xy`` (drawn coordinates), of class ``cls`` for a classification."""
    x, y = (float(v) for v in xy)
    if p.class_names:
        return Points(p.columns, np.vstack([p.features, [[x, y]]]), np.append(p.targets, int(cls)), p.class_names)
    return Points(p.columns, np.vstack([p.features, [[x]]]), np.append(p.targets.astype(float), y), ())


def nearest(p: Points, xy, scale) -> int:
    """The index of the point nearest ``xy`` with the axes scaled by ``scale`` (the view's width and height, so
    that "nearest" is what the eye sees); -1 when there is none."""
    if p.n == 0:
        return -1
    d = (drawn(p) - np.asarray(xy, dtype=float)) / np.maximum(np.abs(np.asarray(scale, dtype=float)), 1e-300)
    return int(np.argmin(np.sum(d * d, axis=-1)))


def removed(p: Points, i: int) -> Points:
    keep = np.arange(p.n) != i
    return Points(p.columns, p.features[keep], p.targets[keep], p.class_names)


def _kept(name: str, params: dict, n: int | None = None) -> dict:
    """The parameters that survive a change of data: not the generating ones, nor the file's; batch_size only
    when it fits ``n`` points."""
    generated = getattr(objective_spec(name).build, "GENERATED", ())
    out = {k: v for k, v in params.items() if k not in generated and (k == "standardize" or k not in NAMES)}
    if "batch_size" in out and (n is None or out["batch_size"] > n):
        del out["batch_size"]
    return out


def edited(name: str, params: dict, p: Points) -> tuple[dict, Objective]:
    """The parameters holding the points ``p`` as CSV text, and the objective built from them (LabError when the
    points are not a data set the objective takes: one class only, a single row)."""
    new = {**_kept(name, params, p.n), "data_csv": p.csv()}
    return new, make_objective(name, **new)


def rebuilt(name: str, params: dict) -> tuple[dict, Objective]:
    """``params`` and the objective built from them (Ctrl+Z: the data set before an edit)."""
    return params, make_objective(name, **params)


def opened(name: str, params: dict, path) -> tuple[dict, Objective]:
    """File → Open data…: the parameters reading ``path`` (its absolute path and SHA-256 recorded) and the
    objective; LabError for a bad file."""
    new = {**_kept(name, params), "data": os.path.abspath(str(path))}
    obj = make_objective(name, **new)
    return pinned(new, obj), obj


def saved(name: str, params: dict, p: Points, path) -> dict:
    """File → Save data…: ``p`` written to ``path`` as CSV (atomically), and the parameters that now read that
    file (its absolute path and SHA-256): the same numbers, bit for bit, so the objective need not change."""
    text = p.csv()
    write_text(path, text)
    return {**_kept(name, params, p.n), "data": os.path.abspath(str(path)),
            "data_sha256": sha256_hex(text.encode("utf-8"))}


__all__ = ["Points", "added", "edited", "nearest", "opened", "points_of", "rebuilt", "removed", "saved"]
