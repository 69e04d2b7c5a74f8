"""AdamW: Adam with decoupled weight decay."""
from __future__ import annotations

from lab.optimizers.adam import PARAMS as ADAM_PARAMS
from lab.optimizers.adam import AdamState, adam_details, explain, rule, state_names
from lab.optimizers.base import AMSGRAD, BIAS_CORRECTION, OptimizerSpec
from lab.optimizers.elementwise import per_coordinate
from lab.optimizers.scales import round_down
from lab.params import Param


def adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False, bias_correction: bool = True) -> "Optimizer":
    """AdamW: Adam with decoupled weight decay.

    Algorithm::

        x = x * (1 - lr * weight_decay)       # decay first, outside the moments
        x = x - lr * m_hat / (sqrt(v_hat) + eps)   # then Adam's step, with g = grad(x) taken before the decay

    The state is Adam's: t, m, v (and v_max with amsgrad). Matches torch.optim.AdamW. With weight_decay = 0 it is Adam.
    """
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay,
             "amsgrad": amsgrad, "bias_correction": bias_correction}
    return per_coordinate("adamw", hyper, rule, AdamState,
                          adam_details(lr, beta1, beta2, eps, bias_correction, amsgrad))


SPEC = OptimizerSpec(
    "adamw", ADAM_PARAMS[:4] + (Param("weight_decay", 0.01, lo=0.0, doc="decoupled weight decay", symbol="wd"),
                                AMSGRAD, BIAS_CORRECTION), adamw,
    rule="x ← x·(1 − lr·weight_decay)\nthen Adam's step with g = ∇f(x) from before the decay",
    summary="Adam with decoupled weight decay",
    label="AdamW", short_label="AdamW",
    preset=lambda scales: {"lr": round_down(scales.width / 400)},
    per_point=("lr", "eps"), state_names=state_names, explain=explain)
