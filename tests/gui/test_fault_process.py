"""The window as a real process under faults (issue 7): ``main.py --screenshot`` of a race with diverging and
failing racers and corrupt stored settings; a window abused by timers (run, pause, step, reset, objective and
racer changes, fast) and then closed mid-race. Exit status 0, and nothing on stderr: no traceback, no
"QThread: Destroyed while thread is still running", no warning."""
import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def run(args, settings, timeout=120):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OPTIMIZER_LAB_SETTINGS=str(settings),
               PYTHONWARNINGS="default")
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env)


def quiet(stderr: str) -> list[str]:
    """stderr's lines but the offscreen platform's harmless note."""
    return [line for line in stderr.splitlines() if line.strip() and "propagateSizeHints" not in line]


def test_fault_screenshot_of_a_race_with_diverging_and_failing_racers_and_corrupt_settings(tmp_path):
    settings = tmp_path / "settings.ini"
    settings.write_bytes(b"\x00\xff garbage [[[\n[run]\nspeed=fast\n")
    exp = tmp_path / "faulty.json"
    exp.write_text(json.dumps({
        "objective": "monkey_saddle", "start": [0.0, 0.0], "steps": 500,
        "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 1e300}, "label": "huge lr"},
                   {"optimizer": "newton", "label": "newton at the origin"},
                   {"optimizer": "adam", "hyperparameters": {"lr": 0.05}}]}))
    out = tmp_path / "shot.png"
    done = run(["main.py", "--experiment", str(exp), "--steps", "300", "--screenshot", str(out)], settings)
    assert done.returncode == 0, done.stderr
    assert quiet(done.stderr) == []
    assert QImage(str(out)).width() == 1400


ABUSE_THEN_CLOSE = """
import random, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from widgets.main_window import MainWindow
w = MainWindow()
m = w.model
m.set_speed(0)
m.set_max_steps(1_000_000)
w.show()
m.run()
rng = random.Random(7)
actions = [m.toggle_run, m.run, m.pause, m.step, m.reset, lambda: m.add_racer("lbfgs"),
           lambda: m.remove_racer(0) if len(m.racers) > 1 else None,
           lambda: m.set_objective(rng.choice(["rosenbrock", "booth", "saddle"])),
           lambda: m.set_hyperparameter(0, "lr", rng.choice([1e-3, 1e6])),
           lambda: m.update_racer(0, enabled=rng.random() < 0.5)]
def poke():
    rng.choice(actions)()
timer = QTimer()
timer.timeout.connect(poke)
timer.start(3)
def close_mid_race():
    print("steps before close:", m.step_count, "running:", m.running, flush=True)
    w.close()
    m.run()  # a press that comes after the close
def long_race():  # nobody converges (tol 0) or diverges: still running at the close
    timer.stop()
    m.set_objective("quadratic")
    m.use_lecture_set()
    m.set_max_steps(1_000_000)
    m.experiment.tol = 0.0
    m.reset()
    m.run()
    QTimer.singleShot(200, close_mid_race)
QTimer.singleShot(700, long_race)
sys.exit(app.exec())
"""


def test_fault_window_abused_by_timers_then_closed_mid_race_exits_0(tmp_path):
    done = run(["-c", ABUSE_THEN_CLOSE], tmp_path / "settings.ini")
    assert done.returncode == 0, done.stderr
    assert quiet(done.stderr) == [], done.stderr
    assert "running: True" in done.stdout and int(done.stdout.split()[3]) > 0
    assert (tmp_path / "settings.ini").exists()  # the close saved the settings
