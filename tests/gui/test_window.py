"""The window's contract and its panels: object names, objective, racers, fields that refuse bad values."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QSlider, QTableWidget, QWidget

from lab.objectives import OBJECTIVES, make_objective
from lab.optimizers import OPTIMIZERS
from lab.presets import LECTURE_SET, suggest
from widgets.main_window import MainWindow

CONTRACT = {
    "objectiveCombo": QComboBox, "racerTable": QTableWidget, "addRacerButton": QAbstractButton,
    "runButton": QAbstractButton, "stepButton": QAbstractButton, "resetButton": QAbstractButton,
    "speedControl": QSlider, "contourPlot": pg.GraphicsView, "lossPlot": pg.PlotWidget,
    "curvaturePanel": QWidget, "leaderboard": QTableWidget,
}


def test_main_window_builds_with_no_arguments(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.model.race is not None
    assert w.model.runner.thread.isRunning()  # the worker thread waits for jobs
    w.close()
    assert w.model.runner.thread.isFinished()


@pytest.mark.parametrize("name, kind", CONTRACT.items())
def test_contract_object_names(window, name, kind):
    found = window.findChildren(QWidget, name)
    assert len(found) == 1, f"{name}: {len(found)} widgets"
    assert isinstance(found[0], kind)


def test_default_is_the_lecture_set_on_rosenbrock(window):
    m = window.model
    assert m.experiment.objective == "rosenbrock"
    assert [r.optimizer for r in m.racers] == list(LECTURE_SET)
    assert len({r.color for r in m.racers}) == len(m.racers)  # told apart by colour
    table = window.findChild(QTableWidget, "racerTable")
    assert table.rowCount() == 7 and table.item(0, 1).text() == "SGD"


def test_choose_an_objective(window, qtbot):
    combo = window.findChild(QComboBox, "objectiveCombo")
    assert combo.count() == len(OBJECTIVES)
    with qtbot.waitSignal(window.model.raceReset):
        combo.setCurrentIndex(combo.findData("booth"))
    m = window.model
    booth = make_objective("booth")
    assert m.experiment.objective == "booth" and m.objective.name == "booth"
    assert np.array_equal(m.start, booth.start)
    assert all(np.array_equal(t.positions.view[0], booth.start) for t in m.traces)
    window.refresh_now()
    contour = window.contour
    assert contour.image.image.shape == (360, 360)
    assert contour.minima.data["x"].tolist() == [1.0] and contour.minima.data["y"].tolist() == [3.0]
    assert window.objective_panel.summary.text().startswith("Booth")


def test_objective_parameter_fields_refuse_out_of_range(window):
    fields = window.objective_panel.fields
    assert set(fields) == {"a", "b"}
    assert not fields["b"].submit("0")  # b > 0
    assert fields["b"].invalid and "0 < b <= 10000" in fields["b"].error.text()
    assert window.model.experiment.params.get("b", 100.0) == 100.0
    assert fields["b"].submit("20")
    assert window.model.experiment.params["b"] == 20.0 and window.model.objective.b == 20.0


def test_start_typed_and_refused(window):
    start = window.objective_panel.start_field
    assert start.submit("0.5, 1.5")
    assert window.model.start.tolist() == [0.5, 1.5]
    assert window.model.traces[0].positions.view[0].tolist() == [0.5, 1.5]
    assert not start.submit("1, 2, 3")
    assert "2 coordinates" in start.error.text()
    assert not start.submit("one, two")
    assert window.model.start.tolist() == [0.5, 1.5]


def test_add_duplicate_remove_racers(window, qtbot):
    m = window.model
    window.findChild(QAbstractButton, "addRacerButton").click()
    assert len(m.racers) == 8 and m.racers[-1].optimizer == "sgd" and m.selected_row == 7
    assert m.racers[-1].label == "SGD 2"
    assert m.racers[-1].hyperparameters == suggest("sgd", m.objective)
    assert len({r.color for r in m.racers}) == 8
    m.duplicate_racer(2)
    assert len(m.racers) == 9 and m.racers[3].optimizer == "nesterov" and m.racers[3].label == "Nesterov 2"
    m.remove_racer(3)
    assert [r.label for r in m.racers][2:4] == ["Nesterov", "AdaGrad"]
    m.update_racer(0, enabled=False)
    assert len(m.traces) == 7 and m.traces[0].label == "Momentum"
    assert window.racers_panel.table.rowCount() == 8
    assert len(window.contour.trajectories) == 7


def test_switching_a_racers_optimizer_retunes_it(window):
    m = window.model
    panel = window.racers_panel
    m.select(0)
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("adam"))
    assert m.racers[0].optimizer == "adam" and m.racers[0].label == "Adam 2"
    assert m.racers[0].hyperparameters == suggest("adam", m.objective)
    # its own hyperparameters, the schedule and the clipping; a constant schedule's unused fields hidden
    assert set(panel.fields) == {p.name for p in OPTIMIZERS["adam"].own_params} | {"schedule", "clip_norm",
                                                                                    "clip_value"}
    assert "m̂ = m / (1 − β₁ᵗ)" in panel.rule.text()


def test_choosing_a_schedule_shows_its_fields_and_runs_it(window, qtbot):
    m = window.model
    panel = window.racers_panel
    m.select(0)
    panel.fields["schedule"].editor.setCurrentText("cosine")
    assert m.racers[0].hyperparameters["schedule"] == "cosine"
    assert {"t_max", "lr_min"} <= set(panel.fields) and "gamma" not in panel.fields
    assert panel.fields["t_max"].submit("50") and m.racers[0].hyperparameters["t_max"] == 50
    lr = m.racers[0].hyperparameters["lr"]
    panel.fields["lr_min"].submit(str(2 * lr))  # in its range, but not below lr: the model refuses it
    assert panel.fields["lr_min"].invalid and "lr_min < lr" in panel.fields["lr_min"].error.text()
    assert m.racers[0].hyperparameters.get("lr_min", 0.0) == 0.0
    assert panel.fields["clip_norm"].editor.text() == ""  # off
    assert panel.fields["clip_norm"].submit("2.5") and m.racers[0].hyperparameters["clip_norm"] == 2.5
    panel.fields["schedule"].editor.setCurrentText("step")
    assert {"step_size", "gamma"} <= set(panel.fields) and "t_max" not in panel.fields


def test_invalid_hyperparameter_refused_at_the_field_with_the_range(window):
    m = window.model
    m.select(1)  # momentum
    panel = window.racers_panel
    before = dict(m.racers[1].hyperparameters)
    lr, rho = panel.fields["lr"], panel.fields["rho"]
    for bad in ("-0.1", "0", "abc", "nan"):
        assert not lr.submit(bad)
        assert lr.invalid and "0 < lr" in lr.error.text()
    assert not rho.submit("1.0")
    assert "0 <= rho < 1" in rho.error.text()
    assert m.racers[1].hyperparameters == before  # nothing reached the model
    assert lr.value == before["lr"]
    # a run after the refusal uses the last good values
    race_specs = [t.spec for t in m.traces]
    assert race_specs[1].hyperparameters == before
    assert lr.submit("0.0003")
    assert not lr.invalid and m.racers[1].hyperparameters["lr"] == 0.0003
    assert m.race.tracks[1].optimizer.hyperparameters["lr"] == 0.0003


def test_every_optimizer_shows_its_update_rule(window):
    m = window.model
    panel = window.racers_panel
    table = panel.table
    for row, r in enumerate(m.racers):
        m.select(row)
        assert OPTIMIZERS[r.optimizer].rule in panel.rule.text()
        assert OPTIMIZERS[r.optimizer].rule in table.item(row, 1).toolTip()


def test_racer_table_edits_reach_the_model(window):
    table = window.racers_panel.table
    table.item(2, 1).setText("Nesterov (ρ=0.9)")
    assert window.model.racers[2].label == "Nesterov (ρ=0.9)"
    from PySide6.QtCore import Qt
    table.item(2, 0).setCheckState(Qt.CheckState.Unchecked)
    assert window.model.racers[2].enabled is False
    assert [t.row for t in window.model.traces] == [0, 1, 3, 4, 5, 6]


def test_speed_control_and_max_steps(window):
    from widgets.panels.controls import SPEEDS
    slider = window.findChild(QSlider, "speedControl")
    slider.setValue(0)
    assert window.model.speed == SPEEDS[0] == 1
    slider.setValue(slider.maximum())
    assert window.model.speed == 0.0 and window.controls.speed_label.text() == "full speed"
    window.controls.max_steps.setValue(1234)
    assert window.model.max_steps == 1234 and window.model.race.max_steps == 1234


def test_fonts_are_large_and_lines_thick(window):
    from widgets.style import FONT_PT, LINE_WIDTH
    for t in (window.racers_panel.table, window.leaderboard, window.curvature.table):
        assert t.font().pointSize() >= FONT_PT
    for plot in (window.loss_plot, window.grad_plot, window.contour):
        axis = plot.getPlotItem().getAxis("bottom")
        assert axis.style["tickFont"].pointSize() >= FONT_PT
    for c in window.loss_plot.curves:
        assert c.pen.widthF() >= 3 and LINE_WIDTH >= 3


def test_click_on_the_contour_plot_moves_the_start(small, qtbot):
    from PySide6.QtCore import QPointF, Qt

    c = small.contour
    small.refresh_now()
    scene_pos = c.vb.mapViewToScene(QPointF(0.5, -0.75))
    view_pos = c.mapFromScene(scene_pos)
    with qtbot.waitSignal(small.model.startChanged):
        qtbot.mouseClick(c.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert np.allclose(small.model.start, [0.5, -0.75], atol=0.05)
    assert np.allclose(small.model.traces[0].positions.view[0], small.model.start)
    assert np.allclose([c.start.pos().x(), c.start.pos().y()], small.model.start)


def test_a_high_dimensional_objective_shows_a_slice_and_races(window, qtbot):
    m = window.model
    assert OBJECTIVES["mlp"].make().dim > 2
    m.set_objective("mlp")
    assert window.contour.slice.active and not window.contour.note.isVisible()  # tests/gui/test_data_views.py
    m.use_lecture_set()
    m.set_max_steps(5)
    with qtbot.waitSignal(m.runner.finished, timeout=30000):
        m.run()
    window.refresh_now()
    assert m.step_count == 5 and len(window.loss_plot.curves[0].yData) == 6
    assert window.curvature.table.item(0, 4).text() in ("minimum", "saddle", "maximum", "degenerate")


def test_the_objective_summary_shows_whole_words_in_two_lines(qtbot):
    from PySide6.QtCore import Qt

    from widgets.panels.objective_panel import TwoLineLabel

    label = TwoLineLabel()
    qtbot.addWidget(label)
    label.resize(300, 80)
    label.show()
    text = "The lecture's ill-conditioned bowl: f = ½ xᵀAx, A = R(angle)·diag(1, kappa)·R(angle)ᵀ, with its " \
           "condition number kappa and the angle of its axes, in degrees, both yours to set."
    label.set_full_text(text)
    shown = label.text()
    assert shown.endswith(" …") and text.startswith(shown[:-2]) and len(shown) < len(text)
    m = label.fontMetrics()
    flags = int(Qt.TextFlag.TextWordWrap)
    assert m.boundingRect(0, 0, label.contentsRect().width(), 10_000, flags, shown).height() <= 2 * m.lineSpacing()
    label.resize(3000, 80)  # wide enough: all of it
    assert label.text() == text
    label.set_full_text("short")
    assert label.text() == "short"


def test_the_start_label_stays_inside_the_contour_plot(small):
    """At the view's edges "start" stays inside it, off its marker (lab/views/placement.py)."""
    from tests.gui.test_drawings import label_box, marker_box

    c = small.contour
    small.refresh_now()
    r = c.vb.viewRect()
    for x, y in ((r.right() - 0.01 * r.width(), 0.0), (r.left() + 0.01 * r.width(), r.bottom() - 0.01 * r.height())):
        small.model.set_start([x, y])
        small.refresh_now()
        box, view = label_box(c, c.start_label), c.vb.sceneBoundingRect()
        assert view.contains(box), (x, box, view)
        assert box.intersected(marker_box(c, x, y, 24)).isEmpty()


