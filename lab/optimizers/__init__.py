"""The optimizers a racer can use, by name, with their hyperparameters (a public contract).

Each optimizer is one module of this package holding its ``SPEC`` (lab.optimizers.base.OptimizerSpec): its
update, hyperparameters, rule text, labels, stability bound, presets and how it batches. Adding one is one
module plus one word in ``MODULES``; everything else (the command line, presets, the curvature table, the
batched engine, the window, the reference docs) reads the specs. Other packages may add optimizers through
the entry-point group ``optimizer_lab.optimizers`` (each entry a module or an OptimizerSpec); a plug-in that
fails to load is skipped with a warning, never stopping the program.
"""
from __future__ import annotations

import importlib
import warnings
from importlib.metadata import entry_points

from lab.errors import LabError
from lab.optimizers.base import Optimizer, OptimizerSpec

MODULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam", "adamax", "adadelta",
           "lion", "qhm", "newton", "lbfgs")
"""The built-in optimizers, in the order the lecture meets them (listings and the lecture set follow it)."""

ENTRY_POINT_GROUP = "optimizer_lab.optimizers"


def _plugins() -> list[OptimizerSpec]:
    specs = []
    try:
        found = entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - a broken metadata install
        return specs
    for ep in found:
        try:
            obj = ep.load()
            spec = getattr(obj, "SPEC", obj)
            if not isinstance(spec, OptimizerSpec):
                raise TypeError(f"{ep.value} is neither an OptimizerSpec nor a module with SPEC")
            specs.append(spec)
        except Exception as exc:  # one broken plug-in never stops the program
            warnings.warn(f"optimizer plug-in {ep.name!r} not loaded: {exc}", stacklevel=2)
    return specs


OPTIMIZERS: dict[str, OptimizerSpec] = {}
for _spec in [importlib.import_module(f"lab.optimizers.{m}").SPEC for m in MODULES] + _plugins():
    OPTIMIZERS.setdefault(_spec.name, _spec)  # a plug-in never replaces a built-in

# The factories by name, as before (lab.optimizers.adam(...), lab.optimizers.momentum(...)).
globals().update({name: spec.factory for name, spec in OPTIMIZERS.items() if name in MODULES})


def optimizer_spec(name: str) -> OptimizerSpec:
    """The spec called ``name``, or LabError listing the valid names."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise LabError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}") from None


def make_optimizer(name: str, **hyperparameters) -> Optimizer:
    """Build optimizer ``name``: defaults filled, every value checked (LabError names the bad one and its range)."""
    return optimizer_spec(name).make(**hyperparameters)


def batched_specs() -> list[OptimizerSpec]:
    """The optimizers the batched engine steps (basin maps, sweeps), in registry order."""
    return [s for s in OPTIMIZERS.values() if s.batched]


__all__ = ["OPTIMIZERS", "MODULES", "Optimizer", "OptimizerSpec", "batched_specs", "make_optimizer",
           "optimizer_spec", *MODULES]
