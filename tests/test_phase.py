"""The momentum phase diagram (lab/phase.py, `python main.py phase`): rates against the characteristic polynomial's
roots and the 2×2 matrix's eigenvalues, against rates measured by iterating the real optimizers, the optimum
against its closed forms, the regions, the files, and every bad input as one line and exit 2."""
import csv
import json

import numpy as np
import pytest

import main as entry
from lab.errors import LabError
from lab.objectives import make_objective
from lab.optimizers import optimizer_spec
from lab.phase import (DIVERGES, MONOTONE, OSCILLATES, REGION_NAMES, coefficients, iteration_matrix, optimum,
                       phase_block, phase_diagram, rate)

OPTIMIZERS = ("momentum", "nesterov")


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_rate_is_the_spectral_radius_of_the_iteration_matrix(optimizer):
    rng = np.random.default_rng(0)
    for lr, rho, lam in zip(rng.uniform(0, 0.5, 300), rng.uniform(0, 0.999, 300), rng.uniform(0.1, 10, 300)):
        m = iteration_matrix(optimizer, lr, rho, lam)
        b, c = coefficients(optimizer, lr, rho, lam)
        assert np.trace(m) == pytest.approx(float(b), abs=1e-12)
        assert np.linalg.det(m) == pytest.approx(float(c), abs=1e-12)
        r = float(rate(optimizer, lr, rho, lam))
        assert r == pytest.approx(np.abs(np.linalg.eigvals(m)).max(), rel=1e-9, abs=1e-12)
        assert r == pytest.approx(np.abs(np.roots([1, -b, c])).max(), rel=1e-9, abs=1e-12)


def test_momentum_rate_closed_forms():
    lam = 4.0
    # ρ = 0 is gradient descent: |1 − lr·λ|
    assert float(rate("momentum", 0.1, 0.0, lam)) == pytest.approx(0.6)
    assert float(rate("nesterov", 0.3, 0.0, lam)) == pytest.approx(0.2)
    # complex roots: |z| = √ρ; the stable edge lr·λ = 2(1 + ρ) has rate exactly 1
    assert float(rate("momentum", 0.25, 0.81, lam)) == pytest.approx(0.9)
    assert float(rate("momentum", 2 * 1.5 / lam, 0.5, lam)) == pytest.approx(1.0)
    assert float(rate("nesterov", 2 * 1.5 / (2.0 * lam), 0.5, lam)) == pytest.approx(1.0)  # 2(1+ρ)/((1+2ρ)λ)


