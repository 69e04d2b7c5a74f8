"""``explain`` (lab/explain.py, lab/cli/explain.py): the contract's keys; x_before/x_after are the trajectory's rows
bit for bit; Adam's first step by hand; the states against torch.optim's; bad racers and steps exit 2."""
import json

import numpy as np
import pytest

import main as entry
from lab.engine.race import Race, RacerSpec
from lab.experiment import Experiment
from lab.explain import KEYS, explain_step
from lab.objectives import make_objective
from lab.optimizers import OPTIMIZERS
from lab.optimizers.explaining import vec

RACERS = [RacerSpec("adam", {"lr": 0.05}, "Adam"),
          RacerSpec("adam", {"lr": 0.05, "schedule": "cosine", "t_max": 8, "clip_norm": 2.0}, "scheduled, clipped"),
          RacerSpec("sgd", {"lr": 1e-3, "clip_value": 5.0, "schedule": "step", "step_size": 3, "gamma": 0.5}),
          RacerSpec("momentum", {"lr": 1e-3}), RacerSpec("nesterov", {"lr": 1e-3}), RacerSpec("adagrad", {"lr": 0.5}),
          RacerSpec("rmsprop", {"lr": 0.01}), RacerSpec("newton"), RacerSpec("lbfgs"),
          RacerSpec("sgd", {"lr": 0.3, "line_search": "armijo"}), RacerSpec("nadam", {"lr": 0.01}),
          RacerSpec("radam"), RacerSpec("adamax"), RacerSpec("adadelta"), RacerSpec("lion"), RacerSpec("qhm")]


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def bits(a) -> bytes:
    return np.asarray(a, dtype=np.float64).tobytes()


@pytest.mark.parametrize("objective, noise", [("rosenbrock", 0.0), ("rosenbrock", 0.3), ("linear_regression", 0.0)])
def test_json_keys_and_rows_equal_the_trajectory_bit_for_bit(tmp_path, capsys, objective, noise):
    start = make_objective(objective).start.tolist()
    config = tmp_path / "e.json"
    Experiment(objective, start, RACERS, seed=4, steps=12, noise=noise).save(config)
    assert cli(capsys, "run", "--config", config, "--out", tmp_path / "t.npz")[0] == 0
    with np.load(tmp_path / "t.npz") as npz:
        rows = [npz[f"racer{i}_positions"] for i in range(len(RACERS))]
    for i, spec in enumerate(RACERS):
        for k in sorted({1, 2, len(rows[i]) - 1}):
            rc, out, err = cli(capsys, "explain", "--config", config, "--racer", i, "--step", k, "--json")
            assert (rc, err) == (0, "")
            report = json.loads(out)
            assert tuple(report) == KEYS
            assert report["optimizer"] == spec.optimizer and report["step"] == k
            assert bits(report["x_before"]) == bits(rows[i][k - 1]) and bits(report["x_after"]) == bits(rows[i][k])
            assert bits(report["update"]) == bits(rows[i][k] - rows[i][k - 1])


def test_the_gradient_and_lr_are_the_ones_the_update_used():
    obj = make_objective("rosenbrock")
    race = Race(obj, [-1.5, 2.0], RACERS[:3], max_steps=6).run()
    g = obj.grad(race.tracks[1].positions[3])
    clipped = explain_step(race, 1, 4)  # clip_norm 2: the gradient's norm is ~150
    assert np.isclose(np.linalg.norm(clipped["grad"]), 2.0) and np.allclose(clipped["grad"], g * 2.0 / np.linalg.norm(g))
    assert clipped["lr"] == 0.05 * (1 + np.cos(np.pi * 3 / 8)) / 2  # cosine after 3 steps taken
    stepped = explain_step(race, 2, 5)  # step schedule: 4 steps taken, ⌊4/3⌋ = 1 halving
    assert stepped["lr"] == 0.5e-3 and max(map(abs, stepped["grad"])) == 5.0
    assert stepped["update"] == pytest.approx([-0.5e-3 * v for v in stepped["grad"]], rel=1e-12)


