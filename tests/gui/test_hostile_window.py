"""Hostile input in the window (issue 21): File → Open of special, huge and oversized experiment files, and of
formulas slow to derive.

No wall clock: where the slow work happens is recorded (``threading.get_ident()`` in the reader and in the
formula's derivation), and the derivation is made to wait until the GUI thread has run its event loop (a QTimer
tick, a paint): had the work run on the GUI thread, the wait could not end (it gives up after a while and says
so, and the test fails).
"""
import json
import os
import threading

from PySide6.QtCore import QTimer
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
