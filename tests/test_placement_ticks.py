"""Label placement (lab/views/placement.py) and log-axis ticks (lab/views/scales.py): the boxes and labels the
contour and the step plots get."""
import math

import numpy as np
import pytest

from lab.views.placement import Label, candidates, overlap, place_labels, point_box
from lab.views.scales import log_step, log_ticks, step_ticks, tick_label


def test_overlap_is_the_shared_area():
    assert overlap((0, 0, 10, 10), (5, 5, 20, 20)) == 25
    assert overlap((0, 0, 10, 10), (10, 0, 20, 10)) == 0  # touching is not overlapping
    assert overlap((0, 0, 10, 10), (11, 11, 12, 12)) == 0


def test_the_first_candidate_is_on_the_preferred_side_at_the_smallest_gap():
    box = candidates(Label((100, 100), (30, 20), prefer=(1, 0)))[0]
    assert box == (104, 90, 134, 110)  # right of the anchor, 4 px away, vertically centred
    box = candidates(Label((100, 100), (30, 20), prefer=(0, -1)))[0]
    assert box == (85, 76, 115, 96)  # above (y down): its bottom 4 px above the anchor


def test_the_piled_up_scene_is_spread_out():
    """The issue's scene: at a point near the minimum's star, `v`, `x + ρv` and `λ₂` all wanted the same spot, and
    `start` sat over the minus of `−∇f`. After placement no two labels, the star or the selected point overlap."""
    selected = (200.0, 150.0)
    star = point_box(212.0, 150.0, 26)
    point = point_box(*selected, 24)
    start_marker = point_box(190.0, 140.0, 24)
    labels = [Label((190.0, 140.0), (48, 22), (1, -1)),     # start
              Label((240.0, 150.0), (36, 22), (1, 0)),      # −∇f past its arrow's tip
              Label((205.0, 150.0), (14, 22), (1, 0)),      # v
              Label((205.0, 150.0), (62, 22), (1, -1)),     # x + ρv
              Label((230.0, 152.0), (26, 22), (1, 0)),      # λ₁
              Label((203.0, 148.0), (26, 22), (1, 0))]      # λ₂
    obstacles = [star, point, start_marker]
    boxes = place_labels(labels, obstacles, bounds=(0, 0, 400, 300))
    for i, a in enumerate(boxes):
        for o in obstacles:
            assert overlap(a, o) == 0, (i, a, o)
        for b in boxes[i + 1:]:
            assert overlap(a, b) == 0, (a, b)
        assert 0 <= a[0] and a[2] <= 400 and 0 <= a[1] and a[3] <= 300
        # and each stays near its anchor
        (ax, ay), (w, h) = labels[i].anchor, labels[i].size
        assert math.hypot((a[0] + a[2]) / 2 - ax, (a[1] + a[3]) / 2 - ay) < 100 + max(w, h)


def test_labels_stay_inside_the_bounds_when_their_point_is_at_the_edge():
    box, = place_labels([Label((398.0, 2.0), (40, 20), (1, -1))], [], bounds=(0, 0, 400, 300))
    assert box[0] >= 0 and box[2] <= 400 and box[1] >= 0 and box[3] <= 300


def test_a_crowded_view_takes_the_least_overlap():
    wall = [(0, 0, 1000, 1000)]  # everything is covered: the routine still answers, with a box
    box, = place_labels([Label((500.0, 500.0), (10, 10))], wall)
    assert box is not None and overlap(box, wall[0]) == 100


LABEL = 22.0  # a 14-pt label's line height in pixels