def test_adam_first_step_by_hand_bias_correction():
    obj = make_objective("rosenbrock")
    race = Race(obj, [-1.5, 2.0], [RacerSpec("adam", {"lr": 0.05})], max_steps=3).run()
    r = explain_step(race, 0, 1)
    g = np.array([-155.0, -50.0])  # ∇f(-1.5, 2) = (-2(1 - x) - 400x(y - x²), 200(y - x²))
    assert r["grad"] == g.tolist()
    m, v = 0.1 * g, 0.001 * g * g
    assert r["state_before"] == {"t": 0, "m": [0.0, 0.0], "v": [0.0, 0.0]}
    assert r["state_after"]["t"] == 1
    np.testing.assert_allclose(r["state_after"]["m"], m, rtol=1e-15)
    np.testing.assert_allclose(r["state_after"]["v"], v, rtol=1e-15)
    m_hat, v_hat = m / 0.1, v / 0.001  # = g and g²: the first step is lr·g/(|g| + ε) = lr·sign(g)
    np.testing.assert_allclose(r["update"], -0.05 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-12)
    assert np.allclose(r["update"], [0.05, 0.05], rtol=1e-9)
    lines = r["lines"]
    assert "t = 1" in lines and any(line.startswith("m̂ = m/(1 − β₁¹) = (-155, -50)") for line in lines)
    assert lines[-1] == "x ← x + step = (-1.45, 2.05)"


@pytest.mark.parametrize("name, expected", [
    ("momentum", {"v"}), ("nesterov", {"v"}), ("adagrad", {"G"}), ("rmsprop", {"S"}), ("adam", {"t", "m", "v"}),
    ("adamw", {"t", "m", "v"}), ("sgd", set())])
def test_state_names_are_the_rules(name, expected):
    obj = make_objective("quadratic")
    race = Race(obj, obj.start, [RacerSpec(name, {"lr": 0.01})], max_steps=2).run()
    r = explain_step(race, 0, 2)
    assert set(r["state_before"]) == set(r["state_after"]) == expected
    amsgrad = Race(obj, obj.start, [RacerSpec("adam", {"amsgrad": True})], max_steps=2).run()
    assert set(explain_step(amsgrad, 0, 1)["state_after"]) == {"t", "m", "v", "v_max"}


def test_every_built_in_optimizer_explains_itself_and_names_its_state():
    for name, spec in OPTIMIZERS.items():
        if spec.__module__.startswith("lab.optimizers"):
            assert spec.explain is not None, name
            assert spec.names_of_state(spec.defaults()) or name == "sgd", name


def test_long_vectors_stay_short_in_the_lines():
    obj = make_objective("mlp")
    race = Race(obj, obj.start, [RacerSpec("adagrad", {"lr": 0.01})], max_steps=2).run()
    r = explain_step(race, 0, 2)
    assert len(r["grad"]) == 82 and all(len(line) < 120 for line in r["lines"])
    assert any("first 3 of 82" in line and "|·| = " in line for line in r["lines"])


def test_text_output_and_newton_lines(tmp_path, capsys):
    config = tmp_path / "e.json"
    Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("newton")], steps=20).save(config)
    rc, out, err = cli(capsys, "explain", "--config", config, "--racer", 0, "--step", 1)
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "racer 0 (newton, newton), update 1: x_0 → x_1"
    assert "  H = ∇²f(x) = [[1902, 600], [600, 200]]" in lines
    assert any(line.startswith("  λ(H) = (") for line in lines) and lines[-1].startswith("  x ← x + step = (")


@pytest.mark.parametrize("racer, step, message", [
    ("7", "1", "--racer must be a whole number from 0 to 1 (the experiment's 2 enabled racers), got '7'"),
    ("-1", "1", "from 0 to 1"), ("x", "1", "from 0 to 1"), ("0.5", "1", "from 0 to 1"),
    ("0", "0", "--step must be a whole number from 1 to 5 (racer 0, sgd: max steps at step 5), got '0'"),
    ("0", "6", "from 1 to 5"), ("0", "-3", "from 1 to 5"), ("0", "2.5", "from 1 to 5"), ("0", "two", "from 1 to 5"),
    ("1", "4", "from 1 to 1 (racer 1, newton: converged at step 1)")])
