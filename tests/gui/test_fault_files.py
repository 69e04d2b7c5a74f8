"""File faults in the window (issue 7): File → Save / Export trajectories / Export plots to an unwritable, full or
vanishing path; corrupt, truncated, wrong-typed and future-version experiment files opened; corrupt stored settings.

Tests run as root, where chmod does not stop a write: the calls that write (``tempfile.mkstemp``, the file's
``write``, ``os.replace``) are made to raise what a read-only or full disk gives, as in
``tests/robustness/test_file_faults.py`` (the faults: ``tests/file_faults.py``). Each time: a clear message (what and where) in a non-blocking message
box and the status bar, no partial file, the previous file intact, the session's race still in memory (the same
race, not a step lost) and exportable to a good path afterwards. File dialogs are replaced by a function that
answers with the path, so the menu's own actions run.
"""
import json
import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox
from file_faults import inject
from test_faults import qt_complaints

from lab.export import read_trajectories
from widgets.model import MAX_STEPS_LIMIT

PREVIOUS = b"previous contents\n\x00\xff keep me"

FAULTS = ["mkstemp EACCES (read-only folder)", "write ENOSPC mid-write (full disk)",
          "replace EROFS (read-only file system)", "folder vanishes before the rename"]


def answer_dialogs(window, monkeypatch, path):
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(path))


def trigger(window, name, qtbot=None):
    """Trigger the menu action ``name``; an export of trajectories is written in the background: with ``qtbot``,
    wait until it has ended."""
    action = window.findChild(QAction, name)
    if qtbot is not None and name == "exportTrajectoriesAction":
        with qtbot.waitSignal(window.model.exportFinished, timeout=30000):
            action.trigger()
    else:
        action.trigger()


@pytest.fixture
def raced(small, qtbot):
    """The small race run to its end: the session whose data must survive every fault."""
    with qtbot.waitSignal(small.model.runner.finished, timeout=20000):
        small.model.run()
    qtbot.waitUntil(lambda: not small.model.running)
    return small


def snapshot(window):
    m = window.model
    return m.race, m.race.step_count, [tr.positions.copy() for tr in m.race.tracks], m.experiment.to_dict()


def assert_session_intact(window, before, tmp_path):
    """The same race, every step still there, and it exports to a good path and reads back exactly."""
    m = window.model
    race, steps, positions, exp = before
    assert m.race is race and m.race.step_count == steps and m.experiment.to_dict() == exp
    for tr, p in zip(m.race.tracks, positions):
        assert np.array_equal(tr.positions, p, equal_nan=True)
    good = tmp_path / "good"
    good.mkdir(exist_ok=True)
    for ending in (".csv", ".npz", ".json"):
        assert m.export_trajectories(good / f"after{ending}")
        for t, tr in zip(read_trajectories(good / f"after{ending}"), m.race.tracks):
            assert np.array_equal(t.positions, tr.positions, equal_nan=True)
    assert m.save(good / "after-experiment.json")


def assert_told(window, path, why):
    assert str(path.name) in window.last_error and why in window.last_error, window.last_error
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert len(boxes) == 1 and why in boxes[0].text()  # one box at a time, never a pile
    box = boxes[0]
    assert box.windowModality() != Qt.WindowModality.ApplicationModal  # the window goes on
    assert window.statusBar().currentMessage() == window.last_error.splitlines()[0]


WRITES = [("saveAsAction", "experiment.json"), ("exportTrajectoriesAction", "out.csv"),
          ("exportTrajectoriesAction", "out.npz"), ("exportTrajectoriesAction", "out.json")]


def test_fault_file_menu_writes_to_unwritable_full_or_vanishing_paths(raced, tmp_path, monkeypatch, qtlog, qtbot):
    """File → Save as and Export trajectories (CSV, NPZ, JSON), each under each fault, in one window."""
    before = snapshot(raced)
    for action, name in WRITES:
        for fault in FAULTS:
            folder = tmp_path / "out"
            folder.mkdir(exist_ok=True)
            target = folder / name
            target.write_bytes(PREVIOUS)
            with monkeypatch.context() as mp:
                answer_dialogs(raced, mp, target)
                why = inject(mp, fault, folder)
                raced.last_error = ""
                trigger(raced, action, qtbot)
            assert_told(raced, target, why)
            if folder.exists():
                assert target.read_bytes() == PREVIOUS, (action, name, fault)  # the previous file byte for byte
                assert sorted(p.name for p in folder.iterdir()) == [name], fault  # no temporary, nothing partial
    assert_session_intact(raced, before, tmp_path)
    assert qt_complaints(qtlog) == []


