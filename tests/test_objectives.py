"""The built-in 2-D objectives: exact derivatives, batch shapes, minima, hand-computed values, parameters."""
from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from lab.errors import LabError
from lab.gradcheck import grad_check, hessian_check
from lab.objectives import OBJECTIVES, Objective, make_objective
from lab.objectives import classic

NAMES = [cls.name for cls in classic.ALL]  # the 2-D test functions; data-driven ones have their own tests

# Every objective at its defaults, plus a few non-default parameter settings.
CASES: list[tuple[str, dict]] = [(name, {}) for name in NAMES] + [
    ("quadratic", {"kappa": 100.0, "angle": 30.0}),
    ("quadratic", {"kappa": 1.0, "angle": -75.0}),
    ("rosenbrock", {"a": -1.0, "b": 10.0}),
    ("rastrigin", {"A": 3.0}),
    ("rastrigin", {"A": 0.0}),
]
CASE_IDS = [name + "".join(f"-{k}={v}" for k, v in params.items()) for name, params in CASES]

# The checks use lab.gradcheck's default step (a fourth-order stencil, h = 2e-4 scaled to max(1, |x|)).

# Points where a derivative check is ill-posed: ackley's cone tip.
KINKS: dict[str, list[tuple[float, float]]] = {"ackley": [(0.0, 0.0)]}


def _random_points(obj: Objective, n: int, salt: str = "") -> np.ndarray:
    """``n`` seeded uniform points of the objective's domain, shape (n, 2), at least 1e-3 from any kink."""
    rng = np.random.default_rng(zlib.crc32((obj.name + salt).encode()))
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    pts = lo + (hi - lo) * rng.random((2 * n, 2))
    for kink in KINKS.get(obj.name, []):
        pts = pts[np.linalg.norm(pts - np.asarray(kink), axis=-1) > 1e-3]
    return pts[:n]


def _grid(obj: Objective, n: int = 400) -> np.ndarray:
    """An n × n grid over the domain, shape (n, n, 2)."""
    xs = np.linspace(*obj.domain[0], n)
    ys = np.linspace(*obj.domain[1], n)
    return np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)


def _scale(h: np.ndarray) -> float:
    """The curvature scale used to judge 'zero' gradients and eigenvalues."""
    return max(1.0, float(np.abs(h).max()))


# --- the registry -------------------------------------------------------------------------------------------------

def test_registry_lists_all_objectives_in_order() -> None:
    assert NAMES == ["quadratic", "saddle", "monkey_saddle", "rosenbrock", "beale", "booth", "himmelblau",
                     "rastrigin", "ackley", "goldstein_price", "six_hump_camel", "styblinski_tang", "matyas",
                     "three_hump_camel", "levi13", "mccormick", "easom"]
    assert list(OBJECTIVES) == NAMES + ["linear_regression", "logistic_regression", "mlp", "custom"]


@pytest.mark.parametrize("name", NAMES)
def test_summary_is_one_line_with_the_formula(name: str) -> None:
    spec = OBJECTIVES[name]
    assert spec.dim == 2
    assert "f = " in spec.summary and "\n" not in spec.summary
    assert make_objective(name).name == name


def test_unknown_objective_lists_the_valid_names() -> None:
    with pytest.raises(LabError, match="choose one of: quadratic, saddle, monkey_saddle"):
        make_objective("rosenbrok")


# --- exact derivatives --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_gradient_matches_centred_differences(name: str, params: dict) -> None:
    obj = make_objective(name, **params)
    pts = _random_points(obj, 50)
    assert pts.shape == (50, 2)
    assert grad_check(obj, pts) < 1e-5


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_hessian_matches_centred_differences_of_the_gradient(name: str, params: dict) -> None:
    obj = make_objective(name, **params)
    pts = _random_points(obj, 50, salt="hessian")
    assert pts.shape == (50, 2)
    assert hessian_check(obj, pts) < 1e-5


