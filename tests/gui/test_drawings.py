"""Drawings the back row can read (issue 16 §4): labels placed apart, step markers, the selected racer over the
others, named axes, log ticks with enough labels. Values are read from the items the views draw."""
import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF

from lab.views.scales import log_step
from widgets.style import PALETTE, SYMBOLS, halo_for, symbol_for


def label_box(view, item) -> QRectF:
    """A TextItem's box in scene pixels (its text's, as drawn: the item keeps it unscaled by the view)."""
    item.updateTransform(force=True)
    return item.textItem.mapRectToScene(item.textItem.boundingRect())


def marker_box(view, x, y, size) -> QRectF:
    """A marker ``size`` pixels across at data point (x, y), in scene pixels."""
    p = view.vb.mapViewToScene(QPointF(float(x), float(y)))
    return QRectF(p.x() - size / 2, p.y() - size / 2, size, size)


def race(window, qtbot, steps):
    m = window.model
    m.set_max_steps(steps)
    with qtbot.waitSignal(m.runEnded, timeout=30000):
        m.run()
    window.refresh_now()


@pytest.fixture
def bowl(window, qtbot):
    """The issue's scene: a κ = 50 bowl, the lecture set, Nesterov selected, near the minimum."""
    m = window.model
    m.set_objective("quadratic")
    m.set_objective_param("kappa", 50.0)
    m.use_lecture_set()
    m.select(next(i for i, r in enumerate(m.racers) if r.optimizer == "nesterov"))
    return window


def test_labels_never_overlap_each_other_the_star_or_the_selected_point(bowl, qtbot):
    c = bowl.contour
    for steps in (3, 40):  # early (arrows long, labels near the start) and near the minimum's star
        race(bowl, qtbot, steps)
        labels = [t for t in [c.start_label] + [g for g in c.guides.items if hasattr(g, "textItem")]
                  if t.isVisible()]
        texts = [t.textItem.toPlainText() for t in labels]
        assert {"start", "−∇f", "v", "x + ρv", "λ₁", "λ₂"} <= set(texts), texts
        boxes = [label_box(c, t) for t in labels]
        for (a, ta), (b, tb) in itertools.combinations(zip(boxes, texts), 2):
            assert a.intersected(b).isEmpty(), (steps, ta, tb, a, b)
        x = bowl.model.selected_trace.point.x
        keep = [marker_box(c, x[0], x[1], 24)] + [marker_box(c, *m, 26) for m in c.minima_points()]
        for box, text in zip(boxes, texts):
            for k in keep:
                assert k.intersected(box).isEmpty(), (steps, text)


def test_step_markers_show_where_steps_are_far_apart(bowl, qtbot):
    race(bowl, qtbot, 30)
    c = bowl.contour
    newton = next(t for t in c.trajectories if t.trace.spec.optimizer == "newton")
    rows = newton.marks.rows
    assert rows.tolist() == [0, 1]  # one step to the minimum: a marker at each end
    assert np.allclose(newton.dots.data["x"], newton.trace.positions.view[rows, 0])
    # each marked step at least 6 px long at the view's scale
    for t in c.trajectories:
        v = t.trace.positions.view
        cell = c._cell
        for k in t.marks.rows[1:]:
            if k - 1 in t.marks.rows and k in t.marks.rows:
                d = np.hypot(*((v[k, :2] - v[k - 1, :2]) / cell))
                assert d >= 6.0 or (k + 1 < len(v) and np.hypot(*((v[k + 1, :2] - v[k, :2]) / cell)) >= 6.0)


