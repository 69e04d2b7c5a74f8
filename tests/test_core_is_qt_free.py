"""The core never imports Qt: every module of ``lab`` (lab/views/ too: what the window draws, computed without Qt)
imports without PySide6, shiboken6 or pyqtgraph, and so does the headless command line."""
import subprocess
import sys

QT = "('PySide6', 'pyqtgraph', 'shiboken6', 'PyQt5', 'PyQt6')"


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_every_core_module_loads_no_qt():
    """Every module of the core loads without Qt, and without numba (the batched engine imports numba only when a
    kernel must be built, so the window's start never pays for it)."""
    out = run("import sys, lab, pkgutil, importlib; "
              "[importlib.import_module(m.name) for m in pkgutil.walk_packages(lab.__path__, 'lab.')]; "
              "import lab.views.snapshot, lab.views.contour_grid, lab.views.data_fit; "
              f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {QT[:-1]}, 'numba'))))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_the_headless_command_line_loads_no_qt():
    out = run("import sys, main; main.main(['objectives']); "
              f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {QT})), file=sys.stderr)")
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == ""
