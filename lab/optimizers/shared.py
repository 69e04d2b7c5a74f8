"""Hyperparameters shared by the optimizers added beyond the lecture's set (the validation contract)."""
from __future__ import annotations

from lab.params import Param

WEIGHT_DECAY = Param("weight_decay", 0.0, lo=0.0, symbol="wd",
                     doc="L2 penalty, as torch: g ← g + weight_decay·x before the update")
"""torch's (coupled) weight decay: the gradient of f + ½·weight_decay·|x|²."""