def test_ackley_returns_finite_documented_derivatives_at_its_kink() -> None:
    obj = make_objective("ackley")
    origin = np.zeros(2)
    assert obj.value(origin) == 0.0
    np.testing.assert_array_equal(obj.grad(origin), [0.0, 0.0])
    # only the smooth cosine term's Hessian e·c²/2·I; the cone's contribution is taken as 0
    np.testing.assert_allclose(obj.hessian(origin), math.e * 2 * math.pi ** 2 * np.eye(2), rtol=1e-14)
    tiny = np.array([[1e-200, 0.0], [0.0, -1e-300], [3e-160, 4e-160]])
    assert np.all(np.isfinite(obj.grad(tiny))) and np.all(np.isfinite(obj.hessian(tiny)))
    assert np.all(np.linalg.norm(obj.grad(tiny), axis=-1) <= 20 * 0.2 / math.sqrt(2) + 1e-12)


# --- batch evaluation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2,), (5, 2), (3, 4, 2)], ids=str)
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_batch_shapes_and_values_match_single_points(name: str, params: dict, shape: tuple[int, ...]) -> None:
    obj = make_objective(name, **params)
    pts = _random_points(obj, math.prod(shape[:-1]), salt="batch").reshape(shape)
    value, grad, hess = obj.value(pts), obj.grad(pts), obj.hessian(pts)
    assert value.shape == shape[:-1]
    assert grad.shape == shape
    assert hess.shape == shape + (2,)
    for idx in np.ndindex(*shape[:-1]):
        p = pts[idx]
        np.testing.assert_allclose(value[idx], obj.value(p), rtol=1e-13, atol=0)
        np.testing.assert_allclose(grad[idx], obj.grad(p), rtol=1e-13, atol=0)
        np.testing.assert_allclose(hess[idx], obj.hessian(p), rtol=1e-13, atol=0)
    np.testing.assert_array_equal(hess, np.swapaxes(hess, -1, -2))


# --- minima -------------------------------------------------------------------------------------------------------

MINIMA = [(name, params, i) for name, params in CASES for i in range(len(make_objective(name, **params).minima))]
MINIMA_IDS = [f"{cid}-min{i}" for (name, params), cid in zip(CASES, CASE_IDS)
              for i in range(len(make_objective(name, **params).minima))]


@pytest.mark.parametrize(("name", "params", "i"), MINIMA, ids=MINIMA_IDS)
def test_listed_minimum_is_a_critical_point_with_the_minimum_value(name: str, params: dict, i: int) -> None:
    obj = make_objective(name, **params)
    xstar = obj.minima[i]
    h = obj.hessian(xstar)
    assert np.linalg.norm(obj.grad(xstar)) < 1e-7 * _scale(h)
    assert np.linalg.eigvalsh(h).min() >= -1e-9 * _scale(h)
    assert obj.min_value is not None
    assert float(obj.value(xstar)) == pytest.approx(obj.min_value, rel=1e-14, abs=1e-14)
    assert np.all(obj.domain[:, 0] <= xstar) and np.all(xstar <= obj.domain[:, 1])


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_min_value_is_global_on_a_dense_grid(name: str, params: dict) -> None:
    obj = make_objective(name, **params)
    values = obj.value(_grid(obj))
    assert np.all(np.isfinite(values))
    if obj.min_value is None:
        assert len(obj.minima) == 0
        assert values.min() < values.max()  # unbounded below: nothing to compare against
    else:
        assert len(obj.minima) >= 1
        assert obj.min_value <= values.min()


@pytest.mark.parametrize("name", ["saddle", "monkey_saddle"])
def test_saddles_have_no_minima(name: str) -> None:
    obj = make_objective(name)
    assert obj.minima.shape == (0, 2)
    assert obj.min_value is None


def test_himmelblau_minima_are_the_four_published_ones_polished() -> None:
    obj = make_objective("himmelblau")
    published = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    np.testing.assert_allclose(obj.minima, published, atol=1e-6)
    assert obj.min_value == 0.0
    np.testing.assert_array_equal(obj.minima[0], [3.0, 2.0])
    # polished to full precision: the gradient vanishes to rounding, far below the 6-digit values' error
    assert np.abs(obj.grad(obj.minima)).max() < 1e-12
    assert np.abs(obj.grad(np.array(published))).max() > 1e-6


def test_six_hump_camel_has_both_symmetric_minima() -> None:
    obj = make_objective("six_hump_camel")
    np.testing.assert_allclose(obj.minima, [[0.0898, -0.7126], [-0.0898, 0.7126]], atol=1e-4)
    np.testing.assert_array_equal(obj.minima[1], -obj.minima[0])
    assert obj.min_value == pytest.approx(-1.0316284534898774, rel=1e-14)
    assert np.abs(obj.grad(obj.minima)).max() < 1e-14


