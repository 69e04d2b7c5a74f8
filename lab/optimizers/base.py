"""What an optimizer is: its declaration (``OptimizerSpec``) and, built, ``init``/``update`` over NamedTuple states."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from lab.optimizers import pieces  # here, not in the methods: a plug-in's thread never waits for this package
from lab.optimizers.optimizer import Optimizer
from lab.params import Param, check_all


class PhasePlane(NamedTuple):
    """An optimizer with a velocity, on the quadratic model along one Hessian eigenvalue λ (lab/phase.py): (x, v)
    evolve by a 2×2 matrix whose characteristic polynomial is z² − b·z + c.

    - ``characteristic(lr, rho, lam) -> (b, c)``, broadcast over arrays;
    - ``matrix(lr, rho, lam) -> (2, 2) array``, (x', v') = M (x, v) (the tests check it against the polynomial);
    - ``optimum(lam_min, lam_max) -> (lr*, ρ*, rate*)`` in closed form, or None: then lab/phase.py searches;
    - ``optimum_name``: how the summary names that optimum.
    """

    characteristic: Callable
    matrix: Callable
    optimum: Callable | None = None
    optimum_name: str = "optimum (numerical)"


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything the program knows about one optimizer, declared once, in its own module.

    - ``name`` (the contract's word), ``label`` (as the lecture writes it), ``short_label`` (a narrow column);
    - ``summary`` (one line) and ``rule`` (the update in the lecture's notation);
    - ``params``: its hyperparameters, defaults and ranges; ``factory(**hyperparameters) -> Optimizer``;
    - ``lr_bound`` and ``lr_bound_text``: for a gradient-step method, c(hyperparameters) such that on the local
      quadratic model the method is stable iff lr < c/λmax (sgd: 2), and the same in words; None otherwise;
    - ``preset(scales) -> dict``: hyperparameters that behave well on an objective, from ``scales.curvature``
      (L, the top Hessian eigenvalue near the race) and ``scales.width`` (W, the domain's mean side);
    - ``per_point``: hyperparameters that may take one value per start point in a batch (same bits as alone);
    - ``batched``: whether it steps many points at once (the batched engine, basin maps, sweeps);
    - ``lecture``: one of the lecture's set of racers (in the registry's order);
    - ``state_names``: the state's fields by the names the rule gives them (``{"count": "t", "mu": "m"}``), a dict
      or ``f(hyperparameters) -> dict`` (a field left out is not shown); the explain contract's keys;
    - ``explain(step) -> list[str]``: the rule's own lines with one update's numbers (lab/optimizers/explaining.py
      says what ``step`` holds); None: each state name with its value, then the step;
    - ``phase``: a ``PhasePlane`` for a method with a velocity (its momentum phase diagram, lab/phase.py), or None.
    """

    name: str
    params: tuple[Param, ...]
    factory: Callable[..., Optimizer] = field(repr=False)
    rule: str = ""
    summary: str = ""
    label: str = ""
    short_label: str = ""
    lr_bound: Callable[[dict], float] | None = field(default=None, repr=False)
    lr_bound_text: str = ""
    preset: Callable[[Any], dict] | None = field(default=None, repr=False)
    per_point: tuple[str, ...] = ()
    batched: bool = True
    lecture: bool = False
    state_names: dict | Callable[[dict], dict] = field(default_factory=dict, repr=False)
    explain: Callable[[Any], list[str]] | None = field(default=None, repr=False)
    phase: "PhasePlane | None" = field(default=None, repr=False)
    first_order: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        # An optimizer whose update is a per-coordinate rule takes the shared pieces (a learning-rate schedule,
        # gradient clipping: lab/optimizers/pieces.py) as hyperparameters too, without naming them.
        probe = self.factory(**{p.name: p.default for p in self.params})
        if getattr(probe.update, "rule", None) is not None:
            object.__setattr__(self, "first_order", True)
            object.__setattr__(self, "params", tuple(self.params) + pieces.PARAMS)

    def make(self, **hyperparameters) -> Optimizer:
        """The optimizer with these hyperparameters, every value checked (LabError names the bad one)."""
        owner = f"optimizer {self.name!r}"
        values = check_all(self.params, hyperparameters, owner)
        if self.first_order:
            pieces.check(values, owner)
        return self.build(**values)

    def build(self, **values) -> Optimizer:
        """The optimizer from values already checked (all of them; a per-point one may be an array)."""
        if not self.first_order:
            return self.factory(**values)
        from lab.optimizers.elementwise import with_pieces

        own = {k: v for k, v in values.items() if k not in pieces.NAMES}
        return with_pieces(self.factory(**own), {k: values.get(k, pieces.DEFAULTS[k]) for k in pieces.NAMES})

    @property
    def own_params(self) -> tuple[Param, ...]:
        """Its own hyperparameters, without the shared pieces (schedule, clipping) a first-order one also takes."""
        if not self.first_order:
            return self.params
        return tuple(p for p in self.params if p.name not in pieces.NAMES)

    def shown_params(self, values: dict) -> tuple[Param, ...]:
        """The hyperparameters an editor shows for these values: its own, then the schedule's that the chosen
        schedule reads, and the clipping (a constant schedule hides step_size, gamma, t_max, lr_min, warmup)."""
        if not self.first_order:
            return self.params
        schedule = values.get("schedule", "constant")
        names = pieces.shown(schedule if schedule in pieces.USED else "constant")
        return self.own_params + tuple(self.param(n) for n in names)

    def names_of_state(self, hyperparameters: dict) -> dict:
        """The state's fields shown, by their names in the rule, for these hyperparameters (all of them filled)."""
        names = self.state_names
        return dict(names(hyperparameters) if callable(names) else names)

    def param(self, name: str) -> Param:
        return {p.name: p for p in self.params}[name]

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def lr_limit(self, hyperparameters: dict, lam_max: float) -> float | None:
        """The largest stable lr on a quadratic whose top eigenvalue is ``lam_max``: c/λmax, inf when λmax ≤ 0,
        NaN when λmax is NaN; None for a method whose steps are not lr times gradients."""
        if self.lr_bound is None:
            return None
        if not lam_max > 0:
            return float("inf") if lam_max <= 0 else float("nan")
        return self.lr_bound({**self.defaults(), **hyperparameters}) / lam_max


# The shared hyperparameter ranges (the validation contract).
def lr(default: float) -> Param:
    return Param("lr", default, lo=0.0, lo_open=True, doc="learning rate (step size)", symbol="lr")


RHO = Param("rho", 0.9, lo=0.0, hi=1.0, hi_open=True, doc="momentum: the friction is 1 - rho", symbol="ρ")
BETA1 = Param("beta1", 0.9, lo=0.0, hi=1.0, hi_open=True, doc="decay of the first moment (momentum)", symbol="β₁")
BETA2 = Param("beta2", 0.999, lo=0.0, hi=1.0, hi_open=True, doc="decay of the second moment", symbol="β₂")
DECAY_RATE = Param("decay_rate", 0.99, lo=0.0, hi=1.0, hi_open=True, doc="decay of the running mean of g²",
                   symbol="decay")
BIAS_CORRECTION = Param("bias_correction", True, kind="bool", doc="divide the moments by 1 - beta^t", symbol="bias correction")
AMSGRAD = Param("amsgrad", False, kind="bool", doc="use the running maximum of the second moment")


def eps(default: float) -> Param:
    return Param("eps", default, lo=0.0, lo_open=True, doc="added to the denominator, avoids division by zero",
                 symbol="ε")
