"""What the plots show for a value: log-scale floors and log-spaced contour levels (display only, no optimization math)."""
from __future__ import annotations

import math

import numpy as np

FLOOR = 1e-16
"""Gaps f − f* and norms below FLOOR·max(1, |f*|) are drawn at the floor: double precision cannot tell them from 0,
and an exact 0 would break the log scale."""


def floor_for(min_value: float | None) -> float:
    """The log plots' floor for an objective whose minimum value is ``min_value`` (None: unknown)."""
    return FLOOR * max(1.0, abs(min_value)) if min_value is not None else FLOOR


def loss_gap(losses: np.ndarray, min_value: float | None) -> np.ndarray:
    """f − f* floored (for a log axis) when f* is known; f itself when it is not (drawn on a linear axis).

    Non-finite losses stay non-finite, so the plots skip them.
    """
    losses = np.asarray(losses, dtype=float)
    if min_value is None:
        return losses.copy()
    with np.errstate(invalid="ignore"):
        gap = losses - min_value
        return np.where(np.isnan(gap), gap, np.maximum(gap, floor_for(min_value)))


def positive_floor(values: np.ndarray, floor: float = FLOOR) -> np.ndarray:
    """Values for a log axis: below ``floor`` (exact zeros included) drawn at the floor; NaN kept."""
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(values), values, np.maximum(values, floor))


def log_levels(gaps: np.ndarray, count: int = 14, span: float = 1e7) -> np.ndarray:
    """``count`` + 1 level edges spaced evenly in log10(gap), from the largest finite gap down by at most ``span``.

    Log-spaced levels show a narrow valley (rosenbrock's) that linear levels flatten into one band.
    """
    gaps = np.asarray(gaps, dtype=float)
    good = gaps[np.isfinite(gaps) & (gaps > 0)]
    if good.size == 0:
        return np.linspace(-1.0, 1.0, count + 1)
    hi = np.log10(good.max())
    lo = max(np.log10(good.min()), hi - np.log10(span))
    if hi - lo < 1e-9:
        lo, hi = hi - 1.0, hi + 1.0
    return np.linspace(lo, hi, count + 1)


