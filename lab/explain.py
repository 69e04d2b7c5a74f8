"""One update explained with its numbers: ``explain_step(race, i, k)``, for ``python main.py explain`` and the window.

Update k of racer i moves x_(k−1) to x_k. Its gradient is recomputed at x_(k−1) from the race's own source (the
same minibatch and noise), the state before and after come from ``Race.state_at`` (bit for bit the race's), and
x_(k−1), x_k are the trajectory's rows. The lines every optimizer shares are written here (the point, the
gradient and its clipping, the scheduled lr, x ← x + step); each optimizer's own lines come from its spec's
``explain`` (lab/optimizers/<name>.py), its state's names from ``state_names``.
"""
from __future__ import annotations

import numpy as np

from lab.engine import replay
from lab.optimizers import optimizer_spec, pieces
from lab.optimizers.elementwise import Scheduled
from lab.optimizers.explaining import Step, num, sub, vec

KEYS = ("optimizer", "step", "x_before", "grad", "lr", "state_before", "state_after", "update", "x_after")
"""The explain contract's keys, in order (``explain_step`` adds ``lines``)."""


def explain_step(race, i: int, k: int) -> dict:
    """Racer i's update k (1 ≤ k ≤ its steps) with its numbers: the contract's KEYS (full floats, JSON-ready)
    plus ``lines``, the update in the lecture's notation at a precision a student can follow.
    ValueError (naming the allowed range) for a bad i or k."""
    i, k = replay.check_step(race, i, k, lowest=1)
    tr = race.tracks[i]
    spec = optimizer_spec(tr.spec.optimizer)
    hp = {**spec.defaults(), **tr.optimizer.hyperparameters}
    update = tr.optimizer.update
    x_before, x_after = tr.positions[k - 1].copy(), tr.positions[k].copy()
    before, after = race.state_at(i, k - 1), race.state_at(i, k)
    with np.errstate(all="ignore"):
        raw = replay.used_gradient(race, x_before, k - 1)
        clip = getattr(update, "clip", None)
        g = clip(raw) if clip is not None else raw
        used_lr = getattr(update, "lr_used", None)
        lr = float(used_lr(before, after)) if used_lr is not None else hp.get("lr")
        step = x_after - x_before
    names = spec.names_of_state(hp)
    out = {"optimizer": spec.name, "step": k, "x_before": x_before.tolist(), "grad": np.asarray(g).tolist(),
           "lr": lr, "state_before": _named(before, names, jsonable=True),
           "state_after": _named(after, names, jsonable=True), "update": step.tolist(), "x_after": x_after.tolist()}
    numbers = Step(k, hp, x_before, np.asarray(g, dtype=float), lr, _named(before, names), _named(after, names),
                   step, race.objective)
    with np.errstate(all="ignore"):
        try:
            own = spec.explain(numbers) if spec.explain is not None else _plain(numbers)
        except Exception as exc:  # a failing explanation (a plug-in's, a Hessian that raises) still shows the numbers
            own = _plain(numbers) + [f"(its own explanation failed: {type(exc).__name__})"]
        head = _shared_head(race, hp, raw, g, numbers, update)
        out["lines"] = head + list(own) + [f"x ← x + step = {vec(x_after)}"]
    return out


def _shared_head(race, hp: dict, raw, g, s: Step, update) -> list[str]:
    """x, g (and where it came from), its clipping stage by stage, the scheduled lr."""
    made, why = _gradient_source(race.gradient_source, s.k - 1)
    lines = [f"x = {vec(s.x)}", f"g = {made} = {vec(raw)}{why}"]
    spec = getattr(update, "pieces", None)
    clip_value = hp.get("clip_value") if spec is None else spec.clip_value
    clip_norm = hp.get("clip_norm") if spec is None else spec.clip_norm
    if clip_value is not None:
        raw = pieces.clip_value(np.asarray(raw, dtype=float), clip_value)
        lines.append(f"g ← clamp(g, −c, c) = {vec(raw)}   (clip_value c = {num(clip_value)})")
    if clip_norm is not None:
        norm = float(np.sqrt(np.sum(np.asarray(raw, dtype=float) ** 2)))
        lines.append(f"g ← g·min(1, c/|g|) = {vec(g)}   (|g| = {num(norm)}, clip_norm c = {num(clip_norm)})")
    schedule = hp.get("schedule", "constant")
    if schedule != "constant":
        lines.append(f"lr = {schedule} schedule after {s.k - 1} steps = {num(s.lr)}   (lr₀ = {num(hp['lr'])})")
    return lines


def _gradient_source(source, j: int) -> tuple[str, str]:
    """How the gradient at x_j was made, and a note: ∇f(x), minibatch j's ∇f_Bⱼ(x), noise ξⱼ (lab.stochastic)."""
    if source is None:
        return "∇f(x)", ""
    minibatched, noise = getattr(source, "minibatched", True), getattr(source, "noise", None)
    noisy = noise is None or bool(noise)
    made = (f"∇f_B{sub(j)}(x)" if minibatched else "∇f(x)") + (f" + ξ{sub(j)}" if noisy else "")
    said = ([f"B{sub(j)}: minibatch {j}"] if minibatched else []) + ([f"ξ{sub(j)}: noise draw {j}"] if noisy else [])
    return made, f"   ({', '.join(said)}, the same for every racer)"


def _plain(s: Step) -> list[str]:
    """For an optimizer that declares no ``explain``: each state value after the update, then the step."""
    lines = [f"{name} = {_shown(value)}" for name, value in s.after.items()]
    return lines + [f"step = {vec(s.step)}"]


def _shown(value) -> str:
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.dtype.kind == "f":
        return vec(value)
    if isinstance(value, tuple):
        return f"{len(value)} vectors"
    return str(value.tolist() if isinstance(value, np.ndarray) else value)


def _named(state, names: dict, jsonable: bool = False) -> dict:
    """The state's shown fields by their rule names: arrays and ints (``jsonable``: lists, floats, ints)."""
    if isinstance(state, Scheduled):
        state = state.inner
    out = {}
    for field, name in names.items():
        value = getattr(state, field)
        out[name] = _json(value) if jsonable else _plain_value(value)
    return out


def _plain_value(value):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iub":
        return value.item()
    return value


def _json(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    return value


__all__ = ["KEYS", "explain_step"]