def test_bad_racer_or_step_is_exit_2_with_one_line(tmp_path, capsys, racer, step, message):
    config = tmp_path / "e.json"
    racers = [RacerSpec("sgd", {"lr": 0.01}), RacerSpec("newton"), RacerSpec("adam", enabled=False)]
    Experiment("quadratic", [1.0, 1.0], racers, steps=5).save(config)
    rc, out, err = cli(capsys, "explain", "--config", config, "--racer", racer, "--step", step)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err


TORCH_CASES = [  # (racer, torch class, its keyword arguments, {our rule's name: torch's state key})
    (RacerSpec("sgd", {"lr": 2e-4}), "SGD", {"lr": 2e-4}, {}),
    (RacerSpec("momentum", {"lr": 1e-4, "rho": 0.9}), "SGD", {"lr": 1e-4, "momentum": 0.9}, {"v": "momentum_buffer"}),
    (RacerSpec("nesterov", {"lr": 1e-4, "rho": 0.8}), "SGD", {"lr": 1e-4, "momentum": 0.8, "nesterov": True},
     {"v": "momentum_buffer"}),
    (RacerSpec("adagrad", {"lr": 0.05}), "Adagrad", {"lr": 0.05}, {"G": "sum"}),
    (RacerSpec("rmsprop", {"lr": 1e-3, "decay_rate": 0.9}), "RMSprop", {"lr": 1e-3, "alpha": 0.9}, {"S": "square_avg"}),
    (RacerSpec("adam", {"lr": 0.01}), "Adam", {"lr": 0.01}, {"t": "step", "m": "exp_avg", "v": "exp_avg_sq"}),
    (RacerSpec("adam", {"lr": 0.01, "amsgrad": True}), "Adam", {"lr": 0.01, "amsgrad": True},
     {"t": "step", "m": "exp_avg", "v": "exp_avg_sq", "v_max": "max_exp_avg_sq"}),
]


@pytest.mark.parametrize("racer, cls, kwargs, keys", TORCH_CASES, ids=[c[1] + "-" + c[0].optimizer for c in TORCH_CASES])
def test_states_equal_torch_optims(racer, cls, kwargs, keys):
    torch = pytest.importorskip("torch", reason="torch is not a test dependency; pip install torch to compare states")
    obj = make_objective("rosenbrock")
    steps = 25
    race = Race(obj, [-1.5, 2.0], [racer], max_steps=steps).run()
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        param = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, cls)([param], **kwargs)
        for k in range(1, steps + 1):
            report = explain_step(race, 0, k)
            param.grad = torch.tensor(report["grad"], dtype=torch.float64)  # the same gradients on both sides
            opt.step()
            state = opt.state[param]
            np.testing.assert_allclose(param.detach().numpy(), report["x_after"], rtol=1e-12, atol=1e-14)
            assert set(report["state_after"]) == set(keys)
            for ours, theirs in keys.items():
                value = state[theirs]
                value = value.item() if ours == "t" else value.numpy()
                np.testing.assert_allclose(report["state_after"][ours], value, rtol=1e-12, atol=1e-300)
    finally:
        torch.set_default_dtype(default)


def test_an_explanation_that_fails_still_shows_the_numbers(monkeypatch):
    obj = make_objective("rosenbrock")
    race = Race(obj, [-1.5, 2.0], [RacerSpec("newton")], max_steps=3).run()

    def broken(x):
        raise ArithmeticError("no Hessian here")

    monkeypatch.setattr(obj, "hessian", broken)  # Newton's own lines ask the Hessian; the race's rule did not
    r = explain_step(race, 0, 2)
    assert r["lines"][-5:] == ["t = 2", "fallback = 0", f"step = {vec(r['update'])}",
                               "(its own explanation failed: ArithmeticError)", f"x ← x + step = {vec(r['x_after'])}"]
