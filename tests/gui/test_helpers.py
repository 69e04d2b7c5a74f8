"""The window's Qt-free helpers: log floors, contour levels, growing buffers, pixel reduction of paths, numbers."""
import numpy as np
import pytest

from lab.views.decimate import PixelPath, clip_segments
from lab.views.growing_array import GrowingArray
from lab.views.scales import FLOOR, banded, floor_for, log_levels, loss_gap, positive_floor
from widgets.panels.tables import number


def test_loss_gap_floors_exact_minimum_and_keeps_nan():
    y = loss_gap(np.array([4.0, 3.0, 3.0 - 1e-17, np.nan, np.inf]), 3.0)
    assert y[0] == 1.0
    assert y[1] == y[2] == FLOOR * 3.0
    assert np.isnan(y[3]) and y[4] == np.inf


def test_loss_gap_unknown_minimum_is_f_itself():
    f = np.array([2.0, -5.0])
    assert np.array_equal(loss_gap(f, None), f)


def test_positive_floor():
    assert np.array_equal(positive_floor(np.array([0.0, 1e-20, 2.0])), [FLOOR, FLOOR, 2.0])
    assert floor_for(None) == FLOOR and floor_for(-78.3) == pytest.approx(78.3 * FLOOR)


def test_log_levels_span_and_bands():
    gaps = np.logspace(-9, 3, 100)
    levels = log_levels(gaps, count=10, span=1e6)
    assert levels[-1] == pytest.approx(3.0) and levels[0] == pytest.approx(-3.0)
    z = banded(np.array([1e-12, 1.0, 1e3]), levels)
    assert z[0] == pytest.approx(-2.7) and z[-1] == pytest.approx(2.7)


def test_growing_array_doubles_and_views():
    g = GrowingArray(2, capacity=2)
    for k in range(5):
        g.extend([[k, -k]])
    assert g.n == 5 and g.capacity >= 5
    assert np.array_equal(g.view[:, 0], np.arange(5))


def test_pixel_path_keeps_every_visible_zigzag_and_merges_repeats():
    zig = np.array([[0.0, (-1) ** k] for k in range(1000)])
    p = PixelPath(cell=(0.01, 0.01))
    p.extend(zig)
    x, y = p.xy
    assert len(x) == 2  # a thousand strokes over the same two pixels: one segment
    assert set(np.round(y, 9)) == {1.0, -1.0}


def test_pixel_path_incremental_equals_all_at_once():
    rng = np.random.default_rng(0)
    pts = np.cumsum(rng.normal(size=(5000, 2)) * 0.01, axis=0)
    whole, parts = PixelPath(cell=(0.02, 0.02)), PixelPath(cell=(0.02, 0.02))
    whole.extend(pts)
    for i in range(0, len(pts), 37):
        parts.extend(pts[i:i + 37])
    assert len(parts.xy[0]) == len(whole.xy[0])
    assert len(whole.xy[0]) < len(pts)


def test_pixel_path_stops_at_nan_and_clips_far_points():
    p = PixelPath(cell=(0.01, 0.01), box=(-2, 2, -2, 2))
    p.extend(np.array([[0.0, 0.0], [1.0, 1.0], [1e300, 1e300], [np.nan, 0.0], [0.5, 0.5]]))
    x, y = p.xy
    assert np.all(np.isfinite(x)) and np.all(np.abs(x) <= 2) and np.all(np.abs(y) <= 2)
    assert x.max() == pytest.approx(2.0)


def test_clip_segments_inside_outside():
    p0 = np.array([[0.0, 0.0], [5.0, 5.0]])
    p1 = np.array([[3.0, 0.0], [6.0, 6.0]])
    a, b, keep = clip_segments(p0, p1, (-1, 1, -1, 1))
    assert keep.tolist() == [True, False]
    assert b[0].tolist() == [1.0, 0.0]


@pytest.mark.parametrize("v, text", [(None, "—"), (float("nan"), "NaN"), (float("inf"), "∞"), (0.0, "0"),
                                     (1109.6, "1110"), (-0.0631, "−0.0631"), (4.9e-17, "4.9e−17"), (1.4e5, "1.4e5")])
def test_table_numbers_are_short(v, text):
    assert number(v) == text


def peak_columns_by_loop(x, y, x0, x1, columns):
    """The plain reference: walk the points in range (and one either side), group by pixel column."""
    inside = [i for i in range(len(x)) if x0 <= x[i] <= x1]
    if not inside:
        keep = list(range(len(x)))
    else:
        keep = list(range(max(inside[0] - 1, 0), min(inside[-1] + 2, len(x))))
    if len(keep) <= 2 * columns:
        return x[keep], y[keep]
    xs, ys = [], []
    groups: dict[int, list[int]] = {}
    for i in keep:
        groups.setdefault(int(np.floor((x[i] - x0) * columns / (x1 - x0))), []).append(i)
    for col in sorted(groups):
        idx = groups[col]
        finite = [y[i] for i in idx if np.isfinite(y[i])]
        xs += [x[idx[0]]] * 2
        ys += [min(finite), max(finite)] if finite else [np.nan, np.nan]
    return np.array(xs), np.array(ys)


@pytest.mark.parametrize("seed", range(6))
def test_peak_columns_equals_the_loop_and_keeps_every_columns_extremes(seed):
    from lab.views.decimate import peak_columns

    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 3000))
    x = np.cumsum(rng.uniform(0.1, 2.0, n))
    y = rng.normal(size=n)
    y[rng.random(n) < 0.05] = np.nan
    y[rng.random(n) < 0.01] = np.inf
    x0, x1 = sorted(rng.uniform(x[0] - 10, x[-1] + 10, 2))
    columns = int(rng.integers(5, 300))
    got = peak_columns(x, y, x0, x1, columns)
    want = peak_columns_by_loop(x, y, x0, x1, columns)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1], equal_nan=True)


def test_peak_columns_hand_example():
    from lab.views.decimate import peak_columns

    x = np.arange(10.0)
    y = np.array([5, 1, 7, 3, np.nan, np.nan, 2, 9, 4, 8.0])
    # 2 columns over [0, 10): 0–4 and 5–9; more than 2 points per column, so reduced
    xs, ys = peak_columns(x, y, 0.0, 10.0, 2)
    assert xs.tolist() == [0, 0, 5, 5] and ys.tolist() == [1, 7, 2, 9]
    # few points: returned as they are, sliced to the range plus one point either side
    xs, ys = peak_columns(x, y, 3.5, 6.5, 3)
    assert xs.tolist() == [3, 4, 5, 6, 7]


@pytest.mark.parametrize("seed", range(6))
def test_the_cores_isocurve_draws_the_same_lines_as_pyqtgraphs(seed):
    """lab/views/isocurve.py is pyqtgraph's marching squares without Qt: the same chains, point for point."""
    import pyqtgraph as pg

    from lab.views.isocurve import isocurve

    rng = np.random.default_rng(seed)
    data = (rng.random((25, 20)) > 0.5).astype(float) if seed % 2 else rng.normal(size=(30, 30)).cumsum(0)
    assert isocurve(data, 0.5) == pg.isocurve(data, 0.5, connected=True)
