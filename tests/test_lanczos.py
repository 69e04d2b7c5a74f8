"""Lanczos against dense eigh: extreme eigenvalues, eigenvectors, smallest |λ| and the condition number."""
import numpy as np
import pytest

from lab.curvature import LANCZOS_ABOVE, curvature, curvature_at
from lab.lanczos import condition_estimate, extreme_eigenpairs, lanczos
from lab.objectives import make_objective


def _symmetric(d, eigenvalues, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return (q * eigenvalues) @ q.T


def _spectra():
    rng = np.random.default_rng(0)
    out = []
    for d in (60, 150):
        spd = rng.uniform(0.01, 10.0, d)
        out.append((f"spd-{d}", d, spd))
        out.append((f"indefinite-{d}", d, spd * np.where(rng.random(d) < 0.4, -1, 1)))
        out.append((f"negative-{d}", d, -spd))
    out.append(("clustered-80", 80, np.r_[np.full(40, 1.0), np.linspace(1.0, 1.001, 39), 50.0]))
    return out


SPECTRA = _spectra()


@pytest.mark.parametrize(("label", "d", "eigenvalues"), SPECTRA, ids=[s[0] for s in SPECTRA])
def test_extremes_and_condition_number_agree_with_eigh(label, d, eigenvalues):
    a = _symmetric(d, eigenvalues, seed=d)
    lam = np.linalg.eigvalsh(a)
    scale = np.abs(lam).max()
    ext = extreme_eigenpairs(lambda v: a @ v, d, seed=1)
    assert abs(ext.lam_min - lam[0]) <= 1e-6 * scale and abs(ext.lam_max - lam[-1]) <= 1e-6 * scale
    for value, vec in ((ext.lam_min, ext.v_min), (ext.lam_max, ext.v_max)):
        assert np.linalg.norm(vec) == pytest.approx(1.0, abs=1e-12)
        assert np.linalg.norm(a @ vec - value * vec) <= 1e-6 * scale
    assert ext.min_abs == pytest.approx(np.abs(lam).min(), rel=1e-6)
    assert condition_estimate(ext) == pytest.approx(float(curvature(a).condition_number), rel=1e-6)
    assert ext.iterations <= 2 * d


def test_well_separated_extremes_need_far_fewer_products_than_the_dimension():
    d = 400
    a = _symmetric(d, np.r_[0.1, np.linspace(1.0, 2.0, d - 2), 10.0], seed=5)
    r = lanczos(lambda v: a @ v, d, tol=1e-10)
    assert r.iterations < 60
    assert r.eigenvalues[0] == pytest.approx(0.1, rel=1e-9) and r.eigenvalues[-1] == pytest.approx(10.0, rel=1e-9)
    assert r.residuals[0] <= 1e-10 * 10 and r.residuals[-1] <= 1e-10 * 10


def test_a_matrix_with_three_distinct_eigenvalues_is_solved_in_three_products():
    a = np.diag(np.r_[np.full(30, -2.0), np.full(30, 1.0), np.full(40, 5.0)])
    r = lanczos(lambda v: a @ v, 100)
    assert r.iterations == 3
    np.testing.assert_allclose(r.eigenvalues, [-2.0, 1.0, 5.0], rtol=1e-13)


def test_the_start_vector_is_seeded():
    a = _symmetric(70, np.linspace(-3, 4, 70), seed=2)
    r1, r2 = (lanczos(lambda v: a @ v, 70, seed=4) for _ in range(2))
    np.testing.assert_array_equal(r1.eigenvalues, r2.eigenvalues)
    r3 = lanczos(lambda v: a @ v, 70, seed=5)
    assert r3.eigenvalues[0] == pytest.approx(-3, rel=1e-8)


def test_top_two_for_slices():
    lam = np.r_[np.linspace(-1, 1, 60), 7.0, 9.0]
    a = _symmetric(62, lam, seed=3)
    r = lanczos(lambda v: a @ v, 62, n_low=0, n_high=2)
    np.testing.assert_allclose(r.eigenvalues[-2:], [7.0, 9.0], rtol=1e-9)


@pytest.mark.parametrize(("name", "params"), [("mlp", {}), ("mlp", {"dataset": "two_moons", "hidden": 12}),
                                              ("mlp", {"hidden": 30, "n": 100})])
def test_lanczos_on_the_mlp_hessian_agrees_with_eigh(name, params):
    obj = make_objective(name, **params)
    for seed in range(2):
        x = obj.start + 0.5 * np.random.default_rng(seed).standard_normal(obj.dim)
        lam = np.linalg.eigvalsh(obj.hessian(x))
        ext = extreme_eigenpairs(lambda v: obj.hvp(x, v), obj.dim, seed=seed)
        scale = np.abs(lam).max()
        assert abs(ext.lam_min - lam[0]) <= 1e-6 * scale
        assert abs(ext.lam_max - lam[-1]) <= 1e-6 * scale
        assert ext.min_abs <= 1e-12 * scale  # the softmax shift: exactly flat directions


def test_curvature_at_switches_to_lanczos_only_above_the_threshold():
    small = make_objective("mlp", hidden=9)  # D = 47
    big = make_objective("mlp", hidden=10)   # D = 52
    assert small.dim <= LANCZOS_ABOVE < big.dim
    assert curvature_at(small, small.start).eigenvalues.shape == (47,)
    assert curvature_at(big, big.start).eigenvalues.shape == (2,)


def test_a_non_finite_hessian_gives_nan_curvature():
    with pytest.raises(ValueError, match="not finite"):
        lanczos(lambda v: np.full_like(v, np.nan), 60)
    obj = make_objective("mlp")
    c = curvature_at(obj, np.full(82, np.nan))
    assert np.all(np.isnan(c.eigenvalues)) and c.condition_number == np.inf and c.kind == "degenerate"
