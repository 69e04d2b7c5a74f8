"""The optimizers torch.optim also has equal torch.optim's trajectories in float64 (benchmarks/torch_parity.py's
cases: 500 steps on rosenbrock, the same gradients on both sides). torch is not a dependency: skipped without it."""
import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (not a dependency; pip install torch to compare)")

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "torch_parity.py"
_spec = importlib.util.spec_from_file_location("torch_parity", _PATH)
parity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parity)


def test_the_cases_cover_every_optimizer_torch_has_and_weight_decay():
    names = {case[0] for case in parity.CASES}
    assert {"nadam", "radam", "adamax", "adadelta", "sgd", "momentum", "nesterov"} <= names
    for name in ("sgd", "momentum", "nesterov", "nadam", "radam", "adamax", "adadelta"):
        assert any(case[0] == name and case[1].get("weight_decay") for case in parity.CASES), name


@pytest.mark.parametrize("case", parity.CASES,
                         ids=[c[0] + "-" + "-".join(f"{k}={v}" for k, v in c[1].items()) for c in parity.CASES])
def test_trajectory_equals_torch_optim(case):
    difference, moved = parity.max_difference(case)
    assert moved > 0.05  # the path really went somewhere
    assert difference <= 1e-9, difference
