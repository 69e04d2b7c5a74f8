"""The optimizers a racer can use, by name, with their hyperparameters (a public contract).

Each optimizer is one module of this package holding its ``SPEC`` (lab.optimizers.base.OptimizerSpec): its
update, hyperparameters, rule text, labels, stability bound, presets and how it batches. Adding one is one
module plus one word in ``MODULES``; everything else (the command line, presets, the curvature table, the
batched engine, the window, the reference docs) reads the specs. Other packages may add optimizers through
the entry-point group ``optimizer_lab.optimizers`` (each entry a module with ``SPEC``, or an OptimizerSpec;
docs/plugins.md): a plug-in that fails to import, is malformed or takes a name already used is reported in one
line on stderr and skipped, never stopping the program.
"""
from __future__ import annotations

import importlib
import sys
import threading
from importlib.metadata import entry_points

from lab.errors import LabError
from lab.optimizers.base import Optimizer, OptimizerSpec

MODULES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "radam", "adamax", "adadelta",
           "lion", "qhm", "newton", "lbfgs")
"""The built-in optimizers: the lecture's in the order it meets them, the others after (listings follow it)."""

ENTRY_POINT_GROUP = "optimizer_lab.optimizers"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_plugin(name: str, obj) -> OptimizerSpec:
    """The plug-in's spec, or ValueError saying what is wrong with it (one line)."""
    spec = getattr(obj, "SPEC", obj)
    if not isinstance(spec, OptimizerSpec):
        raise ValueError(f"it is {type(spec).__name__}, neither an OptimizerSpec nor a module with SPEC")
    if spec.name != name:
        raise ValueError(f"its spec is named {spec.name!r}, not {name!r} as its entry point")
    if not name.isidentifier() or name.lower() != name:
        raise ValueError("its name must be a lower-case identifier (letters, digits, _)")
    if not callable(spec.factory):
        raise ValueError("its factory is not callable")
    optimizer = spec.make()  # with its defaults: a spec that cannot build is malformed
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"its factory returned {type(optimizer).__name__}, not an Optimizer")
    return spec


def _load_one(ep) -> tuple[OptimizerSpec | None, str]:
    """(its spec, "") or (None, why it is skipped)."""
    try:
        obj = ep.load()
    except (Exception, SystemExit) as exc:  # one broken plug-in never stops the program, even by sys.exit
        return None, f"it failed to import: {_first_line(exc)}"
    try:
        return _check_plugin(ep.name, obj), ""
    except Exception as exc:
        return None, "malformed: " + (str(exc) if isinstance(exc, ValueError) else _first_line(exc))


def _load_in_time(ep) -> tuple[OptimizerSpec | None, str]:
    """``_load_one(ep)`` in a daemon thread, waited for PLUGIN_IMPORT_SECONDS at most: a plug-in whose import or
    factory hangs is skipped (its thread is left blocked; it never keeps the process alive)."""
    from lab.limits import PLUGIN_IMPORT_SECONDS

    out: list = []
    worker = threading.Thread(target=lambda: out.append(_load_one(ep)), name=f"plugin {ep.name}", daemon=True)
    worker.start()
    worker.join(PLUGIN_IMPORT_SECONDS)
    if not out:
        return None, f"it did not finish importing within PLUGIN_IMPORT_SECONDS ({PLUGIN_IMPORT_SECONDS:g} s)"
    return out[0]


def load_plugins(taken, report=None) -> list[OptimizerSpec]:
    """The specs of the installed plug-ins (entry-point group ENTRY_POINT_GROUP) whose names are not in ``taken``.

    A plug-in that fails to import, whose object is not a well-formed spec (see ``_check_plugin``), or whose name
    is a built-in's or an earlier plug-in's is skipped; ``report(line)`` (default: print on stderr) hears one line
    about it. Nothing raises.
    """
    if report is None:
        def report(line):
            print(line, file=sys.stderr)

    taken = set(taken)
    specs = []
    try:
        found = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as exc:  # a broken metadata install
        report(f"optimizer-lab: optimizer plug-ins not loaded: {_first_line(exc)}")
        return specs
    for ep in found:
        where = f"optimizer plug-in {ep.name!r} ({ep.value})"
        if ep.name in taken:
            report(f"optimizer-lab: {where} skipped: the name {ep.name!r} is taken by "
                   f"{'a built-in optimizer' if ep.name in MODULES else 'another plug-in'}")
            continue
        spec, why = _load_in_time(ep)
        if spec is None:
            report(f"optimizer-lab: {where} skipped: {why}")
            continue
        taken.add(spec.name)
        specs.append(spec)
    return specs


OPTIMIZERS: dict[str, OptimizerSpec] = {}
for _spec in [importlib.import_module(f"lab.optimizers.{m}").SPEC for m in MODULES]:
    OPTIMIZERS[_spec.name] = _spec
for _spec in load_plugins(OPTIMIZERS):  # after the built-ins: a plug-in never replaces one
    OPTIMIZERS[_spec.name] = _spec

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


def label(name: str) -> str:
    """How the lecture writes optimizer ``name`` ("SGD", "AdaGrad"); the name itself if there is no such spec."""
    spec = OPTIMIZERS.get(name)
    return spec.label or name if spec is not None else name


def batched_specs() -> list[OptimizerSpec]:
    """The optimizers the batched engine steps (basin maps, sweeps), in registry order."""
    return [s for s in OPTIMIZERS.values() if s.batched]


__all__ = ["OPTIMIZERS", "MODULES", "Optimizer", "OptimizerSpec", "batched_specs", "label", "load_plugins",
           "make_optimizer", "optimizer_spec", *MODULES]