def test_styblinski_tang_uses_the_exact_minimum_not_the_misprinted_one() -> None:
    obj = make_objective("styblinski_tang")
    np.testing.assert_allclose(obj.minima, [[-2.903534027771177, -2.903534027771177]], rtol=1e-15)
    assert obj.min_value == pytest.approx(-78.33233140754284, rel=1e-14)
    assert obj.min_value < 2 * -39.16599 - 1e-4


def test_mccormick_minimum_is_exact() -> None:
    obj = make_objective("mccormick")
    np.testing.assert_allclose(obj.minima, [[0.5 - math.pi / 3, -0.5 - math.pi / 3]], rtol=0, atol=1e-15)
    assert obj.min_value == pytest.approx(-math.sqrt(3) / 2 - math.pi / 3, rel=1e-15)


# --- hand-computed values -----------------------------------------------------------------------------------------

HAND_VALUES = [
    ("rosenbrock", {}, (0.0, 0.0), 1.0),
    ("rosenbrock", {"a": 2.0, "b": 1.0}, (0.0, 1.0), 5.0),
    ("saddle", {}, (1.0, 2.0), -3.0),
    ("monkey_saddle", {}, (1.0, 2.0), -11.0),
    ("beale", {}, (0.0, 0.0), 14.203125),
    ("beale", {}, (3.0, 0.5), 0.0),
    ("booth", {}, (0.0, 0.0), 74.0),
    ("himmelblau", {}, (0.0, 0.0), 170.0),
    ("rastrigin", {}, (1.0, 1.0), 2.0),
    ("rastrigin", {}, (0.5, 0.0), 20.25),
    ("rastrigin", {"A": 1.0}, (0.5, 0.0), 2.25),
    ("ackley", {}, (0.0, 0.0), 0.0),
    ("ackley", {}, (1.0, 1.0), 20 - 20 * math.exp(-0.2)),
    ("goldstein_price", {}, (0.0, -1.0), 3.0),  # "+4y" instead of "+48y" would give 399
    ("goldstein_price", {}, (0.0, 0.0), 600.0),
    ("goldstein_price", {}, (1.0, 1.0), 1876.0),
    ("six_hump_camel", {}, (0.0, 0.0), 0.0),
    ("six_hump_camel", {}, (1.0, 1.0), 4 - 2.1 + 1 / 3 + 1),
    ("styblinski_tang", {}, (0.0, 0.0), 0.0),
    ("styblinski_tang", {}, (1.0, -1.0), -15.0),
    ("matyas", {}, (1.0, 1.0), 0.04),
    ("matyas", {}, (1.0, -1.0), 1.0),
    ("three_hump_camel", {}, (1.0, 1.0), 2 - 1.05 + 1 / 6 + 2),
    ("levi13", {}, (0.0, 0.0), 2.0),
    ("levi13", {}, (1.0, 1.0), 0.0),
    ("mccormick", {}, (0.0, 0.0), 1.0),
    ("mccormick", {}, (0.5 - math.pi / 3, -0.5 - math.pi / 3), -math.sqrt(3) / 2 - math.pi / 3),
    ("easom", {}, (math.pi, math.pi), -1.0),
    ("easom", {}, (0.0, 0.0), -math.exp(-2 * math.pi ** 2)),
]


@pytest.mark.parametrize(("name", "params", "point", "expected"), HAND_VALUES)
def test_hand_computed_value(name: str, params: dict, point: tuple[float, float], expected: float) -> None:
    assert float(make_objective(name, **params).value(np.array(point))) == pytest.approx(expected, rel=1e-14,
                                                                                          abs=1e-14)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
@pytest.mark.parametrize("angle", [0.0, 30.0, 45.0, -60.0, 90.0, 135.5, 360.0])
def test_quadratic_hessian_is_the_rotated_diagonal(kappa: float, angle: float) -> None:
    obj = make_objective("quadratic", kappa=kappa, angle=angle)
    t = math.radians(angle)
    r = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    expected = r @ np.diag([1.0, kappa]) @ r.T
    h = obj.hessian(np.array([0.3, -0.7]))
    np.testing.assert_allclose(h, expected, rtol=0, atol=1e-13 * kappa)
    np.testing.assert_allclose(np.linalg.eigvalsh(h), [1.0, kappa], rtol=1e-13)