def test_the_selected_racer_is_drawn_over_the_others_with_its_own_shape(bowl, qtbot):
    race(bowl, qtbot, 10)
    c, m = bowl.contour, bowl.model
    selected = [t for t in c.trajectories if t.trace.row == m.selected_row]
    assert c.selected_trail.sources == selected and c.selected_trail.zValue() > c.trails.zValue()
    assert all(t.zValue() < selected[0].zValue() for t in c.trajectories if t not in selected)
    m.select(0)
    assert c.selected_trail.sources[0].trace.row == 0
    # widths nest (earlier racers wider), shapes differ: orange ≠ vermilion, blue ≠ sky blue
    widths = [t.width for t in c.trajectories]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
    assert symbol_for(PALETTE[1]) != symbol_for(PALETTE[3]) and symbol_for(PALETTE[0]) != symbol_for(PALETTE[5])
    assert len(set(SYMBOLS)) == len(PALETTE) and halo_for("#F0E442") != "#FFFFFF" and halo_for(PALETTE[0]) == "#FFFFFF"
    assert c.current.symbols  # the current points wear their racer's shape
    assert set(c.current.symbols) <= set(SYMBOLS) | {"x"}


def test_the_data_objectives_name_their_axes(window):
    c = window.contour
    for name, (bottom, left) in {"linear_regression": ("w", "b"), "logistic_regression": ("w₁", "w₂"),
                                 "rosenbrock": ("x", "y")}.items():
        window.model.set_objective(name)
        assert c.plot.getAxis("bottom").labelText == bottom
        assert c.plot.getAxis("left").labelText == left


def test_the_kappa_plot_of_a_kappa_50_bowl_shows_three_labels(bowl, qtbot):
    race(bowl, qtbot, 20)
    plot = bowl.curvature.kappa_plot
    ticks = plot._ticks
    assert len(ticks) >= 3
    values = [10 ** v for v, _ in ticks]
    assert min(values) <= 50 <= max(values)


def test_the_mlps_kappa_curve_has_no_gaps(window, qtbot):
    """The mlp's Hessian is singular (softmax's shift): κ came out 10¹⁸ … 10²¹ or ∞ (a gap); it is drawn on the
    "singular: κ ≥ 1/ε" line instead, every sample finite."""
    from lab.experiment import Experiment
    from lab.objectives import make_objective
    from lab.race import RacerSpec
    from lab.views.scales import SINGULAR_KAPPA

    m = window.model
    obj = make_objective("mlp")
    m.set_experiment(Experiment("mlp", obj.start.tolist(), [RacerSpec("sgd", {"lr": 0.1}),
                                                            RacerSpec("adam", {"lr": 0.01})], steps=5))
    race(window, qtbot, 5)
    plot = window.curvature.kappa_plot
    samples = [t.kappa_curve.points()[1] for t in m.traces]
    assert all(len(s) for s in samples) and max(np.max(s) for s in samples) >= SINGULAR_KAPPA  # raw: singular
    for c in plot.curves:
        assert len(c.yData) and np.all(np.isfinite(c.yData))
        assert np.all(c.yData <= np.log10(SINGULAR_KAPPA) + 1e-12)
    assert plot.guide.isVisible() and plot.guide.value() == pytest.approx(np.log10(SINGULAR_KAPPA))


def test_a_log_step_axis_spreads_newtons_few_steps_and_is_remembered(bowl, qtbot):
    from widgets.main_window import MainWindow

    m = bowl.model
    race(bowl, qtbot, 30)
    action = bowl.log_steps_action
    assert not action.isChecked() and bowl.loss_plot.curves[0].xData[-1] == 30.0
    action.trigger()
    bowl.refresh_now()
    plots = (bowl.loss_plot, bowl.grad_plot, bowl.curvature.kappa_plot)
    newton = next(i for i, r in enumerate(m.racers) if r.optimizer == "newton")
    for plot in plots:
        assert plot.log_x
        x = plot.curves[newton].xData
        assert x[:2] == pytest.approx(log_step([0, 1]))  # its one step a fifth of the way out, not at 0
        labels = [t for _, t in plot._step_ticks]
        assert labels[:3] == ["0", "1", "2"] and "10" in labels
    lo, hi = bowl.loss_plot.plot.getViewBox().viewRange()[0]
    assert lo <= 0.0 and hi >= log_step(30)
    again = MainWindow()  # remembered
    qtbot.addWidget(again)
    assert again.log_steps_action.isChecked() and again.loss_plot.log_x
    again.log_steps_action.trigger()
    assert not again.loss_plot.log_x
    again.close()
