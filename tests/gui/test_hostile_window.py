"""Hostile input in the window (issue 21): File → Open of special, huge and oversized experiment files, formulas
slow to derive, and the remembered experiment.

No wall clock: where the slow work happens is recorded (``threading.get_ident()`` in the reader and in the
formula's derivation), and the derivation is made to wait until the GUI thread has run its event loop (a QTimer
tick, a paint): had the work run on the GUI thread, the wait could not end (it gives up after a while and says
so, and the test fails).
"""
import json
import os
import threading

import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction

from lab import limits
from lab.experiment import Experiment
from lab.race import RacerSpec

GIVE_UP = 20.0  # seconds a recorded wait gives up after: only ever reached when the work blocks the GUI thread
FORMULA = "sin(x)*cos(y) + 0.1*(x**2 + y**2)"


def finished_open(qtbot, window):
    return qtbot.waitSignal(window.jobs.finished, timeout=30000, check_params_cb=lambda key: key == "open")


def open_from_menu(qtbot, window, monkeypatch, path):
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))
    with finished_open(qtbot, window):
        window.findChild(QAction, "openAction").trigger()


class Where:
    """Records the threads a function ran in; with ``wait_for``, makes it wait until that event is set."""

    def __init__(self, fn, wait_for: threading.Event | None = None, note=lambda: None):
        self.fn, self.wait_for, self.note, self.threads, self.waited, self.notes = fn, wait_for, note, [], [], []

    def __call__(self, *args, **kwargs):
        self.threads.append(threading.get_ident())
        self.notes.append(self.note())
        if self.wait_for is not None:
            self.waited.append(self.wait_for.wait(GIVE_UP))
        return self.fn(*args, **kwargs)


def hostile_files(tmp_path) -> dict:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as fh:
        fh.truncate(4 * 10**9)  # sparse: 4 GB by its size, nothing on disk
    racer = {"optimizer": "sgd", "hyperparameters": {"lr": 0.1}, "label": "r"}
    base = {"objective": "quadratic", "start": [1.0, 1.0], "steps": 10}
    many = tmp_path / "racers.json"
    many.write_text(json.dumps(dict(base, racers=[racer] * 10_000)))
    big_label = tmp_path / "big-label.json"
    big_label.write_text(json.dumps(dict(base, racers=[dict(racer, label="L" * 100_000_000)])))
    long_label = tmp_path / "long-label.json"
    long_label.write_text(json.dumps(dict(base, racers=[dict(racer, label="L" * (limits.MAX_LABEL + 1))])))
    twice = tmp_path / "twice.json"
    twice.write_text('{"objective": "quadratic", "start": [1, 1], "steps": 10, "steps": 10000000, "racers": []}')
    return {"/dev/zero": "is a device", str(fifo): "is a FIFO", str(huge): "MAX_EXPERIMENT_BYTES",
            str(many): "MAX_RACERS", str(big_label): "MAX_EXPERIMENT_BYTES", str(long_label): "characters",
            str(twice): "'steps' is given twice"}


def test_hole2_file_open_of_special_huge_and_oversized_files_is_refused_off_the_gui_thread(
        qtbot, small, tmp_path, monkeypatch):
    import lab.experiment

    reader = Where(lab.experiment.read_text)
    monkeypatch.setattr(lab.experiment, "read_text", reader)
    before = small.model.experiment.to_json()
    for path, why in hostile_files(tmp_path).items():
        small.last_error = ""
        open_from_menu(qtbot, small, monkeypatch, path)
        assert why in small.last_error, (path, small.last_error)
        assert small.statusBar().currentMessage() == small.last_error.splitlines()[0]
        assert small.model.experiment.to_json() == before  # nothing changed
    assert len(reader.threads) == 7 and threading.get_ident() not in reader.threads  # read in view-jobs' thread


def custom_experiment(path, expr=FORMULA) -> Experiment:
    exp = Experiment("custom", [1.0, 0.5], [RacerSpec("sgd", {"lr": 0.01}, "plain")], {"expr": expr}, steps=20)
    exp.save(path)
    return exp