@pytest.mark.parametrize(("name", "point", "grad", "hess"), [
    ("saddle", (1.0, 2.0), (2.0, -4.0), ((2.0, 0.0), (0.0, -2.0))),
    ("saddle", (-1.5, 0.01), (-3.0, -0.02), ((2.0, 0.0), (0.0, -2.0))),
    ("saddle", (0.0, 0.0), (0.0, 0.0), ((2.0, 0.0), (0.0, -2.0))),
    ("monkey_saddle", (1.0, 2.0), (-9.0, -12.0), ((6.0, -12.0), (-12.0, -6.0))),
    ("monkey_saddle", (-1.0, 1.0), (0.0, 6.0), ((-6.0, -6.0), (-6.0, 6.0))),
    ("monkey_saddle", (0.0, 0.0), (0.0, 0.0), ((0.0, 0.0), (0.0, 0.0))),
])
def test_saddle_derivatives_at_hand_picked_points(name: str, point: tuple, grad: tuple, hess: tuple) -> None:
    obj = make_objective(name)
    np.testing.assert_allclose(obj.grad(np.array(point)), grad, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(obj.hessian(np.array(point)), hess, rtol=1e-15, atol=1e-15)


# --- parameters ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "bad", "known"), [
    ("quadratic", "kapa", "kappa, angle"),
    ("rosenbrock", "c", "a, b"),
    ("rastrigin", "a", "A"),
    ("booth", "A", "none"),
    ("ackley", "a", "none"),
])
def test_unknown_parameter_is_refused_naming_the_known_ones(name: str, bad: str, known: str) -> None:
    with pytest.raises(LabError, match=f"has no parameter '{bad}'; its parameters are: {known}$"):
        make_objective(name, **{bad: 1.0})


@pytest.mark.parametrize(("name", "params", "words"), [
    ("quadratic", {"kappa": 0.5}, ["kappa", "1 <= kappa"]),
    ("quadratic", {"angle": 400}, ["angle", "-360 <= angle <= 360"]),
    ("rosenbrock", {"b": 0.0}, ["b", "0 < b"]),
    ("rastrigin", {"A": -1.0}, ["A", "0 <= A"]),
    ("rastrigin", {"A": float("nan")}, ["A", "a finite number"]),
])
def test_out_of_range_parameter_is_refused(name: str, params: dict, words: list[str]) -> None:
    with pytest.raises(LabError) as info:
        make_objective(name, **params)
    for word in words:
        assert word in str(info.value)


def test_defaults_are_reported() -> None:
    assert make_objective("quadratic").params == {"kappa": 10.0, "angle": 0.0}
    assert make_objective("rosenbrock").params == {"a": 1.0, "b": 100.0}
    assert make_objective("rastrigin").params == {"A": 10.0}
    assert make_objective("rastrigin", A="2.5").params == {"A": 2.5}
    for name in set(NAMES) - {"quadratic", "rosenbrock", "rastrigin"}:
        assert OBJECTIVES[name].params == ()
        assert make_objective(name).params == {}


# --- start points -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_start_is_inside_the_domain_and_not_a_minimum(name: str, params: dict) -> None:
    obj = make_objective(name, **params)
    lo, hi = obj.domain[:, 0], obj.domain[:, 1]
    assert np.all(lo < hi)
    assert np.all(lo <= obj.start) and np.all(obj.start <= hi)
    width = float((hi - lo).max())
    for xstar in obj.minima:
        assert np.linalg.norm(obj.start - xstar) > 0.05 * width
    if obj.min_value is not None:
        assert float(obj.value(obj.start)) > obj.min_value
    assert np.linalg.norm(obj.grad(obj.start)) > 1e-6  # not a critical point either


@pytest.mark.parametrize("a", [-10.0, -3.0, 1.0, 2.5, 10.0])
def test_rosenbrock_domain_follows_its_minimum(a):
    obj = make_objective("rosenbrock", a=a)
    (x_lo, x_hi), (y_lo, y_hi) = obj.domain
    assert x_lo < a < x_hi and y_lo < a * a < y_hi
    assert x_lo <= obj.start[0] <= x_hi and y_lo <= obj.start[1] <= y_hi
