"""The objectives a race can run on, by name."""
from __future__ import annotations

from lab.errors import LabError
from lab.objectives import classic, custom, data, lesson, mlp
from lab.objectives.base import Function2D, Objective, ObjectiveSpec

# The classic 2-D test functions, then the data-driven losses, the network and the typed-in formula.
# (spec.dim is the default dimension: an mlp's is 5·hidden + 2.)
_CLASSES = (*classic.ALL, *data.ALL, mlp.MLP, custom.Custom)


def _spec(cls) -> ObjectiveSpec:
    return ObjectiveSpec(cls.name, cls.dim, cls.PARAMS, cls, (cls.__doc__ or "").strip().splitlines()[0])


OBJECTIVES: dict[str, ObjectiveSpec] = {cls.name: _spec(cls) for cls in _CLASSES}

LESSON_OBJECTIVES: dict[str, ObjectiveSpec] = {cls.name: _spec(cls) for cls in lesson.ALL}
"""Objectives for lessons only (a planted wrong gradient): usable by name in a lesson or experiment file, but not
listed by ``objectives`` nor offered in the window's list."""


def objective_spec(name: str) -> ObjectiveSpec:
    """The spec called ``name``, or LabError listing the valid names."""
    try:
        return OBJECTIVES[name] if name in OBJECTIVES else LESSON_OBJECTIVES[name]
    except (KeyError, TypeError):
        raise LabError(f"unknown objective {name!r}; choose one of: {', '.join(OBJECTIVES)}") from None


def make_objective(name: str, **params) -> Objective:
    """Build the objective ``name`` with ``params`` (defaults filled, every value checked)."""
    return objective_spec(name).make(**params)


__all__ = ["LESSON_OBJECTIVES", "OBJECTIVES", "Function2D", "Objective", "ObjectiveSpec", "make_objective",
           "objective_spec"]
