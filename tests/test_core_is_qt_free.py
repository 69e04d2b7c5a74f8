import subprocess
import sys


def test_importing_the_core_loads_no_qt():
    """Every module of the core loads without Qt, and without numba (the batched engine imports numba only when a
    kernel must be built, so the window's start never pays for it)."""
    code = ("import sys, lab, lab.objectives, lab.optimizers, lab.race, lab.experiment, lab.curvature, "
            "lab.gradcheck; import pkgutil, importlib; "
            "[importlib.import_module(m.name) for m in pkgutil.walk_packages(lab.__path__, 'lab.')]; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'PyQt5', 'PyQt6', "
            "'numba')); "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