def test_hole1_file_open_derives_the_formula_in_the_worker_while_the_gui_thread_runs_its_loop(
        qtbot, small, tmp_path, monkeypatch):
    import lab.objectives.custom as custom

    ticked = threading.Event()  # set by a timer in the GUI thread once the derivation has begun
    derivation = Where(custom.derivatives, wait_for=ticked)
    monkeypatch.setattr(custom, "derivatives", derivation)
    timer = QTimer()
    timer.timeout.connect(lambda: derivation.threads and ticked.set())
    timer.start(5)
    path = tmp_path / "formula.json"
    custom_experiment(path, FORMULA + " + 0.001*x")  # a formula no earlier test derived (the derivation is cached)
    open_from_menu(qtbot, small, monkeypatch, path)
    timer.stop()
    assert small.model.objective.params["expr"] == FORMULA + " + 0.001*x" and small.last_error == ""
    assert derivation.threads and threading.get_ident() not in derivation.threads
    assert derivation.waited == [True]  # the GUI thread ran its event loop while the formula was being derived


def test_hole1_a_formula_too_big_to_derive_is_refused_by_file_open(qtbot, small, tmp_path, monkeypatch):
    path = tmp_path / "tower.json"
    json.dump({"objective": "custom", "params": {"expr": "x**" * 49 + "y"}, "start": [1.0, 0.5],
               "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.01}}]}, open(path, "w"))
    open_from_menu(qtbot, small, monkeypatch, path)
    assert "MAX_DERIVATIVE_SIZE" in small.last_error and small.model.experiment.objective == "quadratic"


class Painted(QObject):
    def __init__(self):
        super().__init__()
        self.event = threading.Event()

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.event.set()
        return False


def remember(private_settings, exp_json: str) -> None:
    from widgets import settings as lab_settings

    store = lab_settings.open_settings()
    lab_settings.write(store, "experiment/json", exp_json)
    store.sync()


def test_hole1_a_remembered_formula_is_derived_after_the_window_is_shown_and_painted(
        qtbot, private_settings, tmp_path, monkeypatch):
    import lab.objectives.custom as custom
    from widgets.main_window import MainWindow

    painted, windows = Painted(), []
    derivation = Where(custom.derivatives, wait_for=painted.event, note=lambda: len(windows))
    monkeypatch.setattr(custom, "derivatives", derivation)
    remember(private_settings, custom_experiment(tmp_path / "e.json", FORMULA + " + 0.002*y").to_json())
    w = MainWindow()
    windows.append(w)
    qtbot.addWidget(w)
    w.installEventFilter(painted)
    with finished_open(qtbot, w):
        w.show()
    assert w.model.objective.params["expr"] == FORMULA + " + 0.002*y"
    assert derivation.notes == [1]  # MainWindow() had returned before the formula was derived
    assert threading.get_ident() not in derivation.threads and derivation.waited == [True]  # painted meanwhile
    w.close()


@pytest.mark.parametrize("what", ["10000 racers", "a 2 MB label", "a key twice", "a formula too big"])
def test_hole3_a_remembered_experiment_past_the_limits_is_dropped_with_a_note(qtbot, private_settings, what):
    from widgets.main_window import MainWindow

    racer = {"optimizer": "sgd", "hyperparameters": {"lr": 0.1}, "label": "r"}
    base = {"objective": "quadratic", "start": [1.0, 1.0], "steps": 10, "racers": [racer]}
    text = {"10000 racers": json.dumps(dict(base, racers=[racer] * 10_000)),
            "a 2 MB label": json.dumps(dict(base, racers=[dict(racer, label="L" * 2_000_000)])),
            "a key twice": json.dumps(base)[:-1] + ', "steps": 10000000}',
            "a formula too big": json.dumps(dict(base, objective="custom", params={"expr": "x**" * 49 + "y"}))}[what]
    remember(private_settings, text)
    w = MainWindow()
    qtbot.addWidget(w)
    with finished_open(qtbot, w):
        w.show()
    note = w.statusBar().currentMessage()
    assert "remembered experiment was not usable" in note and w.model.experiment.objective == "rosenbrock"
    assert {"10000 racers": "MAX_RACERS", "a 2 MB label": "MAX_EXPERIMENT_BYTES", "a key twice": "given twice",
            "a formula too big": "too large to work out"}[what] in note
    w.close()


def test_a_remembered_experiment_arriving_after_the_user_changed_the_race_is_not_applied(qtbot, private_settings):
    from widgets.main_window import MainWindow

    remember(private_settings, Experiment("himmelblau", [0.0, 0.0], [RacerSpec("sgd", {"lr": 0.01}, "r")]).to_json())
    w = MainWindow()
    qtbot.addWidget(w)
    w.model.set_objective("quadratic")  # before the event loop ran: the remembered one is still to be read
    with finished_open(qtbot, w):
        w.show()
    assert w.model.experiment.objective == "quadratic" and "not restored" in w.statusBar().currentMessage()
    w.close()


def test_switching_objectives_with_racers_added_and_removed_leaves_no_widgets_behind(qtbot, small):
    """The short form of benchmarks/objective_soak.py: the widgets a switch replaces are deleted by the event
    loop (deleteLater), so their number levels off (a driver that only calls processEvents never deletes them)."""
    from PySide6.QtWidgets import QApplication

    m = small.model
    names = ["quadratic", "rosenbrock", "booth", "himmelblau", "linear_regression"]

    def switches(n):
        for i in range(n):
            m.add_racer("adam")
            m.remove_racer(len(m.racers) - 1 if i % 2 else 1)
            m.set_objective(names[i % len(names)])
            qtbot.wait(1)  # a turn of the event loop

    switches(10)
    before = len(QApplication.allWidgets())
    switches(25)  # without deleteLater honoured: ~95 widgets more a switch, ~2 400 here
    assert len(QApplication.allWidgets()) <= before + 20


SHOW_STATUS = """
from PySide6.QtWidgets import QApplication
app = QApplication([])
from widgets.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
print(w.statusBar().currentMessage())
w.close()
"""


@pytest.mark.parametrize("where", ["named", "default"])
@pytest.mark.parametrize("what", ["a FIFO", "a huge file"])
def test_hole2_a_settings_file_that_is_a_fifo_or_huge_is_never_opened(tmp_path, what, where):
    """In a real process (before, QSettings opened the FIFO and waited for a writer for ever) — the file named by
    OPTIMIZER_LAB_SETTINGS, and the default one (under XDG_CONFIG_HOME), which QSettings used to open unchecked."""
    import subprocess
    import sys
    from pathlib import Path

    if where == "named":
        path = tmp_path / "settings.ini"
        env = dict(os.environ, OPTIMIZER_LAB_SETTINGS=str(path), QT_QPA_PLATFORM="offscreen")
    else:
        path = tmp_path / "config" / "OptimizerLab" / "Optimizer Lab.ini"
        path.parent.mkdir(parents=True)
        env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
        env.pop("OPTIMIZER_LAB_SETTINGS", None)
    if what == "a FIFO":
        os.mkfifo(path)
    else:
        with open(path, "wb") as fh:
            fh.truncate(4 * 10**9)
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run([sys.executable, "-c", SHOW_STATUS], cwd=root, env=env, capture_output=True,
                              text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the window never opened with {what} as its settings file")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Settings ignored: ")
    assert {"a FIFO": "is a FIFO", "a huge file": "MAX_SETTINGS_BYTES"}[what] in done.stdout
    assert (os.path.getsize(path) == 4 * 10**9) if what == "a huge file" else True  # left as it was


def test_hole1_main_py_experiment_with_a_formula_shows_the_window_before_deriving_it(
        qtbot, private_settings, tmp_path, monkeypatch):
    """``python main.py --experiment E.json`` (the window, no screenshot): MainWindow(E) used to derive E's formula
    inside its constructor, before anything was shown. Now the window is shown and painted with the default race
    while the formula is derived in the view-jobs thread; then E is the window's experiment."""
    import lab.objectives.custom as custom
    from PySide6.QtWidgets import QApplication

    from widgets import app as window_app
    from widgets.main_window import MainWindow

    painted, shown = Painted(), []
    derivation = Where(custom.derivatives, wait_for=painted.event)
    monkeypatch.setattr(custom, "derivatives", derivation)
    path = tmp_path / "formula.json"
    custom_experiment(path, FORMULA + " + 0.003*y")

    def run_loop(*_):  # QApplication.exec, as the window's user would see it, until the file is in use
        (w,) = [t for t in QApplication.topLevelWidgets() if isinstance(t, MainWindow) and t.isVisible()]
        qtbot.addWidget(w)
        w.installEventFilter(painted)
        shown.append(w.model.experiment.objective)
        w.update()
        qtbot.waitUntil(lambda: w.model.experiment.objective == "custom", timeout=30000)
        assert w.windowTitle() == "Optimizer Lab — formula.json" and w.model.path == str(path)
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", run_loop)
    assert window_app.main(["--experiment", str(path)]) == 0
    assert shown == ["rosenbrock"]  # the window was up with the default race while the formula was derived,
    assert threading.get_ident() not in derivation.threads and derivation.waited == [True]  # and painted meanwhile
