"""Long races: the plots draw per-bucket envelopes (each bucket's exact min and max), the export writes every step."""
import numpy as np
import pytest

from lab.export import read_trajectories
from lab.views.decimate import Envelope
from lab.views.scales import FLOOR, loss_gap, positive_floor


def envelope_by_loop(x, y, size):
    """The plain version: per bucket of ``size`` rows, its first smallest and first largest finite value, in row
    order, one point when they are the same row; a bucket with no finite value is its first row."""
    xs, ys = [], []
    for start in range(0, len(y), size):
        bx, by = x[start:start + size], y[start:start + size]
        finite = [j for j in range(len(by)) if np.isfinite(by[j])]
        if finite:
            lo = min(finite, key=lambda j: (by[j], j))
            hi = min(finite, key=lambda j: (-by[j], j))
        else:
            lo = hi = 0
        for j in sorted({lo, hi}):
            xs.append(bx[j])
            ys.append(by[j])
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


@pytest.mark.parametrize("n", [1, 7, 4095, 4096, 4097, 30_001])
@pytest.mark.parametrize("buckets", [16, 2048])
def test_envelope_equals_the_plain_loop(n, buckets):
    rng = np.random.default_rng(n)
    y = rng.standard_normal(n)
    y[rng.random(n) < 0.02] = np.nan
    y[rng.random(n) < 0.01] = np.inf
    y[n // 3: n // 3 + 100] = np.nan  # whole buckets with nothing finite
    x = np.arange(n, dtype=float)
    env = Envelope(buckets)
    i = 0
    while i < n:  # fed in messages of random size, as the worker sends them
        k = int(rng.integers(1, 700))
        env.extend(x[i:i + k], y[i:i + k])
        i += k
        if rng.random() < 0.2 and i < 5000:  # and read between messages, as the plots do
            px, py = env.points()
            rx, ry = envelope_by_loop(x[:i], y[:i], env.size)
            assert np.array_equal(px, rx) and np.array_equal(py, ry, equal_nan=True)
    assert env.n == n and env.size < max(2, 2 * n // buckets + 1)
    px, py = env.points()
    rx, ry = envelope_by_loop(x, y, env.size)
    assert np.array_equal(px, rx) and np.array_equal(py, ry, equal_nan=True)
    assert len(px) <= 4 * buckets + 2
    assert env.last == y[-1] or (np.isnan(env.last) and np.isnan(y[-1]))


def test_envelope_is_exact_while_short():
    env = Envelope(8)
    y = np.r_[3.0, 1.0, np.nan, 2.0, np.inf]
    env.extend(np.arange(5.0), y)
    assert env.size == 1
    px, py = env.points()
    assert np.array_equal(px, np.arange(5.0)) and np.array_equal(py, y, equal_nan=True)


def race_rosenbrock(window, qtbot, steps: int):
    """The lecture set on rosenbrock for ``steps`` steps, nobody stopping early; returns the model once every
    row has reached the window."""
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.experiment.tol = 0.0
    m.set_max_steps(steps)
    m.reset()
    with qtbot.waitSignal(m.runner.finished, timeout=60000):
        m.run()
    qtbot.waitUntil(lambda: all(t.n == tr.n for t, tr in zip(m.traces, m.race.tracks)), timeout=5000)
    return m


def test_long_race_plots_hold_the_envelopes_of_the_engines_data(window, qtbot, tmp_path):
    """12 000 steps (past the 4 096 rows kept exactly): each curve is the envelope of the engine's values, every
    bucket's exact min and max on it; the trajectory and the export hold every step."""
    m = race_rosenbrock(window, qtbot, 12_000)
    window.refresh_now()
    f_star = m.objective.min_value
    for i, (t, tr) in enumerate(zip(m.traces, m.race.tracks)):
        steps = np.arange(tr.n, dtype=float)
        assert t.loss_curve.size > 1
        # the extremes are the engine's raw values' (flooring can tie them); the curve holds them mapped for the log axis
        for curve, raw, shown in ((window.loss_plot.curves[i], tr.losses, lambda v: np.log10(loss_gap(v, f_star))),
                                  (window.grad_plot.curves[i], tr.grad_norms,
                                   lambda v: np.log10(positive_floor(v, FLOOR)))):
            x, y = envelope_by_loop(steps, raw, t.loss_curve.size)
            assert np.array_equal(curve.xData, x) and np.array_equal(curve.yData, shown(y), equal_nan=True)
            assert len(curve.xData) < 8200
        assert np.array_equal(np.c_[window.contour.trajectories[i].getData()], tr.positions[:, :2], equal_nan=True)
    out = tmp_path / "long.npz"
    assert m.export_trajectories(out)
    for back, tr in zip(read_trajectories(out), m.race.tracks):
        assert len(back.positions) == tr.n == 12_001
        assert np.array_equal(back.positions, tr.positions) and np.array_equal(back.losses, tr.losses)


def test_each_pixel_column_of_a_curve_reaches_its_data_min_and_max(window, qtbot):
    """The curves are painted from their pixel columns' extremes: after a long race the painted loss curve of the
    selected racer (on top) covers, in its colour, the screen points of its data's smallest and largest value."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    from widgets.plots.curve_set import COLUMN_PX

    m = race_rosenbrock(window, qtbot, 12_000)
    plot = window.loss_plot
    row = 2
    m.select(row)
    window.refresh_now()
    curve = plot.curves[row]
    x, y = curve.getData()
    vb = plot.plot.getViewBox()
    assert len(x) <= 2 * (vb.width() / COLUMN_PX + 3) < len(curve.xData)  # reduced to the columns
    image = plot.grab().toImage()
    ratio = image.devicePixelRatio()
    want = QColor(m.traces[row].color)
    for k in (int(np.nanargmin(curve.yData)), int(np.nanargmax(curve.yData))):
        at = plot.mapFromScene(vb.mapViewToScene(QPointF(curve.xData[k], curve.yData[k])))
        near = [QColor(image.pixel(int((at.x() + dx) * ratio), int((at.y() + dy) * ratio)))
                for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert any(c.rgb() == want.rgb() for c in near), (k, [c.name() for c in near])


def test_envelope_buckets_rows_when_read_or_when_too_many_wait():
    from lab.views.decimate import PENDING_ROWS

    rng = np.random.default_rng(3)
    env = Envelope(64)
    y = rng.standard_normal(3 * PENDING_ROWS)
    x = np.arange(len(y), dtype=float)
    for i in range(0, len(y), 10_000):  # never read: the rows wait, but never more than PENDING_ROWS of them
        env.extend(x[i:i + 10_000], y[i:i + 10_000])
        assert env._pending_rows <= PENDING_ROWS
    assert env.n == len(y) and env.last == y[-1]
    assert (env.lo, env.hi) == (y.min(), y.max())
    px, py = env.points()
    rx, ry = envelope_by_loop(x, y, env.size)
    assert np.array_equal(px, rx) and np.array_equal(py, ry)


def test_a_diverging_racer_climbs_visibly_without_flattening_the_others(window, qtbot, tmp_path):
    """SGD past 2/λmax on the bowl blows up (|x| past 1e6): the loss plot keeps the others' range and gives the
    diverging curve DIVERGING_DECADES of room above it, not the 25 decades it climbed."""
    import json

    from widgets.plots.loss_plot import DIVERGING_DECADES

    path = tmp_path / "diverge.json"
    path.write_text(json.dumps({
        "objective": "quadratic", "params": {"kappa": 10}, "start": [2.0, 1.5], "steps": 300, "tol": 1e-8,
        "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.21}, "label": "past"},
                   {"optimizer": "sgd", "hyperparameters": {"lr": 0.19}, "label": "below"}]}))
    assert window.load_experiment(path)
    m = window.model
    with qtbot.waitSignal(m.runner.finished, timeout=30000):
        m.run()
    qtbot.waitUntil(lambda: m.traces[0].status == "diverged" and not m.running, timeout=5000)
    window.refresh_now()
    plot = window.loss_plot
    wild = np.log10(np.nanmax(m.race.tracks[0].losses))
    calm = np.log10(np.nanmax(m.race.tracks[1].losses))
    top = plot.plot.getViewBox().viewRange()[1][1]
    assert calm + DIVERGING_DECADES <= top < wild  # room to see the climb, not the whole of it
    bottom = plot.plot.getViewBox().viewRange()[1][0]
    assert bottom <= np.log10(np.nanmin(loss_gap(m.race.tracks[1].losses, 0.0)))  # the calm racer's floor in view


def test_curves_painted_piece_by_piece_equal_curves_painted_whole(window, qtbot):
    """During a race each step plot only repaints the pixels right of the first changed point; at the end every
    plot's image is pixel for pixel the image painted whole from the final data."""
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.experiment.tol = 0.0
    m.set_max_steps(6_000)  # past the 4 096 exact rows: buckets merge on the way
    m.reset()
    m.set_speed(3000)  # slow enough that the plots are painted many times on the way
    plots = (window.loss_plot, window.grad_plot, window.curvature.kappa_plot)

    def paint_now(_progress) -> None:  # every message is drawn and painted at once, however loaded the machine
        window.clock.flush()
        for plot in plots:
            plot.viewport().repaint()

    m.raceAdvanced.connect(paint_now)
    with qtbot.waitSignal(m.runner.finished, timeout=60000):
        m.run()
    m.raceAdvanced.disconnect(paint_now)
    window.refresh_now()
    for plot in plots:
        plot.viewport().repaint()
        cs = plot.curve_set
        assert cs.partial_paints > 10, plot.objectName()
        pieces = cs._image.copy()
        cs._key = None  # paint it whole
        plot.viewport().repaint()
        assert cs._image == pieces, plot.objectName()
