"""Issue 5 in the window: the data plot, the minibatch-loss curves, mlp's 2-D slice, the custom formula field,
gradient noise and seed. Short races (a few steps); every wait is on a signal or on the model's state."""
import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QWidget

from lab.experiment import Experiment
from lab.objectives import make_objective
from lab.presets import suggest
from lab.race import RacerSpec
from lab.slices import slice_directions, slice_grid
from lab.stochastic import minibatch_losses
from lab.views import data_fit
from lab.views.contour_grid import BANDS
from lab.views.scales import band_of, loss_gap, quantile_levels
from widgets.plots.data_plot import minibatch_curve
from widgets.plots.slice_view import N, axis_label


def race(window, qtbot, objective: str, steps: int = 12, racers=("sgd", "momentum", "adam")):
    """A short race of a few first-order racers (tuned for the objective) on ``objective``."""
    m = window.model
    obj = make_objective(objective)
    specs = [RacerSpec(name, suggest(name, obj, obj.start)) for name in racers]
    m.set_experiment(Experiment(objective, obj.start.tolist(), specs, steps=steps))
    with qtbot.waitSignal(m.runEnded, timeout=30000):
        m.run()
    return m


def last_point(trace) -> np.ndarray:
    return trace.positions.view[-1].copy()


def drawn(view, qtbot, x):
    """Ask ``view`` for its picture now and wait until it shows the one at ``x``."""
    with qtbot.waitSignal(view.updated, timeout=20000,
                          check_params_cb=lambda shown: shown is not None and np.array_equal(shown, x)):
        view.request_now()


@pytest.mark.parametrize("objective", ["linear_regression", "logistic_regression", "mlp"])
def test_the_data_plot_holds_the_objectives_points(window, objective):
    window.model.set_objective(objective)
    panel, plot = window.data_panel, window.data_panel.plot
    assert panel.isVisibleTo(window) and window.findChild(QWidget, "dataPlot") is plot
    inputs, targets = data_fit.data_points(window.model.objective)
    if window.model.objective.task == "regression":
        x, y = plot.points[0].getData()
        assert np.array_equal(x, inputs) and np.array_equal(y, targets) and len(plot.points[1].getData()[0]) == 0
    else:  # two classes, two colours, two marker shapes
        for c, item in enumerate(plot.points):
            x, y = item.getData()
            assert np.array_equal(x, inputs[targets == c, 0]) and np.array_equal(y, inputs[targets == c, 1])
        assert plot.points[0].opts["symbol"] != plot.points[1].opts["symbol"]
        assert plot.points[0].opts["brush"].color() != plot.points[1].opts["brush"].color()


def test_no_data_plot_without_data(window):
    window.model.set_objective("booth")
    assert not window.data_panel.isVisibleTo(window)


def test_the_fitted_line_follows_the_selected_racer(window, qtbot):
    m = race(window, qtbot, "linear_regression")
    plot = window.data_panel.plot
    for row in (0, 2):
        m.select(row)
        x = last_point(m.selected_trace)
        drawn(plot, qtbot, x)
        t, yhat = data_fit.fitted_line(m.objective, x)
        got_t, got_y = plot.line.getData()
        assert np.array_equal(got_t, t) and np.array_equal(got_y, yhat)
    assert not np.array_equal(last_point(m.trace_for_row(0)), x)  # two different racers, two different lines


@pytest.mark.parametrize("objective", ["logistic_regression", "mlp"])
def test_the_decision_regions_follow_the_selected_racer(window, qtbot, objective):
    m = race(window, qtbot, objective, steps=6)
    plot = window.data_panel.plot
    m.select(1)
    x = last_point(m.selected_trace)
    drawn(plot, qtbot, x)
    xs, ys, classes = data_fit.decision_regions(m.objective, x, n=plot.shown["regions"][0].size)
    assert np.array_equal(plot.regions.image, classes.astype(float))
    assert np.array_equal(plot.shown["regions"][0], xs) and np.array_equal(plot.shown["regions"][1], ys)
    bx, by = plot.boundary.getData()
    assert len(bx) > 0 or len(np.unique(classes)) == 1  # a boundary wherever both classes are predicted