def test_fault_export_plots_to_unwritable_full_or_vanishing_paths(raced, tmp_path, monkeypatch):
    before = snapshot(raced)
    for ending in (".png", ".svg"):
        for fault in FAULTS:
            folder = tmp_path / "figs"
            folder.mkdir(exist_ok=True)
            old = {n: folder / f"fig-{n}{ending}" for n in ("contour", "loss", "gradient-norm", "condition")}
            for p in old.values():
                p.write_bytes(PREVIOUS)
            with monkeypatch.context() as mp:
                answer_dialogs(raced, mp, folder / f"fig{ending}")
                why = inject(mp, fault, folder)
                raced.last_error = ""
                trigger(raced, "exportPlotsAction")
            assert why in raced.last_error and "fig-contour" in raced.last_error, (ending, fault)
            if folder.exists():
                assert all(p.read_bytes() == PREVIOUS for p in old.values())  # the first plot failed: none replaced
                assert sorted(folder.iterdir()) == sorted(old.values())
            else:
                shutil.rmtree(folder, ignore_errors=True)
        (tmp_path / "good").mkdir(exist_ok=True)
        assert raced.export_plots(tmp_path / "good" / f"fig{ending}")
    assert_session_intact(raced, before, tmp_path)


def test_fault_export_or_corrupt_open_while_running_keeps_the_race(small, qtbot, tmp_path, monkeypatch):
    m = small.model
    m.set_max_steps(1_000_000)
    m.experiment.tol = 0.0
    m.reset()
    with qtbot.waitSignal(m.runner.started):
        m.run()
    qtbot.waitUntil(lambda: m.step_count > 50, timeout=5000)
    target = tmp_path / "gone" / "out.csv"  # a folder that does not exist
    answer_dialogs(small, monkeypatch, target)
    trigger(small, "exportTrajectoriesAction", qtbot)
    assert "gone" in small.last_error and "does not exist" in small.last_error
    assert not m.running and m.runner.wait(5.0)
    assert_session_intact(small, snapshot(small), tmp_path)
    with qtbot.waitSignal(m.runner.started):
        m.run()  # and it runs on from where it was
    # a corrupt experiment file opened mid-race: refused, and the race goes on
    bad = tmp_path / "bad.json"
    bad.write_bytes(CORRUPT["truncated"])
    race = m.race
    assert not small.load_experiment(bad)
    assert m.running and m.race is race
    at = m.step_count
    qtbot.waitUntil(lambda: m.step_count > at, timeout=5000)  # still racing
    m.pause()


