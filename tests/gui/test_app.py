"""``python main.py`` as a user runs it (subprocesses): --screenshot, bad options, closing during a race."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def run(args, timeout=120, **kw):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env, **kw)


@pytest.fixture
def experiment(tmp_path):
    path = tmp_path / "bowl.json"
    path.write_text(json.dumps({
        "objective": "quadratic", "params": {"kappa": 10, "angle": 30}, "start": [-1.8, 1.2], "steps": 1000,
        "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.15}, "label": "SGD"},
                   {"optimizer": "momentum", "hyperparameters": {"lr": 0.1, "rho": 0.9}, "label": "Momentum"}]}))
    return path


def test_screenshot_runs_the_race_and_saves_the_window(experiment, tmp_path):
    out = tmp_path / "shot.png"
    done = run(["main.py", "--experiment", str(experiment), "--steps", "60", "--screenshot", str(out)])
    assert done.returncode == 0, done.stderr
    assert "60 steps" in done.stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert "Destroyed while thread" not in done.stderr


@pytest.mark.parametrize("args, says", [
    (["--bogus"], "unrecognized arguments"),
    (["--steps", "many"], "invalid int value"),
    (["--steps", "0", "--screenshot", "{tmp}/x.png"], "--steps must be between"),
    (["--experiment", "/no/such/file.json", "--screenshot", "{tmp}/x.png"], "no such file"),
    (["--screenshot", "/no/such/folder/x.png"], "does not exist"),
    (["--screenshot", "{tmp}/x.txt"], "must end in"),
    (["--size", "10x10", "--screenshot", "{tmp}/x.png"], "--size 10x10 is smaller than the window can be drawn; "
                                                          "the smallest allowed is "),
    (["--size", "0x600", "--screenshot", "{tmp}/x.png"], "--size must be at most 8000x8000 and at least 1x1"),
    (["--size", "800x600"], "--size only goes with --screenshot"),
])
def test_bad_options_one_line_exit_2(args, says, tmp_path):
    done = run(["main.py", *(a.format(tmp=tmp_path) for a in args)])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], done.stderr
    assert lines[0].startswith("error: ")  # the subcommands' form
    assert list(tmp_path.iterdir()) == [] or all(p.suffix == ".ini" for p in tmp_path.iterdir())


def test_a_usage_mistake_reads_as_the_subcommands_do():
    window = run(["main.py", "--bogus"])
    headless = run(["main.py", "run", "--bogus"])
    assert (window.returncode, headless.returncode) == (2, 2)
    assert window.stderr == "error: python main.py: unrecognized arguments: --bogus (see python main.py --help)\n"
    assert headless.stderr.startswith("error: python main.py")


def test_size_gives_that_picture_or_names_the_smallest_allowed(experiment, tmp_path):
    small = run(["main.py", "--experiment", str(experiment), "--steps", "5", "--size", "400x300",
                 "--screenshot", str(tmp_path / "small.png")])
    assert small.returncode == 2 and not (tmp_path / "small.png").exists()
    (line,) = small.stderr.strip().splitlines()
    least = line.rsplit(" ", 1)[1]
    w, h = (int(v) for v in least.split("x"))
    assert line == f"error: --size 400x300 is smaller than the window can be drawn; the smallest allowed is {least}"
    assert w > 400 or h > 300  # 400x300 really is below it
    for width, height in ((w, h), (w + 37, h + 51)):  # the smallest allowed, and one more, give exactly that picture
        out = tmp_path / f"{width}x{height}.png"
        done = run(["main.py", "--experiment", str(experiment), "--steps", "5", "--size", f"{width}x{height}",
                    "--screenshot", str(out)])
        assert done.returncode == 0, done.stderr
        image = QImage(str(out))
        assert (image.width(), image.height()) == (width, height)


def test_a_corrupt_experiment_file_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"objective": "rosenbrock", "start": [0, 0], "racers": [{"optimizer": "sgd", '
                   '"hyperparameters": {"lr": -1}}]}')
    done = run(["main.py", "--experiment", str(bad), "--screenshot", str(tmp_path / "x.png")])
    assert done.returncode == 2
    assert str(bad) in done.stderr and "lr=-1" in done.stderr and "0 < lr" in done.stderr
    assert not (tmp_path / "x.png").exists()


CLOSE_WHILE_RUNNING = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from widgets.main_window import MainWindow
w = MainWindow()
w.model.set_speed(0)
w.model.set_max_steps(1_000_000)
w.show()
w.model.run()
QTimer.singleShot(400, lambda: print("steps before close:", w.model.step_count, flush=True))
QTimer.singleShot(450, w.close)
sys.exit(app.exec())
"""


def test_closing_the_window_during_a_race_exits_0(tmp_path):
    done = run(["-c", CLOSE_WHILE_RUNNING])
    assert done.returncode == 0, done.stderr
    assert "QThread" not in done.stderr and "Destroyed" not in done.stderr
    steps = int(done.stdout.split(":")[1])
    assert steps > 0


QUIT_WHILE_RUNNING = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from widgets.main_window import MainWindow
w = MainWindow()
w.model.set_speed(0)
w.model.set_max_steps(1_000_000)
w.show()
w.model.run()
QTimer.singleShot(300, app.quit)   # File → Quit of a whole app, the window still open
sys.exit(app.exec())
"""


def test_quitting_the_app_during_a_race_exits_0():
    done = run(["-c", QUIT_WHILE_RUNNING])
    assert done.returncode == 0, done.stderr
    assert "QThread" not in done.stderr
