"""The objective's surface in 3-D, computed for a software renderer: a height field over the domain, an
orthographic camera, flat-shaded quads sorted back to front (painter's algorithm) and paths riding on the surface
with the parts the surface hides marked. Pure NumPy; the window only paints the polygons and lines it gets.

World coordinates: the domain [x0, x1] × [y0, y1] is mapped to the square u, v ∈ [−1, 1]; the height h (f − f*,
log10 when it spans decades, as the contour plot does) to w ∈ [−HEIGHT/2, HEIGHT/2].

Camera (``Camera``): rotate the world by the azimuth φ about the vertical axis, then look from elevation θ above
the horizontal plane:

    x₁ = u cos φ − v sin φ,   y₁ = u sin φ + v cos φ,   z₁ = w
    right = x₁,   up = y₁ sin θ + z₁ cos θ,   depth (towards the viewer) = −y₁ cos θ + z₁ sin θ

θ = 90° is the contour plot's top view (x to the right, y up); a larger depth is nearer the viewer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lab.views.scales import floor_for, log_levels

MESH = 48             # quads per side of the mesh (2 304 polygons: ~11 ms of QPainter at 1280×720)
HEIGHT = 1.0          # the surface's height in world units (the base is 2 × 2)
LOG_SPAN = 1e7        # the log height covers at most this many decades below the top (as the contour's levels)
LOG_WHEN = 150.0      # the height is drawn in log10 when the largest gap over the domain is more than this times
                      # its 10th percentile (rosenbrock ~300, beale, goldstein_price; a bowl ~26, himmelblau ~41)
FLOOR_PERCENTILE = 4.0  # a log height is clipped below at this percentile of the lattice: a narrow valley (rosenbrock's)
                       # that only some lattice points fall into would otherwise show as a comb of spikes
LIFT = 0.012          # paths ride this far above the surface, so the mesh never hides a visible one
AMBIENT = 0.45        # Lambert shading: ambient + (1 − ambient)·max(n·l, 0)
LIGHT = (-0.45, 0.35, 0.82)  # towards the light, in view coordinates (right, up, depth): from the upper left
RADIUS = float(np.sqrt(2.0 + (HEIGHT / 2) ** 2))  # the scene's bounding radius: it fits the view at zoom 1
ELEVATION_RANGE = (5.0, 90.0)
ZOOM_RANGE = (0.5, 6.0)


@dataclass
class Camera:
    """An orthographic view: ``azimuth`` and ``elevation`` in degrees, ``zoom`` 1 fits the scene in the view."""

    azimuth: float = -35.0
    elevation: float = 35.0
    zoom: float = 1.0

    def rotated(self, d_azimuth: float, d_elevation: float) -> Camera:
        lo, hi = ELEVATION_RANGE
        return Camera((self.azimuth + d_azimuth) % 360.0, float(np.clip(self.elevation + d_elevation, lo, hi)),
                      self.zoom)

    def zoomed(self, factor: float) -> Camera:
        return Camera(self.azimuth, self.elevation, float(np.clip(self.zoom * factor, *ZOOM_RANGE)))

    def basis(self) -> np.ndarray:
        """3 × 3 rows: the world directions of screen right, screen up and depth (towards the viewer)."""
        phi, theta = np.radians(self.azimuth), np.radians(self.elevation)
        c, s, ct, st = np.cos(phi), np.sin(phi), np.cos(theta), np.sin(theta)
        right = np.array([c, -s, 0.0])
        y1 = np.array([s, c, 0.0])
        z1 = np.array([0.0, 0.0, 1.0])
        return np.array([right, y1 * st + z1 * ct, -y1 * ct + z1 * st])

    def project(self, points: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) to pixel coordinates (..., 2) in a ``width`` × ``height`` view (y down) and
        their depth (...,), larger nearer."""
        view = np.asarray(points, float) @ self.basis().T
        scale = self.zoom * min(width, height) / (2.0 * RADIUS)
        px = width / 2.0 + scale * view[..., 0]
        py = height / 2.0 - scale * view[..., 1]
        return np.stack([px, py], axis=-1), view[..., 2]