@pytest.mark.parametrize("lo, hi, pixels, expect", [
    (math.log10(5), math.log10(50), 300, ["5", "10", "20", "30", "50"]),  # κ = 50's bowl: a decade, 5 labels
    (0.0, 2.0, 400, ["1", "2", "5", "10", "20", "50", "100"]),
    (-12.0, 1.0, 400, ["10⁻¹²", "10⁻¹⁰", "10⁻⁸", "10⁻⁶", "10⁻⁴", "0.01", "1"]),
])
def test_log_ticks(lo, hi, pixels, expect):
    ticks = log_ticks(lo, hi, pixels, LABEL)
    assert [t for _, t in ticks] == expect
    values = {"30": 30, "5": 5, "10": 10, "20": 20, "50": 50, "1": 1, "2": 2, "100": 100, "0.01": 0.01,
              "10⁻¹²": 1e-12, "10⁻¹⁰": 1e-10, "10⁻⁸": 1e-8, "10⁻⁶": 1e-6, "10⁻⁴": 1e-4}
    assert [v for v, _ in ticks] == pytest.approx([math.log10(values[t]) for _, t in ticks])
    gaps = np.diff([v for v, _ in ticks]) * pixels / (hi - lo)
    assert gaps.min() >= 2.2 * LABEL  # comfortably apart when there is room


def test_log_ticks_over_less_than_two_decades_show_three_labels_in_a_short_plot():
    """80 px: comfortably spaced labels would be one or two; three fit without touching."""
    for lo, hi in [(math.log10(5), math.log10(50)), (0.2, 1.1), (-3.3, -2.2), (17.9, 18.8)]:
        ticks = log_ticks(lo, hi, 80, LABEL)
        assert len(ticks) >= 3, (lo, hi, ticks)
        assert np.diff([v for v, _ in ticks]).min() * 80 / (hi - lo) >= 0.65 * LABEL


def test_log_ticks_never_touch():
    """A κ ≈ 16 plot 50 px high (28 px between the end labels' centres): 10, 20, 30 would overlap (7 px apart);
    10 and 30 do not. The loss over 19 decades in 73 px: 10⁻¹⁰ and 10⁻⁵ would touch (19 px); one label."""
    assert [t for _, t in log_ticks(0.917, 1.583, 28, LABEL)] == ["10", "30"]
    assert len(log_ticks(-13.85, -0.65, 51, LABEL)) == 1
    assert len(log_ticks(-13.0, 1.0, 8, LABEL)) == 1  # a plot one label high


def test_tick_label():
    assert [tick_label(v) for v in (5.0, 20.0, 0.05, 1e-5, 2e-7, 1e18, 3e4)] == \
        ["5", "20", "0.05", "10⁻⁵", "2·10⁻⁷", "10¹⁸", "3·10⁴"]


def test_step_ticks_label_steps_at_log_of_one_plus_step():
    ticks = step_ticks(0.0, float(log_step(100)), room=10)
    assert [t for _, t in ticks] == ["0", "1", "2", "5", "10", "20", "50", "100"]
    assert [v for v, _ in ticks] == pytest.approx(np.log10(1 + np.array([0, 1, 2, 5, 10, 20, 50, 100])))
    few = step_ticks(0.0, float(log_step(10**6)), room=5)
    assert len(few) <= 5 and few[0][1] == "0" and few[-1][1] == "10⁶"


def test_step_marks_only_where_steps_are_far_apart_on_screen():
    from lab.views.step_marks import StepMarks
    # steps of 10 px (cell 0.1 data units a pixel: 1.0 data units), then of 0.5 px
    xy = np.concatenate([np.arange(5)[:, None] * [1.0, 0.0], 4.0 + np.arange(1, 20)[:, None] * [0.05, 0.0]])
    xy = np.column_stack([xy[:, 0], np.zeros(len(xy))])
    marks = StepMarks((0.1, 0.1))
    assert marks.extend(xy, len(xy))
    assert marks.rows.tolist() == [0, 1, 2, 3, 4]
    # the same in pieces
    pieces = StepMarks((0.1, 0.1))
    for stop in (1, 2, 3, 7, len(xy)):
        pieces.extend(xy, stop)
    assert pieces.rows.tolist() == [0, 1, 2, 3, 4]
    # zoomed in 20×: every step is ≥ 10 px now
    assert StepMarks((0.005, 0.005)).extend(xy, len(xy))
    # a diverged row is never a marked step; the limit keeps the first ones
    bad = xy.copy()
    bad[2] = np.nan
    m = StepMarks((0.1, 0.1))
    m.extend(bad, len(bad))
    assert m.rows.tolist() == [0, 1, 3, 4]
    few = StepMarks((0.1, 0.1), limit=3)
    few.extend(xy, len(xy))
    assert few.rows.tolist() == [0, 1, 2]


