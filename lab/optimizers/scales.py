"""The two scales of an objective that presets read, and the rounding of suggested values."""
from __future__ import annotations

import math


def round_down(value: float, digits: int = 2) -> float:
    """``value`` > 0 rounded down to ``digits`` significant digits (0.000717 → 0.00071)."""
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"expected a positive finite number, got {value!r}")
    exponent = math.floor(math.log10(value)) - digits + 1
    scaled = math.floor(value / 10.0**exponent + 1e-9)
    return float(f"{scaled}e{exponent}")
