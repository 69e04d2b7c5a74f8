"""The surface in 3-D while it is being rotated: frames per second with 8 racers at 1280×720.

    QT_QPA_PLATFORM=offscreen python benchmarks/surface.py [--frames N] [--steps N] [--size WxH]

The surface view alone at the given size (the worst case; in the window it is smaller) after a race of 8 racers on
rosenbrock; each frame is a mouse move of a drag that turns the camera by 2° (so the mesh image is redrawn every
frame; while dragged it is the coarse mesh) and renders the view (``grab``: its paint, now). Also measured: turning
with the full mesh every frame (as the wheel or a program would). Printed: the frame time
and the mesh's share (projection, shading, sorting, 2 304 polygons; the rest is the 8 paths of up to 200 points
with their hidden parts found by ray marching); frames per second; the same view rendered without turning (mesh
cached, paths only: a race running with the view still); and as a reference measured in the same run, the contour
view (pyqtgraph) rendered at the same size with the same racers (``ContourView.grab``), with the ratio. The machine is printed first.
Aim: 20 frames a second while turning.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPTIMIZER_LAB_SETTINGS", str(Path("/tmp") / "optimizer-lab-benchmark.ini"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def timed(fn, frames: int) -> list[float]:
    out = []
    for k in range(frames):
        t0 = time.perf_counter()
        fn(k)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--size", default="1280x720")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from widgets.main_window import MainWindow

    window = MainWindow(remember=False)
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    while len(m.experiment.racers) < 8:
        m.add_racer()
    m.set_max_steps(args.steps)
    m.set_speed(0)
    window.resize(width, height)
    window.show()
    loop = QEventLoop()
    m.runEnded.connect(lambda _r: loop.quit())
    m.run()
    if m.running:
        loop.exec()
    window.refresh_now()
    app.processEvents()
    from widgets.plots.surface_view import SurfaceView

    view = SurfaceView(m, window.clock)  # the view alone at the full size: the worst case
    view.resize(width, height)
    view.show()
    app.processEvents()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores: other programs "
          f"slow every figure; 'best' is the fastest frame, the nearest to a quiet machine)")
    print(f"window {width}x{height}, surface view {view.width()}x{view.height()}, {len(m.traces)} racers, "
          f"{m.step_count} steps, PySide6 offscreen (QPainter, no OpenGL)")

    from lab.views import surface as geometry

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    def turn(k):  # a mouse drag of 5 pixels: 2° (the coarse mesh while dragging)
        x = 100 + 5 * (k % 200)
        QTest.mouseMove(view, QPoint(x + 5, 300))
        view.grab()

    def turn_full(k):
        view.camera = view.camera.rotated(2.0, 0.0)
        view.grab()

    def mesh_only(k):
        view.camera = view.camera.rotated(2.0, 0.0)
        view.mesh_image(view.surface())

    def still(k):
        view.grab()

    turn_full(0)  # warm: the surface's height field, first paint
    full = timed(turn_full, args.frames)
    meshing = timed(mesh_only, args.frames)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 300))
    turning = timed(turn, args.frames)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 300))
    stills = timed(still, args.frames)
    from widgets.plots.contour_plot import ContourView

    contour = ContourView(m, window.clock)  # the reference: the contour view alone at the same size
    contour.resize(width, height)
    contour.show()
    app.processEvents()
    contour.grid_now()
    window.clock.flush()

    def contour_paint(k):
        contour.grab()

    contour_paint(0)
    contours = timed(contour_paint, args.frames)

    def med(v):
        return sorted(v)[len(v) // 2]

    def best(v):
        return f"best {min(v):.1f} ms ({1000 / min(v):.0f} frames/s)"

    print(f"dragged (coarse mesh, {(geometry.MESH // 2) ** 2} polygons, redrawn every frame): median "
          f"{med(turning):.1f} ms a frame, {1000 / med(turning):.1f} frames/s (aim: 20); {best(turning)}; worst "
          f"{max(turning):.1f} ms")
    print(f"turned with the full mesh ({geometry.MESH ** 2} polygons) every frame: median {med(full):.1f} ms, "
          f"{1000 / med(full):.1f} frames/s, {best(full)}; of which the mesh (projection, shading, depth sort, "
          f"polygons): median {med(meshing):.1f} ms, best {min(meshing):.1f} ms")
    print(f"still (mesh cached, paths redrawn): median {med(stills):.1f} ms, {1000 / med(stills):.1f} frames/s, "
          f"{best(stills)}")
    print(f"reference, the contour view rendered at {contour.width()}x{contour.height()}: median "
          f"{med(contours):.1f} ms, best {min(contours):.1f} ms; dragged surface / contour = "
          f"{med(turning) / med(contours):.1f} (medians), {min(turning) / min(contours):.1f} (best)")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
