"""The 3-D surface view's geometry (lab/views/surface.py), against hand computations and finite differences."""
import math

import numpy as np
import pytest

from lab.objectives import make_objective
from lab.views.surface import (HEIGHT, RADIUS, Camera, Surface, hidden, mesh_frame, quad_normals, surface, thin,
                               vertices)


def bump(n=41, height=0.45):
    """A fake surface: a Gaussian hill of world height ``height`` in the middle of a flat floor at −0.5."""
    g = np.linspace(-1, 1, n)
    U, V = np.meshgrid(g, g, indexing="ij")
    h = height * np.exp(-(U ** 2 + V ** 2) / 0.08)
    return Surface(g, g, h, 0.0, HEIGHT, False, "f", 0.0)


@pytest.mark.parametrize("camera, point, pixel, depth", [
    # azimuth 0, elevation 0: looking along +v, right = u, up = w, depth = −v
    (Camera(0, 0, 1), (1, 0, 0), (100 + 100 / RADIUS, 100), 0.0),
    (Camera(0, 0, 1), (0, 0, 0.5), (100, 100 - 50 / RADIUS), 0.0),
    (Camera(0, 0, 1), (0, 1, 0), (100, 100), -1.0),
    # azimuth 90°: x₁ = −v, so +v is to the left; depth = −u
    (Camera(90, 0, 1), (0, 1, 0), (100 - 100 / RADIUS, 100), 0.0),
    (Camera(90, 0, 1), (1, 0, 0), (100, 100), -1.0),
    # elevation 90°: the contour plot's top view, up = v, depth = w; zoom 2 doubles the scale
    (Camera(0, 90, 2), (0, 1, 0), (100, 100 - 200 / RADIUS), 0.0),
    (Camera(0, 90, 1), (0.5, 0, 0.3), (100 + 50 / RADIUS, 100), 0.3),
    # elevation 30°: up = v sin 30° + w cos 30° = 0.5 v + 0.866 w; depth = −v cos 30° + w sin 30°
    (Camera(0, 30, 1), (0, 1, 1), (100, 100 - (0.5 + math.sqrt(3) / 2) * 100 / RADIUS), -math.sqrt(3) / 2 + 0.5),
])
def test_projection_of_known_points(camera, point, pixel, depth):
    pix, d = camera.project(np.array(point, float), 200, 200)
    assert pix == pytest.approx(pixel, abs=1e-9)
    assert float(d) == pytest.approx(depth, abs=1e-12)


def test_projection_basis_is_orthonormal_and_camera_limits():
    b = Camera(-35, 35, 1).basis()
    assert b @ b.T == pytest.approx(np.eye(3), abs=1e-12)
    assert Camera(0, 80, 1).rotated(10, 30).elevation == 90.0
    assert Camera(350, 10, 1).rotated(20, -30).azimuth == pytest.approx(10.0)
    assert Camera(350, 10, 1).rotated(20, -30).elevation == 5.0
    assert Camera(0, 30, 5).zoomed(2).zoom == 6.0


def test_quads_are_drawn_back_to_front():
    s = bump()
    lut = np.full((8, 3), 200, np.uint8)
    cam = Camera(0, 30, 1)
    frame = mesh_frame(s, cam, 400, 300, lut)
    _, depth = cam.project(vertices(s), 400, 300)
    quad_depth = 0.25 * (depth[1:, 1:] + depth[:-1, :-1] + depth[1:, :-1] + depth[:-1, 1:]).ravel()
    assert np.all(np.diff(quad_depth[frame.order]) >= 0)
    n = s.w.shape[0] - 1
    i, j = np.unravel_index(frame.order[[0, -1]], (n, n))
    assert j[0] == n - 1 and j[1] == 0  # the far row (v = 1) first, the near row (v = −1) last
    top = mesh_frame(s, Camera(0, 90, 1), 400, 300, lut)  # from above: the hill's top is the last drawn
    i, j = np.unravel_index(top.order[-1], (n, n))
    assert abs(i - n / 2) <= 1 and abs(j - n / 2) <= 1


