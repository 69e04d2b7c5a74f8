"""Your own data for linear_regression, logistic_regression and mlp: the parameters that replace the generated data.

    data          a CSV file (lab.dataset: the format, the columns, the label mapping)
    columns       the columns used, named as in the header (default: the first ones in order)
    standardize   each feature shifted by its mean and scaled by its standard deviation before the loss:
                  z = (p − mean) / std (population std), so the loss surface's shape does not depend on units.
                  Default true for the logistic regression and the network, false for the linear regression.
    data_sha256   the SHA-256 of the file's bytes; a file with other bytes is refused. Experiment files record it.
    data_csv      the file's text, stored inside an experiment (``run --embed-data``, the window's save dialog);
                  then the file is not read (its path and hash stay recorded).

With data, the parameters that generate data (n, noise, separation, dataset, seed) are refused; batch_size and
sampling apply (the minibatch sequence is seeded by 0).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from lab.dataset import REGRESSION, Dataset, parse_dataset, read_dataset
from lab.errors import LabError
from lab.files import shown
from lab.limits import MAX_EMBED_ROWS, MAX_EXPERIMENT_BYTES
from lab.params import Param

NAMES = ("data", "columns", "standardize", "data_sha256", "data_csv")
EMBEDDED = "the data stored in the experiment"
_HEX = re.compile(r"[0-9a-f]{64}")


def data_params(standardize: bool) -> tuple[Param, ...]:
    """The five parameters of an objective that can take its data from a file."""
    return (
        Param("data", None, kind="str", doc="a CSV file of your own data, replacing the generated data "
              "(docs/cli.md: your own data)"),
        Param("columns", None, kind="str", doc="with data: the columns used, as named in the header, e.g. a,b,label "
              "(default: the first ones)"),
        Param("standardize", standardize, kind="bool", doc="with data: shift and scale each feature by its mean and "
              "standard deviation before the loss"),
        Param("data_sha256", None, kind="str", doc="with data: the SHA-256 of the file's bytes; other bytes are "
              "refused (experiment files record it)"),
        Param("data_csv", None, kind="str", doc="the data file's text stored in an experiment (run --embed-data); "
              "used instead of reading the file"),
    )


@dataclass(frozen=True, eq=False)
class OwnData:
    """A data set ready for a loss: ``inputs`` (N,) t or (N, 2) points, standardised when ``standardize``
    (inputs = (features − shift) / scale; shift 0 and scale 1 otherwise), and the parameters to show."""

    dataset: Dataset
    standardize: bool
    shift: np.ndarray
    scale: np.ndarray
    inputs: np.ndarray
    params: dict

    def raw(self) -> np.ndarray:
        """The features in the file's units: (N,) t or (N, 2) points."""
        f = self.dataset.features
        return f[:, 0] if f.shape[1] == 1 else f


def has_data(given: dict) -> bool:
    return given.get("data") not in (None, "") or given.get("data_csv") not in (None, "")


def refuse_given(name: str, given: dict, generated: tuple) -> None:
    """LabError when the given parameters mix data from a file with those that generate data, or the reverse."""
    if has_data(given):
        for k in generated:
            if k in given:
                raise LabError(f"objective {name!r} parameter {k} does not apply with data (the file gives the "
                               f"points); leave {k} out")
    else:
        for k in ("columns", "standardize", "data_sha256"):
            if given.get(k) not in (None, ""):
                raise LabError(f"objective {name!r} parameter {k} applies only with data=FILE (a CSV file)")


def shown_params(spec, given: dict) -> list[Param]:
    """The parameters a form shows for ``given``: with data, standardize and the minibatch ones; without, the
    generating ones (the file's path, columns, hash and text are set by File → Open data…)."""
    generated = getattr(spec.build, "GENERATED", ())
    if not any(p.name == "data" for p in spec.params):
        return list(spec.params)
    if has_data(given):
        return [p for p in spec.params if p.name not in generated and (p.name == "standardize" or p.name not in NAMES)]
    return [p for p in spec.params if p.name not in NAMES]