def test_the_contour_grid_is_evaluated_off_the_gui_thread(window, qtbot, monkeypatch):
    import threading

    from lab.views import contour_grid as grids
    from widgets.plots import contour_plot

    threads = []

    def spy(obj, *args, **kwargs):
        threads.append(threading.current_thread())
        return grids.contour_grid(obj, *args, **kwargs)

    monkeypatch.setattr(contour_plot, "contour_grid", spy)
    m, contour = window.model, window.contour
    m.set_objective("himmelblau")
    qtbot.waitUntil(lambda: contour.image.isVisible(), timeout=10000)  # hidden until its grid arrives
    assert threads and threads[0] is not threading.main_thread()
    assert np.array_equal(contour.image.image, grids.contour_grid(m.objective).z)
    m.set_objective("booth")
    window.refresh_now()  # screenshots and exports: the grid at once
    assert contour.image.isVisible() and np.array_equal(contour.image.image, grids.contour_grid(m.objective).z)


def test_values_are_shown_as_they_run_never_rounded_onto_a_bound(window):
    from widgets.panels.param_field import show_value
    from widgets.panels.racers_panel import hyper_summary

    assert show_value(0.999999999) == "0.999999999" and show_value(0.9999999999999999) == "0.9999999999999999"
    assert show_value(0.001) == "0.001" and show_value(1e-08) == "1e-08" and show_value(0.00071) == "0.00071"
    assert "ρ=0.999999999" in hyper_summary("momentum", {"lr": 0.01, "rho": 0.999999999})
    m = window.model
    m.select(1)
    assert m.set_hyperparameter(1, "rho", 0.999999999)
    assert window.racers_panel.fields["rho"].editor.text() == "0.999999999"


def test_the_loss_plot_shows_the_selected_racers_scheduled_lr(window):
    from lab.optimizers.pieces import lr_curve

    m, overlay = window.model, window.loss_plot.lr
    m.select(0)
    assert not overlay.shown  # a constant lr: no curve, no right axis
    lr = m.racers[0].hyperparameters["lr"]
    assert m.set_hyperparameter(0, "schedule", "cosine") and m.set_hyperparameter(0, "t_max", 40)
    assert overlay.shown
    x, y = overlay.curve.getData()
    t, expected = lr_curve(m.racers[0].hyperparameters, m.max_steps)
    np.testing.assert_array_equal(x, t)
    np.testing.assert_array_equal(y, expected)
    assert y[0] == lr and y[-1] == 0.0
    m.select(1)
    assert not overlay.shown  # another racer, without a schedule
