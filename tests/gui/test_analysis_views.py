"""Analysis → Convergence map and Learning-rate sweep: the drawn image / curves hold lab's results, the worker
runs off the GUI thread, Cancel aborts (never finishes), exports read back, closing stops the thread."""
import csv

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lab.basin import NOT_RUN, basin_map
from lab.objectives import make_objective
from lab.sweep import lr_sweep
from widgets.analysis.basin_view import BasinView, color_of, color_table, label_image
from widgets.analysis.sweep_view import FLOOR, SweepView, plotted, top_of
from widgets.model import LabModel

GRID, STEPS = 30, 300


@pytest.fixture
def model():
    m = LabModel()
    m.set_objective("himmelblau")
    yield m
    m.shutdown()


@pytest.fixture
def basin(qtbot, model):
    v = BasinView(model)
    qtbot.addWidget(v)
    v.show()
    assert v.grid_field.submit(str(GRID)) and v.steps_field.submit(str(STEPS))
    yield v
    v.close()
    assert v._runner is None


@pytest.fixture
def sweep(qtbot, model):
    model.set_objective("quadratic")
    v = SweepView(model)
    qtbot.addWidget(v)
    v.show()
    v.set_chosen(["sgd", "momentum", "adam"])
    assert v.num_field.submit("12") and v.steps_field.submit("100")
    assert v.lr_min_field.submit("1e-3") and v.lr_max_field.submit("1")
    yield v
    v.close()


def export(qtbot, view, path):
    with qtbot.waitSignal(view.exported, timeout=10000):
        assert view.export_data(path)
    return path


def run_to_end(qtbot, view, timeout=10000):
    with qtbot.waitSignals([view.runStarted, view.runFinished], order="strict", timeout=timeout):
        assert view.run()
    return view.result