def load(name: str, kind: str, data, columns, standardize: bool, data_sha256, data_csv) -> OwnData | None:
    """The data set the parameters name (None: the objective generates its data); LabError otherwise."""
    if data in (None, "") and data_csv in (None, ""):
        return None
    if data_sha256 is not None and not _HEX.fullmatch(data_sha256.strip().lower()):
        raise LabError(f"objective {name!r} parameter data_sha256={data_sha256[:70]!r} is not allowed: expected "
                       "64 hexadecimal digits")
    recorded = None if data_sha256 is None else data_sha256.strip().lower()
    if data_csv not in (None, ""):
        try:
            raw = data_csv.encode("utf-8")
        except UnicodeEncodeError:
            raise LabError(f"{EMBEDDED}: not valid Unicode text") from None
        ds = parse_dataset(raw, EMBEDDED if data in (None, "") else f"{EMBEDDED} ({shown(data)})", kind, columns)
        if recorded is not None and ds.sha256 != recorded:
            raise LabError(f"{EMBEDDED}: its SHA-256 is {ds.sha256[:16]}…, the experiment records "
                           f"{recorded[:16]}…; expected the same data (the experiment file was edited)")
    else:
        ds = read_dataset(data, kind, columns)
        if recorded is not None and ds.sha256 != recorded:
            raise LabError(f"{shown(data)}: the file changed since the experiment was saved (its SHA-256 is "
                           f"{ds.sha256[:16]}…, the experiment records {recorded[:16]}…); expected the same bytes "
                           "(restore the file, or re-save the experiment with the new data)")
    features = ds.features
    mean, std = features.mean(axis=0), features.std(axis=0)
    for j in range(features.shape[1]):
        if std[j] == 0 and (standardize or kind == REGRESSION):
            why = "cannot standardize it" if standardize else "the line is not determined"
            raise LabError(f"{ds.source}: column {ds.columns[j]!r} does not vary (the same value in every row, "
                           f"or its standard deviation rounds to 0); {why}; expected values that differ")
    shift = mean if standardize else np.zeros_like(mean)
    scale = std if standardize else np.ones_like(std)
    inputs = (features - shift) / scale
    inputs = inputs[:, 0] if inputs.shape[1] == 1 else inputs
    stored = data_csv not in (None, "")
    shown_data = "(stored)" if data in (None, "") else _short(data) + (" (stored)" if stored else "")
    params = {"data": shown_data, **({"columns": columns} if columns else {}), "standardize": standardize}
    return OwnData(ds, standardize, shift, scale, inputs, params)


def _short(path: str) -> str:
    """``path`` relative to the working folder when it lies inside it (what a headline shows), else as it is."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return rel if not rel.startswith("..") else path


def pinned(params: dict, obj) -> dict:
    """``params`` with the data file's absolute path and the SHA-256 of the bytes ``obj`` was built from, so that
    an experiment re-runs on the same data or says it cannot; unchanged without a data file."""
    own = getattr(obj, "own", None)
    if own is None or params.get("data_csv") not in (None, "") or params.get("data") in (None, ""):
        return dict(params)
    return {**params, "data": os.path.abspath(params["data"]), "data_sha256": own.dataset.sha256}


def embedded(params: dict, obj) -> dict:
    """``params`` with the data file's text stored in them (``data_csv``), so that the experiment needs no file:
    LabError when the objective has no data or more than MAX_EMBED_ROWS rows."""
    own = getattr(obj, "own", None)
    if own is None:
        raise LabError(f"no data to store: objective {obj.name!r} generates its data (give data=FILE)")
    ds = own.dataset
    if ds.n > MAX_EMBED_ROWS:
        raise LabError(f"{ds.source}: {ds.n} data rows, more than the {MAX_EMBED_ROWS} an experiment file stores "
                       "(MAX_EMBED_ROWS); keep the file instead (the experiment records its path and SHA-256)")
    if len(ds.text.encode("utf-8")) > MAX_EXPERIMENT_BYTES // 2:
        raise LabError(f"{ds.source}: {len(ds.text.encode('utf-8'))} bytes, too many to store in an experiment file "
                       f"(at most {MAX_EXPERIMENT_BYTES // 2}, half of MAX_EXPERIMENT_BYTES); keep the file instead")
    out = pinned(params, obj)
    out.update(data_csv=ds.text, data_sha256=ds.sha256)
    return out


__all__ = ["EMBEDDED", "NAMES", "OwnData", "data_params", "embedded", "has_data", "load", "pinned", "refuse_given",
           "shown_params"]