def test_the_minibatch_loss_toggle_adds_the_jittering_curves(window, qtbot):
    m = race(window, qtbot, "linear_regression", steps=25)
    toggle = window.findChild(QCheckBox, "minibatchLossToggle")
    assert toggle.isVisibleTo(window)
    curves = window.data_panel.minibatch
    n_items = len(window.loss_plot.plot.items)
    toggle.setChecked(True)
    qtbot.waitUntil(lambda: all(v.n == t.n for v, t in zip(curves.values, m.traces)), timeout=20000)
    assert len(curves.curves) == len(m.traces) and len(window.loss_plot.plot.items) == n_items + len(m.traces)
    for values, curve, trace in zip(curves.values, curves.curves, m.traces):
        expected = minibatch_losses(m.objective, trace.positions.view)
        assert np.array_equal(values.view, expected)
        shown = minibatch_curve(window.loss_plot, expected, m.objective.min_value)
        below = expected <= m.objective.min_value  # a minibatch fitting better than the full loss's minimum: a gap
        assert np.array_equal(np.isnan(shown), below) and np.array_equal(
            shown[~below], window.loss_plot.mapped(loss_gap(expected, m.objective.min_value))[~below])
        assert np.array_equal(curve.yData, shown, equal_nan=True) and np.array_equal(curve.xData, np.arange(trace.n))
    full = m.objective.value(m.traces[0].positions.view)
    assert not np.allclose(curves.values[0].view, full)  # it jitters around the full-data loss
    toggle.setChecked(False)
    assert curves.curves == [] and len(window.loss_plot.plot.items) == n_items


def test_mlp_shows_a_labelled_slice_through_the_selected_racer(window, qtbot):
    m = race(window, qtbot, "mlp", steps=3)
    view = window.contour
    assert view.slice.active and view.image.isVisible() and view.slice.combo.isVisibleTo(window)
    m.select(2)
    x = last_point(m.selected_trace)
    for kind, word in (("random", "random direction"), ("hessian", "Hessian eigenvector")):
        view.slice.set_kind(kind)
        drawn(view.slice, qtbot, x)
        d = slice_directions(m.objective, x, kind, seed=0)
        alphas, betas, loss = slice_grid(m.objective, x, d.d1, d.d2, n=N)
        got = view.slice.last
        assert np.array_equal(got.loss, loss) and np.array_equal(got.alphas, alphas)
        edges = quantile_levels(loss, BANDS)  # drawn as bands of equal area, the colour bar's ticks f at their edges
        assert np.array_equal(view.image.image, band_of(loss, edges))
        ticks = view.colorbar.axis._tickLevels[0]
        assert [float(t) for _, t in ticks] == pytest.approx([edges[int(p)] for p, _ in ticks], rel=5e-3)
        assert len(np.unique(view.image.image)) >= 10  # structure: most of the 14 bands show
        assert got.path.shape[1] == 2 and np.allclose(got.path[-1], 0.0)  # the path ends at the racer (0, 0)
        assert not view.vb.state["aspectLocked"]  # fills its axes
        assert view.plot.getAxis("bottom").labelText == axis_label(d.labels[0]) and word in d.labels[0]
        assert view.plot.getAxis("left").labelText == axis_label(d.labels[1])
        if kind == "hessian":  # the direction's number and its λ, shortened
            assert axis_label(d.labels[1]).startswith("H eigenvector 2, λ = ")
            lam = float(d.labels[1].split("= ")[1].rstrip(")"))
            assert float(axis_label(d.labels[1]).split("= ")[1]) == pytest.approx(lam, rel=5e-3)
    m.set_objective("booth")  # back to two dimensions: the contour's own axes
    assert not view.slice.active and view.plot.getAxis("bottom").labelText == "x"
    assert view.vb.state["aspectLocked"] and view.colorbar.axis._tickLevels is None