def test_color_table_is_distinct_and_matches_codes():
    table = color_table(4)
    assert len({tuple(c) for c in table.tolist()}) == len(table)  # every outcome its own colour
    assert table[4 + 2].tolist()[:3] == [int(color_of(2)[i:i + 2], 16) for i in (1, 3, 5)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_basin_map_draws_the_four_himmelblau_basins(qtbot, basin, model, optimizer):
    basin.set_optimizer(optimizer)
    hyper = basin.hyper.values()
    m = run_to_end(qtbot, basin)
    ref = basin_map(make_objective("himmelblau"), optimizer, hyper, steps=STEPS, grid=GRID)
    assert np.array_equal(m.label, ref.label) and np.array_equal(m.step, ref.step)
    assert m.label.shape == (GRID, GRID)
    assert np.array_equal(basin.image.image, label_image(m.label, 4))  # the picture is the label array
    assert set(np.unique(m.label)) >= {0, 1, 2, 3}  # four basins
    assert basin.minima.data["x"].tolist() == m.minima[:, 0].tolist()
    text = basin.legend.text()
    for _, _, _, share in m.summary():
        assert f"{100 * share:.1f}%" in text
    basin.step_layer.setChecked(True)  # the second layer: the step each start stopped at
    assert basin.step_image.isVisible() and not basin.image.isVisible() and basin.colorbar_widget.isVisible()
    assert np.array_equal(basin.step_image.image, m.step.astype(float))
    assert basin.colorbar.levels() == (0, STEPS)


def test_basin_refuses_bad_values_at_the_field(basin):
    assert not basin.hyper.fields["lr"].submit("-1")
    assert basin.hyper.fields["lr"].error.isVisible()
    assert not basin.grid_field.submit("5000")
    assert not basin.run()
    assert "lr" in basin.last_error and "grid" in basin.last_error
    assert basin._runner is None  # nothing started


def test_basin_cancel_aborts_promptly_and_never_finishes(qtbot, basin):
    basin.grid_field.submit("400")
    basin.steps_field.submit("200000")
    with qtbot.waitSignal(basin.runStarted, timeout=5000):
        basin.run()
    with qtbot.assertNotEmitted(basin.runFinished, wait=100):
        with qtbot.waitSignal(basin.runAborted, timeout=3000) as blocker:
            basin.cancel_button.click()
    m = blocker.args[0]
    assert m.cancelled
    # stopped at the next chunk, not at the end: starts were left unrun and no run reached its 200 000 steps
    assert (m.label == NOT_RUN).any() and m.step.max() < 200000
    assert basin.run_button.isEnabled() and not basin.cancel_button.isEnabled()


def test_basin_export_reads_back(qtbot, basin, tmp_path):
    m = run_to_end(qtbot, basin)
    export(qtbot, basin, tmp_path / "map.npz")
    with np.load(tmp_path / "map.npz") as z:
        assert np.array_equal(z["label"], m.label)
    export(qtbot, basin, tmp_path / "map.csv")
    rows = list(csv.DictReader(open(tmp_path / "map.csv")))
    assert len(rows) == GRID * GRID and int(rows[0]["label"]) == m.label[0, 0]
    assert basin.export_image(tmp_path / "map.png")
    img = QImage(str(tmp_path / "map.png"))
    assert not img.isNull() and img.width() == basin.figure.width()


def test_basin_export_errors_say_what_and_where(qtbot, basin, tmp_path):
    assert not basin.export_data(tmp_path / "map.npz")
    assert "Run" in basin.last_error
    run_to_end(qtbot, basin)
    bad = tmp_path / "no-such-dir" / "map.npz"
    with qtbot.waitSignal(basin.runErrored, timeout=5000):
        assert basin.export_data(bad)
    assert str(bad.parent) in basin.last_error
    assert not basin.export_data(tmp_path / "map.txt") and ".npz" in basin.last_error
    assert not basin.export_image(tmp_path / "map.txt")
    assert "map.txt" in basin.last_error and ".png" in basin.last_error


def test_closing_the_view_while_running_stops_the_thread(qtbot, basin):
    basin.grid_field.submit("400")
    basin.steps_field.submit("200000")
    with qtbot.waitSignal(basin.runStarted, timeout=5000):
        basin.run()
    thread = basin.runner.thread
    basin.close()
    assert thread.isFinished()


def test_closing_the_main_window_while_running_stops_the_thread(qtbot, window):
    window.model.set_objective("himmelblau")
    window.findChild(type(window.run_action), "basinMapAction").trigger()
    view = window.analysis_views["basin"]
    assert view.isVisible() and view.model is window.model
    view.grid_field.submit("400")
    view.steps_field.submit("200000")
    with qtbot.waitSignal(view.runStarted, timeout=5000):
        view.run()
    thread = view.runner.thread
    window.close()
    assert thread.isFinished() and not view.isVisible()


def test_sweep_curves_hold_the_sweep(qtbot, sweep, model):
    s = run_to_end(qtbot, sweep)
    hyper = {n: sweep.hyperparameters(n) for n in ("sgd", "momentum", "adam")}
    ref = lr_sweep(make_objective("quadratic"), model.start, list(hyper.items()), lr_min=1e-3, lr_max=1.0, num=12,
                   steps=100)
    np.testing.assert_array_equal(s.loss, ref.loss)
    assert list(sweep.curves) == ["sgd", "momentum", "adam"]
    for i, name in enumerate(sweep.curves):
        curve = sweep.curves[name]
        x, y, div = plotted(s, i)
        np.testing.assert_array_equal(curve.xData, s.lrs)
        np.testing.assert_array_equal(curve.yData, y)
        assert np.nanmin(curve.yData) >= FLOOR
        if div.any():
            np.testing.assert_array_equal(sweep.crosses[name].xData, s.lrs[div])
            assert (sweep.crosses[name].yData >= top_of(s)).all()
    assert s.diverged[0].any()  # sgd on the quadratic blows up past the edge
    assert sweep.edge_line.isVisible() and sweep.edge_line.value() == pytest.approx(np.log10(s.edge))
    assert "2/λmax" in sweep.edge_line.label.toPlainText()
    assert np.all(s.lrs[s.diverged[0]] > s.edge)  # gradient descent diverges only beyond 2/λmax
    legend = sweep.legend.text()
    assert legend.index("SGD") < legend.index("Momentum(rho=0.9)") < legend.index("Adam") and "diverged" in legend


def test_sweep_export_and_refusals(qtbot, sweep, tmp_path):
    assert not sweep.lr_min_field.submit("0")
    assert not sweep.run() and "lr_min" in sweep.last_error
    sweep.lr_min_field.submit("1e-3")
    sweep.set_chosen([])
    assert not sweep.run() and "at least one" in sweep.last_error
    sweep.set_chosen(["sgd"])
    s = run_to_end(qtbot, sweep)
    export(qtbot, sweep, tmp_path / "sweep.npz")
    export(qtbot, sweep, tmp_path / "sweep.csv")
    with np.load(tmp_path / "sweep.npz") as z:
        np.testing.assert_array_equal(z["loss"], s.loss)
    assert len(list(csv.DictReader(open(tmp_path / "sweep.csv")))) == s.loss.size
    assert sweep.export_image(tmp_path / "sweep.png") and not QImage(str(tmp_path / "sweep.png")).isNull()


def test_sweep_cancel_aborts(qtbot, sweep):
    sweep.num_field.submit("2000")
    sweep.steps_field.submit("1000000")
    with qtbot.waitSignal(sweep.runStarted, timeout=5000):
        sweep.run()
    with qtbot.assertNotEmitted(sweep.runFinished, wait=100):
        with qtbot.waitSignal(sweep.runAborted, timeout=3000) as blocker:
            sweep.cancel()
    assert blocker.args[0].cancelled
