"""The core never imports Qt: ``import lab`` (and the window's pure helpers' core) leaves PySide6 out."""
import subprocess
import sys


def test_import_lab_leaves_pyside6_out():
    code = ("import sys, lab, lab.presets, lab.race, lab.experiment, lab.curvature, lab.export; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_headless_command_line_loads_no_qt():
    code = ("import sys, main; main.main(['objectives']); "
            "print('QT' if 'PySide6' in sys.modules else 'NOQT', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().endswith("NOQT")