def test_step_marks_tell_adams_corrected_first_step_from_the_uncorrected_one():
    """Adam's first step is lr·g/|g| per coordinate (≈ lr); without bias correction it is ≈ 3.16·lr
    (m = 0.1·g, v = 0.001·g²: 0.1/√0.001 = √10). At 2 px per lr, the corrected step (lr, −lr) is 2.8 px long (no
    marker) and the uncorrected one 8.9 px (markers at both its ends)."""
    from lab.views.step_marks import StepMarks
    lr, g = 0.01, np.array([3.0, -2.0])
    corrected = lr * np.sign(g)
    m1, v1 = 0.1 * g, 0.001 * g * g
    uncorrected = lr * m1 / (np.sqrt(v1) + 1e-8)
    assert np.hypot(*uncorrected) / np.hypot(*corrected) == pytest.approx(np.sqrt(10), rel=1e-6)
    cell = (lr / 2.0, lr / 2.0)  # 2 px per lr
    a, b = StepMarks(cell), StepMarks(cell)
    a.extend(np.array([[0.0, 0.0], corrected]), 2)
    b.extend(np.array([[0.0, 0.0], uncorrected]), 2)
    assert a.rows.tolist() == [] and b.rows.tolist() == [0, 1]


def test_kappa_shown_pins_a_singular_hessian_at_one_over_epsilon():
    from lab.curvature import condition_number
    from lab.views.scales import SINGULAR_KAPPA, kappa_shown

    # a Hessian with an exact null direction, as the mlp's (softmax's shift): κ is rounding noise or ∞
    lam = np.array([[1.3, 0.2, 1e-19], [1.3, 0.2, 0.0], [50.0, 1.0, 2.0]])
    raw = condition_number(lam)
    assert raw[0] == pytest.approx(1.3e19) and raw[1] == np.inf and raw[2] == 50.0
    shown = kappa_shown(np.append(raw, np.nan))
    assert shown[:3].tolist() == [SINGULAR_KAPPA, SINGULAR_KAPPA, 50.0] and np.isnan(shown[3])
    assert SINGULAR_KAPPA == 2.0 ** 52


def test_quantile_levels_split_a_flat_slice_with_a_steep_rim_into_equal_bands():
    from lab.views.scales import band_of, quantile_levels

    a = np.linspace(-1, 1, 41)
    f = 0.2 + 0.001 * a[:, None] ** 2 + 100.0 * (np.abs(a[None, :]) > 0.9)  # flat, then a wall
    edges = quantile_levels(f, 14)
    assert np.all(np.diff(edges) > 0) and edges[0] == f.min() and edges[-1] == f.max()
    bands = band_of(f, edges)
    counts = np.bincount((bands - 0.5).astype(int).ravel())
    flat = f < 1.0
    assert len(np.unique(bands[flat])) >= 8  # the flat part shows structure
    assert counts.max() <= 3 * f.size / 14 + 41  # no band holds most of the picture
    assert band_of(np.array([np.inf]), edges)[0] == len(edges) - 1.5
    assert quantile_levels(np.full(5, 3.0), 14).tolist() == [2.5, 3.5]


def test_project_path_onto_an_orthonormal_plane():
    from lab.views.projection import project_path

    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(6, 2)))
    d1, d2 = q[:, 0], q[:, 1]
    x = rng.normal(size=6)
    ab = rng.normal(size=(5, 2))
    off_plane = np.linalg.svd(np.column_stack([d1, d2]), full_matrices=True)[0][:, 2]  # ⟂ to both
    path = x + ab[:, :1] * d1 + ab[:, 1:] * d2 + 0.3 * off_plane
    assert np.allclose(project_path(path, x, d1, d2), ab)
    assert np.isnan(project_path(np.full((1, 6), np.nan), x, d1, d2)).all()


def test_thin_keeps_the_last_row_and_at_most_the_number_asked():
    from lab.views.projection import thin

    rows = np.arange(1001)
    t = thin(rows, 250)
    assert len(t) <= 250 and t[-1] == 1000 and np.all(np.diff(t) == 5)
    assert thin(np.arange(10), 250).tolist() == list(range(10))