@dataclass
class Surface:
    """The height field: ``h[i, j]`` at (gx[i], gy[j]) in plot units (log10 gap or gap), clipped to
    [``lo``, ``hi``]; ``w`` the same in world units. ``what`` names the height for the view's caption."""

    gx: np.ndarray
    gy: np.ndarray
    h: np.ndarray
    lo: float
    hi: float
    log: bool
    what: str
    min_value: float | None
    base: float = 0.0  # f − base is the gap: f* when known, else the lattice's least f
    w: np.ndarray = field(init=False)

    def __post_init__(self):
        self.w = self.to_w(self.h)

    def coarse(self, every: int) -> Surface:
        """The same surface on every ``every``-th lattice line (the same height scale): a mesh cheap enough to
        redraw on every mouse move while the view is being turned."""
        return Surface(self.gx[::every], self.gy[::every], self.h[::every, ::every], self.lo, self.hi, self.log,
                       self.what, self.min_value, self.base)

    def to_w(self, h: np.ndarray) -> np.ndarray:
        span = self.hi - self.lo if self.hi > self.lo else 1.0
        return (np.clip(h, self.lo, self.hi) - self.lo) / span * HEIGHT - HEIGHT / 2

    def to_uv(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, float)
        x0, x1, y0, y1 = self.gx[0], self.gx[-1], self.gy[0], self.gy[-1]
        return np.stack([2 * (xy[..., 0] - x0) / (x1 - x0) - 1, 2 * (xy[..., 1] - y0) / (y1 - y0) - 1], axis=-1)

    def height_of(self, values: np.ndarray) -> np.ndarray:
        """Objective values f to the surface's height units (NaN stays NaN)."""
        values = np.asarray(values, float)
        if not self.log:
            return values - self.base
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = values - self.base
            return np.where(np.isnan(gap), np.nan, np.log10(np.maximum(gap, floor_for(self.min_value))))

    def world(self, xy: np.ndarray, values: np.ndarray, lift: float = LIFT) -> np.ndarray:
        """Points (x, y) with values f to world points on the surface (raised by ``lift``); a point outside the
        domain or with a non-finite value is NaN (a path breaks there)."""
        uv = self.to_uv(xy)
        h = self.height_of(values)
        w = self.to_w(h) + lift
        bad = ~np.isfinite(h) | (np.abs(uv) > 1.0 + 1e-9).any(axis=-1) | ~np.isfinite(uv).all(axis=-1)
        out = np.concatenate([uv, w[..., None]], axis=-1)
        out[bad] = np.nan
        return out

    def w_at(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The surface's world height at (u, v) by bilinear interpolation of the mesh (NaN outside the square)."""
        n, m = self.w.shape
        fi = (np.asarray(u, float) + 1) / 2 * (n - 1)
        fj = (np.asarray(v, float) + 1) / 2 * (m - 1)
        inside = (fi >= 0) & (fi <= n - 1) & (fj >= 0) & (fj <= m - 1)
        i = np.clip(np.floor(fi).astype(int), 0, n - 2)
        j = np.clip(np.floor(fj).astype(int), 0, m - 2)
        a, b = np.clip(fi - i, 0, 1), np.clip(fj - j, 0, 1)
        w = self.w
        z = (w[i, j] * (1 - a) * (1 - b) + w[i + 1, j] * a * (1 - b) + w[i, j + 1] * (1 - a) * b
             + w[i + 1, j + 1] * a * b)
        return np.where(inside, z, np.nan)


def surface(objective, mesh: int = MESH) -> Surface:
    """The height field of a 2-D ``objective`` on a (mesh + 1)² lattice over its domain: f − f* (f − min f over
    the lattice when f* is unknown), in log10 when it spans more than LOG_WHEN between its 10th percentile and its
    top (rosenbrock: the contour plot's scale), linear otherwise (a bowl, a saddle keep their shape)."""
    (x0, x1), (y0, y1) = objective.domain
    gx, gy = np.linspace(x0, x1, mesh + 1), np.linspace(y0, y1, mesh + 1)
    X, Y = np.meshgrid(gx, gy, indexing="ij")
    with np.errstate(all="ignore"):
        f = np.asarray(objective.value(np.stack([X, Y], axis=-1)), float)
    known = objective.min_value is not None
    finite = f[np.isfinite(f)]
    base = objective.min_value if known else (finite.min() if finite.size else 0.0)
    gap = f - base
    good = gap[np.isfinite(gap)]
    top = good.max() if good.size else 1.0
    low = np.percentile(good, 10) if good.size else 1.0
    log = bool(known and top > 0 and (low <= 0 or top / low > LOG_WHEN))
    if log:
        levels = log_levels(gap, 14, LOG_SPAN)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.log10(np.maximum(gap, floor_for(objective.min_value)))
        finite_h = h[np.isfinite(h)]
        lo = max(float(levels[0]), float(np.percentile(finite_h, FLOOR_PERCENTILE)) if finite_h.size else -np.inf)
        hi = float(levels[-1])
        what = "log₁₀(f − f*)"
    else:
        h = gap
        lo, hi = (float(good.min()), float(good.max())) if good.size else (0.0, 1.0)
        what = "f − f*" if known else "f"
    h = np.where(np.isfinite(h), h, hi)
    return Surface(gx, gy, np.clip(h, lo, hi), lo, hi, log, what, objective.min_value, float(base))


def vertices(s: Surface) -> np.ndarray:
    """(n, m, 3) world points of the mesh's vertices."""
    U, V = np.meshgrid(np.linspace(-1, 1, s.w.shape[0]), np.linspace(-1, 1, s.w.shape[1]), indexing="ij")
    return np.stack([U, V, s.w], axis=-1)


def quad_normals(p: np.ndarray) -> np.ndarray:
    """Unit normals (n−1, m−1, 3) of the quads of a vertex grid ``p`` (n, m, 3), upward (w > 0): the cross
    product of the diagonals, (p₁₁ − p₀₀) × (p₀₁ − p₁₀), which for a height field w(u, v) is ∝ (−∂w/∂u, −∂w/∂v, 1)
    by central differences at the quad's centre."""
    d1 = p[1:, 1:] - p[:-1, :-1]
    d2 = p[:-1, 1:] - p[1:, :-1]
    n = np.cross(d1, d2)
    n *= np.sign(n[..., 2:3] + (n[..., 2:3] == 0))
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


@dataclass
class Frame:
    """What to paint, back to front: ``polygons`` (Q, 4, 2) in pixels, ``colors`` (Q, 3) uint8."""

    polygons: np.ndarray
    colors: np.ndarray
    order: np.ndarray  # the quads' flat indices in drawing order


def mesh_frame(s: Surface, camera: Camera, width: int, height: int, lut: np.ndarray) -> Frame:
    """The shaded mesh seen by ``camera``: each quad coloured by ``lut`` (K × 3 uint8, low to high) at its mean
    height, times Lambert's ambient + diffuse term for LIGHT (fixed to the camera, so the side facing the viewer
    is lit whatever the rotation), sorted by depth far to near."""
    p = vertices(s)
    pix, depth = camera.project(p, width, height)
    normals = quad_normals(p)
    basis = camera.basis()
    light = np.asarray(LIGHT, float) @ basis  # view → world
    light /= np.linalg.norm(light)
    facing = normals @ basis[2]
    n = normals * np.where(facing < 0, -1.0, 1.0)[..., None]  # the underside seen from below is lit too
    shade = AMBIENT + (1 - AMBIENT) * np.clip(n @ light, 0.0, 1.0)
    mean_w = 0.25 * (s.w[1:, 1:] + s.w[:-1, :-1] + s.w[1:, :-1] + s.w[:-1, 1:])
    k = np.clip(((mean_w + HEIGHT / 2) / HEIGHT * (len(lut) - 1)).round().astype(int), 0, len(lut) - 1)
    colors = np.clip(np.asarray(lut, float)[k] * shade[..., None], 0, 255).astype(np.uint8)
    quad_depth = 0.25 * (depth[1:, 1:] + depth[:-1, :-1] + depth[1:, :-1] + depth[:-1, 1:])
    order = np.argsort(quad_depth, axis=None, kind="stable")
    corners = np.stack([pix[:-1, :-1], pix[1:, :-1], pix[1:, 1:], pix[:-1, 1:]], axis=2)  # (n−1, m−1, 4, 2)
    return Frame(corners.reshape(-1, 4, 2)[order], colors.reshape(-1, 3)[order], order)


def hidden(s: Surface, camera: Camera, points: np.ndarray, samples: int = 32, tolerance: float = 0.004
           ) -> np.ndarray:
    """For world points (N, 3) on or above the surface: True where the surface hides them from the camera.
    March along the ray from each point towards the viewer (``samples`` steps to the edge of the scene) and look
    for a sample under the surface (interpolated, by more than ``tolerance``). NaN points count as not hidden."""
    points = np.asarray(points, float).reshape(-1, 3)
    out = np.zeros(len(points), bool)
    ok = np.isfinite(points).all(axis=1)
    if not ok.any():
        return out
    toward = camera.basis()[2]
    p = points[ok]
    reach = np.full(len(p), 2 * RADIUS)  # a ray that has risen above the highest point is clear from there on
    if toward[2] > 1e-6:
        reach = np.clip((HEIGHT / 2 - p[:, 2]) / toward[2], 0.0, 2 * RADIUS)
    t = np.linspace(0.0, 1.0, samples + 1)[1:][None, :] * reach[:, None]
    q = p[:, None, :] + t[..., None] * toward
    under = q[..., 2] < s.w_at(q[..., 0], q[..., 1]) - tolerance  # NaN outside the square: False
    out[ok] = under.any(axis=1)
    return out


def thin(n: int, most: int) -> np.ndarray:
    """Indices of at most ``most`` of ``n`` rows, evenly spread, the first and last always kept."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


__all__ = ["Camera", "Frame", "HEIGHT", "MESH", "Surface", "hidden", "mesh_frame", "quad_normals", "surface",
           "thin", "vertices"]