VALID = {"format_version": 1, "objective": "himmelblau", "start": [-0.3, -0.7], "steps": 150,
         "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.005}, "label": "plain"}]}
TEXT = json.dumps(VALID)

CORRUPT = {
    "empty": b"",
    "binary": b"\x00\xff\xfe\x89PNG\r\n\x1a\n",
    "truncated": TEXT[: len(TEXT) // 2].encode(),
    "truncated by one": TEXT[:-1].encode(),
    "utf-16": TEXT.encode("utf-16"),
    "a list": b"[1, 2, 3]",
    "null": b"null",
    "wrong-typed start": json.dumps(dict(VALID, start="here")).encode(),
    "wrong-typed racers": json.dumps(dict(VALID, racers={"optimizer": "sgd"})).encode(),
    "wrong-typed lr": json.dumps(dict(VALID, racers=[{"optimizer": "sgd", "hyperparameters": {"lr": [1]}}])).encode(),
    "negative lr": json.dumps(dict(VALID, racers=[{"optimizer": "sgd", "hyperparameters": {"lr": -1}}])).encode(),
    "unknown objective": json.dumps(dict(VALID, objective="nope")).encode(),
    "steps as text": json.dumps(dict(VALID, steps="many")).encode(),
    "future version": json.dumps(dict(VALID, format_version=2)).encode(),
    "far future version": json.dumps(dict(VALID, format_version=2**70)).encode(),
    "nested too deep": b"[" * 100000,
    "huge number": TEXT.replace("-0.3", "1" + "0" * 400).encode(),
}


def test_fault_corrupt_experiment_files_opened_in_the_window(raced, tmp_path, qtbot):
    """Every corrupt file: the path and what is wrong in a box, nothing changed, the race still there; and then a
    good file opens. One window for all (a window per file costs ~0.5 s)."""
    w, m = raced, raced.model
    before = snapshot(w)
    for what, data in CORRUPT.items():
        path = tmp_path / f"{what.replace(' ', '-')}.json"
        path.write_bytes(data)
        w.last_error = ""
        assert not w.load_experiment(path), what
        assert str(path) in w.last_error, (what, w.last_error)
        assert "Traceback" not in w.last_error and len(w.last_error) < 600, what
        assert [b.text() for b in w.findChildren(QMessageBox, "errorBox") if b.isVisible()] == [w.last_error]
        assert m.race is before[0] and m.experiment.to_dict() == before[3], what
    assert "newer than this Optimizer Lab reads" in (w.load_experiment(tmp_path / "future-version.json")
                                                     or w.last_error)
    for impossible in (tmp_path / "missing.json", tmp_path, tmp_path / ("x" * 300 + ".json")):
        w.last_error = ""
        assert not w.load_experiment(impossible) and w.last_error
    assert_session_intact(w, before, tmp_path)
    good = tmp_path / "good.json"
    good.write_text(TEXT)
    assert w.load_experiment(good) and m.experiment.objective == "himmelblau"


# ----- corrupt stored settings ------------------------------------------------------------------------------

def ini(**sections) -> bytes:
    return "".join(f"[{s}]\n" + "".join(f"{k}={v}\n" for k, v in kv.items()) for s, kv in sections.items()).encode()


def json_value(d) -> str:
    return '"' + json.dumps(d).replace("\\", "\\\\").replace('"', '\\"') + '"'


SETTINGS = {
    "garbage": b"\x00\xff\xfe garbage \x00\n[[[\n=\n",
    "every key of the wrong type": ini(
        window={"geometry": "12", "main_split": "@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1bnonsense)", "right_split": "true",
                "top_split": "@ByteArray(\\x1\\xd9\\xd0\\xcb\\0\\x3\\0\\0garbage)"},
        run={"speed": "-1e308"}, experiment={"json": "42", "path": "3"}),
    "geometry garbage bytes, speed text": ini(window={"geometry": "@ByteArray(\\x1\\xd9\\xd0\\xcb\\0\\x3\\0\\0garbage)"},
                                              run={"speed": "fast"}),
    "experiment not JSON": ini(experiment={"json": "{not json"}),
    "experiment wrong-typed": ini(experiment={"json": json_value(dict(VALID, start="here"))}),
    "experiment future version": ini(experiment={"json": json_value(dict(VALID, format_version=9))}),
    "last experiment path gone": ini(experiment={"json": json_value(VALID), "path": "/no/such/folder/exp.json"}),
}


@pytest.mark.parametrize("what", list(SETTINGS))
def test_fault_corrupt_settings_the_window_opens_and_works(qtbot, qtlog, private_settings, tmp_path, what):
    from widgets.main_window import MainWindow

    private_settings.write_bytes(SETTINGS[what])
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    if what.startswith("experiment") or what == "last experiment path gone":  # read after the window is shown
        with qtbot.waitSignal(w.jobs.finished, timeout=20000, check_params_cb=lambda key: key == "open"):
            pass
    m = w.model
    assert m.race is not None and m.traces
    assert 0 <= m.speed <= 1e9
    assert w.width() > 300 and w.height() > 200
    if what.startswith("experiment"):  # the remembered experiment is dropped, and the status bar says so
        assert m.experiment.objective == "rosenbrock"
        assert "remembered experiment was not usable" in w.statusBar().currentMessage()
    if what == "last experiment path gone":  # the race is the remembered one; saving there says why it cannot
        assert m.experiment.objective == "himmelblau"
        trigger(w, "saveAction")
        assert "/no/such/folder" in w.last_error and "does not exist" in w.last_error
        m.set_speed(0)
        m.set_max_steps(50)
        with qtbot.waitSignal(m.runner.finished, timeout=20000):
            m.run()
    w.close()
    assert m.runner.thread.isFinished()
    assert [r.message for r in qtlog.records if "QSettings" in r.message] == []


def test_fault_remembered_experiment_asking_for_a_billion_steps_is_capped(qtbot, private_settings):
    from widgets.main_window import MainWindow

    private_settings.write_bytes(ini(experiment={"json": json_value(dict(VALID, steps=10**9))}))
    w = MainWindow()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.jobs.finished, timeout=20000, check_params_cb=lambda key: key == "open"):
        pass
    assert w.model.experiment.objective == "himmelblau"
    assert w.model.max_steps <= MAX_STEPS_LIMIT and w.model.race.max_steps <= MAX_STEPS_LIMIT
    w.close()


@pytest.mark.parametrize("where", ["a folder", "a missing folder", "a file as folder"])
def test_fault_settings_file_that_cannot_be_written(qtbot, qtlog, monkeypatch, tmp_path, where):
    from widgets.main_window import MainWindow

    (tmp_path / "afile").write_text("x")
    path = {"a folder": tmp_path, "a missing folder": tmp_path / "no" / "such" / "s.ini",
            "a file as folder": tmp_path / "afile" / "s.ini"}[where]
    monkeypatch.setenv("OPTIMIZER_LAB_SETTINGS", str(path))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.model.race is not None
    w.close()  # saving the settings fails quietly: closing still stops the thread
    assert w.model.runner.thread.isFinished()
    assert (tmp_path / "afile").read_text() == "x"
