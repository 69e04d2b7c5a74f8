"""The objectives a race can run on, by name."""
from __future__ import annotations

from lab.errors import LabError
from lab.objectives import classic, custom, data, mlp
from lab.objectives.base import Function2D, Objective, ObjectiveSpec

# The classic 2-D test functions, then the data-driven losses, the network and the typed-in formula.
# (spec.dim is the default dimension: an mlp's is 5·hidden + 2.)
_CLASSES = (*classic.ALL, *data.ALL, mlp.MLP, custom.Custom)

OBJECTIVES: dict[str, ObjectiveSpec] = {
    cls.name: ObjectiveSpec(cls.name, cls.dim, cls.PARAMS, cls, (cls.__doc__ or "").strip().splitlines()[0])
    for cls in _CLASSES
}


def objective_spec(name: str) -> ObjectiveSpec:
    """The spec called ``name``, or LabError listing the valid names."""
    try:
        return OBJECTIVES[name]
    except (KeyError, TypeError):
        raise LabError(f"unknown objective {name!r}; choose one of: {', '.join(OBJECTIVES)}") from None


def make_objective(name: str, **params) -> Objective:
    """Build the objective ``name`` with ``params`` (defaults filled, every value checked)."""
    return objective_spec(name).make(**params)


__all__ = ["OBJECTIVES", "Function2D", "Objective", "ObjectiveSpec", "make_objective", "objective_spec"]
