"""The optimizers that torch.optim also has, against torch.optim: 500-step float64 trajectories on rosenbrock.

    python benchmarks/torch_parity.py       prints, per case, the largest |x_lab − x_torch| over the trajectory

Needs torch (not a dependency of this project: ``pip install torch`` to run it). Both sides step on the same
gradients (the objective's own, at torch's current point), so any difference is the optimizers' arithmetic.
torch runs with float64 as its default dtype: with float32 it keeps NAdam's product of momentum coefficients in
float32 (its scalar state follows the default dtype), ~1e-9 off after 500 steps at lr = 0.01.
tests/test_torch_parity.py runs the same cases and asserts the 1e-9 of the contract (skipped without torch).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.objectives import make_objective  # noqa: E402
from lab.optimizers import make_optimizer  # noqa: E402

STEPS = 500
START = (-1.5, 2.0)

# (lab name, lab hyperparameters, torch class name, torch keyword arguments)
CASES = [
    ("nadam", {}, "NAdam", {}),
    ("nadam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}, "NAdam",
     {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("radam", {}, "RAdam", {}),
    ("radam", {"lr": 0.01, "beta2": 0.99, "weight_decay": 0.1}, "RAdam",
     {"lr": 0.01, "betas": (0.9, 0.99), "weight_decay": 0.1}),
    ("adamax", {}, "Adamax", {}),
    ("adamax", {"lr": 0.01, "beta1": 0.8, "weight_decay": 0.1}, "Adamax",
     {"lr": 0.01, "betas": (0.8, 0.999), "weight_decay": 0.1}),
    ("adadelta", {}, "Adadelta", {}),
    ("adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.1}, "Adadelta",
     {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.1}),
    ("sgd", {"lr": 2e-4, "weight_decay": 0.1}, "SGD", {"lr": 2e-4, "weight_decay": 0.1}),
    ("momentum", {"lr": 1e-4, "rho": 0.9, "weight_decay": 0.1}, "SGD",
     {"lr": 1e-4, "momentum": 0.9, "weight_decay": 0.1}),
    ("nesterov", {"lr": 1e-4, "rho": 0.9, "weight_decay": 0.1}, "SGD",
     {"lr": 1e-4, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01}, "Adam", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}, "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 1e-3}, "RMSprop", {"lr": 1e-3, "alpha": 0.99}),
    ("adagrad", {"lr": 0.05}, "Adagrad", {"lr": 0.05}),
]


def lab_path(name: str, hp: dict, objective, steps: int = STEPS) -> np.ndarray:
    opt = make_optimizer(name, **hp)
    x = np.array(START, dtype=float)
    state = opt.init(x)
    path = [x]
    for _ in range(steps):
        step, state = opt.update(objective.grad(x), state, x, objective)
        x = x + step
        path.append(x)
    return np.array(path)


def torch_path(cls: str, kwargs: dict, objective, steps: int = STEPS) -> np.ndarray:
    import torch

    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps scalar state (NAdam's μ product, the step) in this dtype
    try:
        param = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, cls)([param], **kwargs)
        path = [param.detach().numpy().copy()]
        for _ in range(steps):
            param.grad = torch.from_numpy(objective.grad(param.detach().numpy().copy()))
            opt.step()
            path.append(param.detach().numpy().copy())
    finally:
        torch.set_default_dtype(default)
    return np.array(path)


def max_difference(case, steps: int = STEPS) -> tuple[float, float]:
    """(max |x_lab − x_torch| over the trajectory, how far the path moved: max |x_t − x_0|)."""
    name, hp, cls, kwargs = case
    objective = make_objective("rosenbrock")
    ours, theirs = lab_path(name, hp, objective, steps), torch_path(cls, kwargs, objective, steps)
    return float(np.abs(ours - theirs).max()), float(np.abs(ours - ours[0]).max())


def main() -> int:
    import torch

    print(f"torch {torch.__version__}, rosenbrock from {START}, {STEPS} steps, float64")
    for case in CASES:
        diff, moved = max_difference(case)
        hp = ",".join(f"{k}={v}" for k, v in case[1].items())
        print(f"{case[0] + (':' + hp if hp else ''):<55} vs torch.optim.{case[2]:<9} max |Δx| = {diff:.3g}"
              f"   (moved {moved:.3g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
