"""Analysis → Momentum phase diagram: the drawn image and lines hold lab.phase's result, the racers sit at their
(lr, ρ), the button sets a racer to the optimum, a point that is not a minimum is refused, exports read back."""
import numpy as np
import pytest

from lab.objectives import make_objective
from lab.phase import hessian_eigenvalues, phase_diagram
from lab.views.phase_lines import boundaries, covering_range, log_ticks
from widgets.analysis.phase_view import rate_image


def open_view(qtbot, window):
    window.findChild(type(window.run_action), "phaseDiagramAction").trigger()  # the first opening runs at once
    view = window.analysis_views["phase"]
    qtbot.waitUntil(lambda: view.result is not None, timeout=10000)
    return view


def test_the_diagram_is_lab_phase_for_the_racers_grid(qtbot, small):
    view = open_view(qtbot, small)
    d = view.result
    racers = [r for r in small.model.racers if r.optimizer in ("momentum", "nesterov")]
    lam = hessian_eigenvalues(make_objective("quadratic"), [0.0, 0.0])
    points = [(r.hyperparameters["lr"], r.hyperparameters["rho"]) for r in racers]
    ref = phase_diagram(lam, "momentum", **covering_range(lam, points))
    np.testing.assert_array_equal(d.rate, ref.rate)
    np.testing.assert_array_equal(view.image.image, rate_image(d)[0])
    assert len(view.edge_curves) == sum(len(v) for v in boundaries(d).values()) >= 2
    assert view.optimum.data["x"].tolist() == pytest.approx([np.log10(d.optimal_lr)])
    spots = view.racers.data
    assert len(spots) == len(racers)
    assert sorted(spots["y"].tolist()) == sorted(r.hyperparameters["rho"] for r in racers)
    assert f"lr* = {d.optimal_lr:.3g}" in view.legend.text()
    assert view.apply_button.isEnabled() and "Momentum" in view.apply_button.text()


def test_the_button_sets_the_momentum_racer_to_the_optimum(qtbot, small):
    view = open_view(qtbot, small)
    d = view.result
    row = view.target_row()
    assert small.model.racers[row].optimizer == "momentum"
    with qtbot.waitSignal(small.model.racersChanged, timeout=2000):
        assert view.apply_optimum()
    hp = small.model.racers[row].hyperparameters
    assert hp["lr"] == d.optimal_lr and hp["rho"] == d.optimal_rho
    pos = [(x, y) for x, y in zip(view.racers.data["x"], view.racers.data["y"])]
    assert (pytest.approx(np.log10(d.optimal_lr)), pytest.approx(d.optimal_rho)) in pos  # the marker moved to the star
    view.set_optimizer("nesterov")
    with qtbot.waitSignal(view.runFinished, timeout=10000):
        view.run()
    assert view.result.optimizer == "nesterov" and "Nesterov" in view.apply_button.text()


def test_a_point_that_is_not_a_minimum_is_refused(qtbot, small):
    small.model.set_objective("himmelblau")
    view = open_view(qtbot, small)
    small.model.set_start([0.0, 0.0])  # a maximum of himmelblau
    view.at_combo.setCurrentIndex(view.at_combo.count() - 1)  # the start
    with qtbot.waitSignal(view.runErrored, timeout=10000) as blocker:
        view.run()
    assert "not positive definite" in blocker.args[0] and "not positive definite" in view.last_error


def test_export_reads_back(qtbot, small, tmp_path):
    view = open_view(qtbot, small)
    with qtbot.waitSignal(view.exported, timeout=10000):
        assert view.export_data(tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz") as z:
        np.testing.assert_array_equal(z["rate"], view.result.rate)
    assert view.export_image(tmp_path / "p.png")


def test_log_ticks():
    assert [t[1] for t in log_ticks(-3.2, -0.1, most=4)] == ["0.001", "0.01", "0.1"]
    marks = log_ticks(-3.2, -0.1, most=7)
    assert [t[1] for t in marks] == ["0.001", "0.003", "0.01", "0.03", "0.1", "0.3"]
    assert marks[1][0] == pytest.approx(np.log10(0.003))