def banded(gaps: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """log10(gap) snapped to the middle of its band between ``levels`` (filled contours as an image)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log10(np.asarray(gaps, dtype=float))
    idx = np.clip(np.searchsorted(levels, z, side="right") - 1, 0, len(levels) - 2)
    mid = 0.5 * (levels[:-1] + levels[1:])
    return np.where(np.isfinite(z), mid[idx], np.where(z > 0, mid[-1], mid[0]))


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

MANTISSAS = ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5), (1, 2, 5), (1, 3))
"""Values labelled within each decade, densest first (then every decade, every 2nd, 5th, 10th, …)."""

DECADE_STEPS = (1, 2, 5, 10, 20, 50, 100, 200)


def tick_label(value: float) -> str:
    """A tick's text: plain between 0.01 and 10 000 (``5``, ``20``, ``0.05``), else ``m·10ᵏ`` or ``10ᵏ``."""
    if 1e-2 <= value < 1e4:
        return f"{value:.6g}"
    k = math.floor(math.log10(value) + 1e-9)
    m = round(value / 10.0 ** k, 6)
    power = "10" + str(k).translate(SUPERSCRIPT)
    return power if m == 1 else f"{m:g}·{power}"


def _in_view(lo: float, hi: float, mantissas, step: int) -> list[float]:
    """log₁₀ of the values m·10ᵏ (m in ``mantissas``, k a multiple of ``step``) that lie in [lo, hi] (decades)."""
    out = []
    for k in range(math.floor(lo) - 1, math.ceil(hi) + 1):
        if k % step:
            continue
        for m in mantissas:
            v = k + math.log10(m)
            if lo - 1e-9 <= v <= hi + 1e-9:
                out.append(v)
    return out


def _gap(mantissas) -> float:
    """The least distance (decades) between neighbouring labels of a mantissa set, the next decade's 1 included."""
    logs = [math.log10(m) for m in mantissas] + [1.0]
    return min(b - a for a, b in zip(logs, logs[1:]))


COMFORTABLE = 2.2
"""Label heights between neighbouring labels when there is room."""

TOUCHING = {False: 0.65, True: 0.9}
"""The least label heights between neighbours: plain digits are ~0.65 of the line, 10⁻⁵'s superscript reaches
the top of it."""


def log_ticks(lo: float, hi: float, pixels: float, label_px: float) -> list[tuple[float, str]]:
    """Labelled ticks for a log axis showing log₁₀ values ``lo`` to ``hi`` over ``pixels``: (position in decades,
    text), for labels ``label_px`` high.

    The densest of 1–9, 1-2-3-5, 1-2-5, 1-3 per decade, then every 1, 2, 5, 10, … decades, whose neighbours are
    ``COMFORTABLE`` label heights apart; but never fewer than three labels over less than two decades (a κ axis
    over [5, 50] shows 5, 10, 20, 50, not 10 alone), nor fewer than two over more, as long as neighbours do not
    touch (``TOUCHING``): a plot too short for that shows fewer.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or pixels <= 0:
        return []
    per_decade = pixels / (hi - lo)
    least = 3 if hi - lo < 2.0 else 2
    choices = ([(_in_view(lo, hi, m, 1), _gap(m)) for m in MANTISSAS]
               + [(_in_view(lo, hi, (1,), s), float(s)) for s in DECADE_STEPS])

    def apart(i: int, heights: float | None = None) -> bool:
        ticks, gap = choices[i]
        if heights is None:
            heights = TOUCHING[any(tick_label(10.0 ** v)[-1] in "⁰¹²³⁴⁵⁶⁷⁸⁹" for v in ticks)]
        return gap * per_decade >= heights * label_px

    fit = next((i for i in range(len(choices)) if apart(i, COMFORTABLE)), len(choices) - 1)
    while fit > 0 and len(choices[fit][0]) < least and apart(fit - 1):
        fit -= 1
    return [(v, tick_label(10.0 ** v)) for v in choices[fit][0]]



def log_step(steps):
    """The position of step k on a log step axis: log₁₀(1 + k) (step 0 at 0, so the start stays in view)."""
    return np.log10(1.0 + np.asarray(steps, dtype=float))


def step_ticks(lo: float, hi: float, room: int) -> list[tuple[float, str]]:
    """Labelled ticks for a log step axis showing positions ``lo`` to ``hi`` (log₁₀(1 + k)): the steps 0, and
    1, 2, 5 × 10ᵏ (thinned to every 2nd, 5th, … decade to fit ``room``), each at log₁₀(1 + k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    last = max(0.0, 10.0 ** hi - 1.0)
    for mantissas, step in (((1, 2, 5), 1), ((1, 3), 1), ((1,), 1), ((1,), 2), ((1,), 5), ((1,), 10)):
        ks = [0] + [m * 10 ** e for e in range(0, int(math.log10(max(last, 1.0))) + 2) if e % step == 0
                    for m in mantissas]
        ticks = [(float(log_step(k)), tick_label(k) if k else "0") for k in ks if lo - 1e-9 <= float(log_step(k)) <= hi + 1e-9]
        if len(ticks) <= max(room, 2):
            return ticks
    return ticks


SINGULAR_KAPPA = 1.0 / float(np.finfo(float).eps)
"""κ from 1/ε ≈ 4.5·10¹⁵ up is a singular Hessian in double precision: its smallest |λ| is rounding noise (the mlp's
Hessian has exact null directions — adding the same vector to both output rows changes no softmax — so κ came
out anywhere from 10¹⁸ to 10²¹, or ∞ where an eigenvalue rounded to 0: a jagged curve with gaps)."""


def kappa_shown(kappas: np.ndarray) -> np.ndarray:
    """κ for the κ plot: from ``SINGULAR_KAPPA`` up (∞ included) drawn at it, a flat line saying "singular";
    NaN (no Hessian) kept as a gap."""
    kappas = np.asarray(kappas, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(kappas), kappas, np.minimum(kappas, SINGULAR_KAPPA))


def quantile_levels(values: np.ndarray, bands: int) -> np.ndarray:
    """Band edges (increasing, at most ``bands`` + 1) that split the finite ``values`` into bands of equal count:
    a slice of a loss that is flat but for a steep rim gets as many colours near its floor as on the rim (linear
    levels gave it one colour). Two edges around a constant."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.array([0.0, 1.0])
    edges = np.unique(np.quantile(v, np.linspace(0.0, 1.0, bands + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    return edges


def band_of(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The band (0 … len(edges) − 2) of each value, centred: i + 0.5; non-finite values (a blown-up f) in the top
    band."""
    v = np.asarray(values, dtype=float)
    i = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    return np.where(np.isfinite(v), i, len(edges) - 2) + 0.5