def test_normals_against_finite_differences():
    g = np.linspace(-1, 1, 21)
    U, V = np.meshgrid(g, g, indexing="ij")

    def w(u, v):
        return 0.3 * u ** 2 - 0.2 * u * v + 0.1 * v ** 3 + np.sin(u)

    p = np.stack([U, V, w(U, V)], axis=-1)
    normals = quad_normals(p)
    cu, cv = 0.5 * (U[1:, 1:] + U[:-1, :-1]), 0.5 * (V[1:, 1:] + V[:-1, :-1])
    h = 1e-6
    wu = (w(cu + h, cv) - w(cu - h, cv)) / (2 * h)
    wv = (w(cu, cv + h) - w(cu, cv - h)) / (2 * h)
    expected = np.stack([-wu, -wv, np.ones_like(wu)], axis=-1)
    expected /= np.linalg.norm(expected, axis=-1, keepdims=True)
    assert np.abs(normals - expected).max() < 2e-3  # central differences over a cell of 0.1: O(0.1²)
    assert (normals[..., 2] > 0).all()


def test_lambert_shading_and_the_colour_map():
    g = np.linspace(-1, 1, 5)
    flat = Surface(g, g, np.zeros((5, 5)), 0.0, 1.0, False, "f", 0.0)
    lut = np.array([[100, 150, 200], [0, 0, 0]], np.uint8)
    frame = mesh_frame(flat, Camera(0, 90, 1), 100, 100, lut)  # the floor (w = −H/2): the lut's first colour
    from lab.views.surface import AMBIENT, LIGHT
    lam = AMBIENT + (1 - AMBIENT) * LIGHT[2] / np.linalg.norm(LIGHT)  # normal = depth axis from above
    assert frame.colors[0] == pytest.approx(np.floor(np.array([100, 150, 200]) * lam), abs=1)


def test_hidden_parts_behind_a_hill():
    s = bump()
    cam = Camera(0, 10, 1)  # looking along +v, nearly level: the hill hides the floor behind it
    behind = np.array([0.0, 0.6, -0.5 + 0.01])
    front = np.array([0.0, -0.6, -0.5 + 0.01])
    top = np.array([0.0, 0.0, 0.45 + 0.01])
    aside = np.array([0.9, 0.6, -0.5 + 0.01])
    assert hidden(s, cam, np.array([behind, front, top, aside, [np.nan] * 3])).tolist() == [
        True, False, False, False, False]
    assert not hidden(s, Camera(0, 90, 1), behind[None]).any()  # from above nothing hides the floor


def test_log_height_on_rosenbrock_and_paths_on_the_surface():
    obj = make_objective("rosenbrock")
    s = surface(obj, mesh=30)
    assert s.log and s.what == "log₁₀(f − f*)"
    assert s.height_of(np.array([100.0, 0.001])) == pytest.approx([2.0, -3.0])
    (x0, x1), (y0, y1) = obj.domain
    p = s.world(np.array([[x0, y0], [x1, y1], [x1 + 1, y0], [1.0, 1.0]]),
                obj.value(np.array([[x0, y0], [x1, y1], [x1 + 1, y0], [1.0, 1.0]])), lift=0.0)
    assert p[0, :2] == pytest.approx([-1, -1]) and p[1, :2] == pytest.approx([1, 1])
    assert np.isnan(p[2]).all()  # outside the domain: the path breaks
    assert p[3, 2] == pytest.approx(-HEIGHT / 2)  # f = f* sits at the bottom (clipped to the lowest level)
    assert s.w_at(np.array([-1.0, 1.0]), np.array([-1.0, 1.0])) == pytest.approx(s.w[[0, -1], [0, -1]])
    assert not surface(make_objective("saddle")).log  # a saddle keeps its shape: linear height
    assert not surface(make_objective("quadratic")).log


def test_thin_keeps_ends():
    assert thin(5, 10).tolist() == [0, 1, 2, 3, 4]
    k = thin(1000, 50)
    assert k[0] == 0 and k[-1] == 999 and len(k) <= 50