def test_custom_formula_checked_as_typed_and_used_when_valid(window, qtbot):
    m = window.model
    m.set_objective("custom")
    field = window.objective_panel.fields["expr"]
    before, objective = m.experiment.params.get("expr"), m.objective
    field.editor.clear()
    qtbot.keyClicks(field.editor, "x**2 + y.real")  # every edit checked
    assert field.invalid and "column 8" in field.error.text() and "column 8" in field.editor.toolTip()
    assert "border" in field.editor.styleSheet()
    with qtbot.assertNotEmitted(m.raceReset):
        assert not field.submit("x**2 + y.real")
    assert m.objective is objective and m.experiment.params.get("expr") == before  # the old objective kept
    image = window.contour.image.image.copy()
    with qtbot.waitSignal(m.raceReset, timeout=30000):
        field.submit("(x - 1)**2 + 3*(y + 0.5)**2")  # compiled off the GUI thread, then the race is rebuilt
    field = window.objective_panel.fields["expr"]  # the panel's fields are rebuilt for the new objective
    assert not field.invalid and field.value == m.experiment.params["expr"] == "(x - 1)**2 + 3*(y + 0.5)**2"
    assert m.objective.value(np.array([1.0, -0.5])) == 0.0
    window.refresh_now()
    assert not np.array_equal(window.contour.image.image, image)  # the contour of the new formula
    assert m.traces and np.array_equal(m.traces[0].positions.view[0], m.start)


def test_custom_domain_bounds_are_fields(window, qtbot):
    m = window.model
    m.set_objective("custom")
    fields = window.objective_panel.fields
    assert {"xmin", "xmax", "ymin", "ymax"} <= set(fields)
    with qtbot.waitSignal(m.objectiveChanged):
        assert fields["xmax"].submit("5")
    assert m.objective.domain[0][1] == 5.0
    assert not window.objective_panel.fields["xmin"].submit("not a number")


def test_noise_and_seed_fields_refuse_bad_values_and_are_saved(window, qtbot, tmp_path):
    m, controls = window.model, window.run_settings
    m.set_objective("linear_regression")
    assert not controls.noise.submit("-1") and controls.noise.invalid and "0 <= noise" in controls.noise.error.text()
    assert m.experiment.noise == 0.0
    assert not controls.seed.submit("1.5") and m.experiment.seed == 0
    with qtbot.waitSignal(m.raceReset):
        assert controls.noise.submit("0.25")
    with qtbot.waitSignal(m.raceReset):
        assert controls.seed.submit("7")
    assert m.experiment.noise == 0.25 and m.experiment.seed == 7 and m.race.gradient_source is not None
    assert m.save(tmp_path / "e.json")
    saved = Experiment.load(tmp_path / "e.json")
    assert saved.noise == 0.25 and saved.seed == 7
    m.set_noise(0.0)
    m.set_seed(0)
    assert controls.noise.value == 0.0
    assert window.load_experiment(tmp_path / "e.json")
    assert controls.noise.value == 0.25 and controls.seed.value == 7 and m.experiment.noise == 0.25


def test_refresh_now_draws_the_data_plot_and_slice_at_the_last_step(window, qtbot):
    m = race(window, qtbot, "mlp", steps=4)
    window.refresh_now()  # what screenshots and exports call: no waiting on the view-jobs thread
    x = last_point(m.selected_trace)
    assert np.array_equal(window.data_panel.plot.shown["x"], x)
    assert np.array_equal(window.contour.slice.last.x, x) and window.contour.slice.last.step == 4


def test_a_window_opened_on_a_data_objective_shows_the_data_plot(qtbot):
    from widgets.main_window import MainWindow

    obj = make_objective("logistic_regression")
    w = MainWindow(Experiment("logistic_regression", obj.start.tolist(), [RacerSpec("sgd", {"lr": 0.5})]),
                   remember=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    assert w.data_panel.isVisible() and w.top_split.sizes()[1] > 150
    w.close()