def measured_rate(optimizer, lr, rho, kappa, steps=1000, window=100):
    """Iterate the real optimizer on the 2-D quadratic bowl (eigenvalues 1, kappa) and measure how fast the
    distance to the minimum shrinks: the growth of its running maximum over ``window`` steps."""
    obj = make_objective("quadratic", kappa=kappa)
    opt = optimizer_spec(optimizer).make(lr=lr, rho=rho)
    x = np.array([0.7, -0.9])
    state = opt.init(x)
    norms = []
    for _ in range(steps):
        step, state = opt.update(obj.grad(x), state, x, obj)
        x = x + step
        norms.append(np.linalg.norm(x))
    norms = np.array(norms)
    a, b = norms[steps // 2 - window:steps // 2].max(), norms[steps - window:].max()
    return (b / a) ** (1.0 / (steps - steps // 2))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(("lr", "rho"), [(0.02, 0.0), (0.05, 0.5), (0.01, 0.9), (0.03, 0.8), (0.06, 0.3),
                                         (0.04, 0.95)])
def test_rates_match_the_real_optimizers_iterated_on_the_quadratic(optimizer, lr, rho):
    d = phase_diagram([1.0, 20.0], optimizer, lr_min=lr, lr_max=lr * 1.5, rho_min=rho, rho_max=min(rho + 0.01, 0.99),
                      size=2)
    exact = d.rate[0, 0]
    assert exact < 1
    assert measured_rate(optimizer, lr, rho, 20.0) == pytest.approx(exact, rel=1e-3)  # the two methods differ by more


def test_a_diverging_setting_grows_at_its_rate():
    d = phase_diagram([1.0, 20.0], "nesterov", lr_min=0.09, lr_max=0.1, rho_min=0.6, rho_max=0.7, size=2)
    assert d.region[0, 0] == DIVERGES and d.rate[0, 0] > 1.5
    assert measured_rate("nesterov", 0.09, 0.6, 20.0, steps=200, window=20) == pytest.approx(d.rate[0, 0], rel=1e-3)


@pytest.mark.parametrize("kappa", [1.0, 2.0, 10.0, 50.0, 1000.0])
def test_optimum_matches_the_closed_forms(kappa):
    lam = [1.5, 1.5 * kappa]
    lr, rho, r = optimum("momentum", lam)
    q = np.sqrt(kappa)
    assert lr == pytest.approx((2 / (np.sqrt(lam[0]) + np.sqrt(lam[1]))) ** 2)
    assert rho == pytest.approx(((q - 1) / (q + 1)) ** 2, abs=1e-15)
    assert r == pytest.approx((q - 1) / (q + 1), abs=1e-15)
    worst = max(float(rate("momentum", lr, rho, v)) for v in lam)
    assert worst == pytest.approx(r, abs=1e-7)  # a double root at both ends: √ρ*
    # Nesterov, found numerically: Lessard, Recht & Packard's tuning
    lr, rho, r = optimum("nesterov", lam)
    s = np.sqrt(3 * kappa + 1)
    assert r == pytest.approx(1 - 2 / s, abs=1e-9)
    if kappa > 1:
        assert lr == pytest.approx(4 / (3 * lam[1] + lam[0]), rel=1e-6)
        assert rho == pytest.approx((s - 2) / (s + 2), abs=1e-6)


def test_no_grid_point_beats_the_optimum_and_extremes_suffice():
    lam = np.array([0.3, 0.5, 2.0, 7.0, 9.0])
    for optimizer in OPTIMIZERS:
        d = phase_diagram(lam, optimizer, size=120)
        assert d.rate.min() >= d.optimal_rate - 1e-12
        assert d.rate.min() < d.optimal_rate + 0.05
        every = np.max([rate(optimizer, d.lr[None], d.rho[:, None], v) for v in lam], axis=0)
        np.testing.assert_array_equal(d.rate, every)  # the largest over all eigenvalues is at λmin or λmax


def test_regions():
    lam = [1.0, 10.0]
    rate_, region = phase_block("momentum", lam, np.array([0.01, 0.1, 0.5]), np.array([0.0, 0.9]))
    # ρ = 0: real roots; lr = 0.5 > 2/λmax diverges
    assert region[0].tolist() == [MONOTONE, MONOTONE, DIVERGES]
    # ρ = 0.9, lr = 0.1: both directions inside (1 ± √ρ)²/λ: complex roots, rate √ρ
    assert region[1, 1] == OSCILLATES and rate_[1, 1] == pytest.approx(np.sqrt(0.9))
    # ρ = 0.9, lr = 0.01: lr·λ = 0.01 and 0.1, both inside ((1 − √0.9)², (1 + √0.9)²) = (0.0026, 3.9): complex
    assert region[1, 0] == OSCILLATES
    assert REGION_NAMES[DIVERGES] == "diverges" and (rate_[region == DIVERGES] >= 1).all()


def test_cancel_and_blocks_agree():
    d = phase_diagram([1.0, 10.0], "nesterov", size=50)
    for lo, hi in [(0, 7), (7, 50)]:
        r, g = phase_block("nesterov", [1.0, 10.0], d.lr, d.rho[lo:hi])
        np.testing.assert_array_equal(r, d.rate[lo:hi])
        np.testing.assert_array_equal(g, d.region[lo:hi])
    c = phase_diagram([1.0, 10.0], size=50, should_stop=lambda: True)
    assert c.cancelled and np.isnan(c.rate).all()


def test_cli_json_npz_csv(capsys, tmp_path):
    rc, out, err = cli(capsys, "phase", "--objective", "quadratic", "--param", "kappa=50", "--json")
    assert rc == 0 and err == ""
    data = json.loads(out)
    assert sorted(data) == ["kappa", "optimal_lr", "optimal_rate", "optimal_rho"]
    assert data["kappa"] == pytest.approx(50)
    assert data["optimal_rate"] == pytest.approx((50 ** 0.5 - 1) / (50 ** 0.5 + 1))
    path = tmp_path / "p.npz"
    rc, out, err = cli(capsys, "phase", "--objective", "quadratic", "--param", "kappa=50", "--size", "30",
                       "--lr-min", "1e-3", "--lr-max", "0.2", "--rho-min", "0.1", "--rho-max", "0.95", "--out", path)
    assert rc == 0 and err == "" and out.startswith(f"wrote {path}: 30 × 30")
    with np.load(path) as f:
        assert sorted(f.files) == sorted(["lr", "rho", "rate", "eigenvalues", "optimal_lr", "optimal_rho",
                                          "optimal_rate"])
        assert f["lr"].shape == (30,) and f["rho"].shape == (30,) and f["rate"].shape == (30, 30)
        np.testing.assert_allclose(f["lr"], np.geomspace(1e-3, 0.2, 30))
        np.testing.assert_allclose(f["rho"], np.linspace(0.1, 0.95, 30))
        i, j = 17, 4  # [rho index, lr index]
        assert f["rate"][i, j] == max(float(rate("momentum", f["lr"][j], f["rho"][i], v)) for v in (1.0, 50.0))
        assert f["eigenvalues"].tolist() == pytest.approx([1.0, 50.0])
        assert float(f["optimal_rho"]) == pytest.approx(data["optimal_rho"])
    csv_path = tmp_path / "p.csv"
    assert cli(capsys, "phase", "--objective", "rosenbrock", "--at", "1,1", "--optimizer", "nesterov", "--size", "5",
               "--out", csv_path)[0] == 0
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert list(rows[0]) == ["lr", "rho", "rate", "region"] and len(rows) == 25
    assert rows[1]["rho"] == rows[0]["rho"] and float(rows[1]["lr"]) > float(rows[0]["lr"])  # ρ row after ρ row
    assert {r["region"] for r in rows} <= set(REGION_NAMES) and "diverges" in {r["region"] for r in rows}
    r = rows[7]
    lam = np.linalg.eigvalsh(make_objective("rosenbrock").hessian(np.array([1.0, 1.0])))
    exact = max(float(rate("nesterov", float(r["lr"]), float(r["rho"]), v)) for v in lam)
    assert float(r["rate"]) == pytest.approx(exact)


def test_cli_summary(capsys):
    rc, out, err = cli(capsys, "phase", "--objective", "quadratic", "--param", "kappa=50")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "quadratic (kappa=50, angle=0): Hessian eigenvalues 1, 50, κ = 50"
    assert "lr* = 0.0614042, ρ* = 0.565807, rate* = 0.752201" in lines[1]
    assert "2/λmax = 0.04" in lines[2]


@pytest.mark.parametrize(("argv", "message"), [
    (["--objective", "himmelblau", "--at", "0,0"], "not positive definite (eigenvalues -42, -26)"),
    (["--objective", "saddle", "--at", "0,0"], "not positive definite"),
    (["--objective", "rosenbrock"], "give --at X,Y"),
    (["--objective", "quadratic", "--size", "1"], "--size"),
    (["--objective", "quadratic", "--size", "1001"], "from 2 to 1000"),
    (["--objective", "quadratic", "--lr-min", "1", "--lr-max", "0.1"], "0 < lr-min < lr-max"),
    (["--objective", "quadratic", "--lr-min", "0"], "0 < lr-min < lr-max"),
    (["--objective", "quadratic", "--rho-min", "0.5", "--rho-max", "0.5"], "rho-min < rho-max"),
    (["--objective", "quadratic", "--rho-max", "1"], "rho-max < 1"),
    (["--objective", "quadratic", "--rho-min", "-0.1"], "0 <= rho-min"),
    (["--objective", "quadratic", "--lr-max", "nan"], "--lr-max: 'nan' is not a finite number"),
    (["--objective", "quadratic", "--optimizer", "adam"], "momentum or nesterov"),
    (["--objective", "quadratic", "--out", "x.txt"], "write a .npz or a .csv"),
    (["--objective", "quadratic", "--at", "1"], "--at must have 2 coordinates"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli(capsys, "phase", *argv)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_core_refuses_bad_eigenvalues():
    with pytest.raises(LabError, match="not positive definite"):
        phase_diagram([0.0, 1.0])
    with pytest.raises(LabError, match="not positive definite"):
        phase_diagram([np.nan, 1.0])


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_oscillation_lies_above_its_edge(optimizer):
    """For every lr, once the slowest direction oscillates at some ρ it does at every larger ρ (until the setting
    diverges): what the window's legend says of the dashed line."""
    for lam in ([1.0, 10.0], [0.4, 1000.0]):
        d = phase_diagram(lam, optimizer, size=150, rho_max=0.999)
        oscillates, diverges = d.region == OSCILLATES, d.region == DIVERGES
        first = np.where(oscillates.any(axis=0), oscillates.argmax(axis=0), len(d.rho))
        above = np.arange(len(d.rho))[:, None] >= first[None, :]
        assert (oscillates | diverges)[above].all() and oscillates.any()
