"""File menu and settings: open / save experiments, export trajectories and plots, errors that say what and where,
and QSettings that remember the window (and never stop it from opening)."""
import json

import numpy as np
import pytest
from PySide6.QtGui import QAction

from lab.experiment import Experiment
from lab.export import read_trajectories

EXPERIMENT = {
    "objective": "himmelblau", "start": [-0.3, -0.7], "steps": 150, "seed": 3,
    "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.005}, "label": "plain"},
               {"optimizer": "adam", "hyperparameters": {"lr": 0.05}, "label": "adam", "color": "#CC79A7"},
               {"optimizer": "newton", "label": "off", "enabled": False}],
}


@pytest.fixture
def experiment_file(tmp_path):
    path = tmp_path / "himmelblau.json"
    path.write_text(json.dumps(EXPERIMENT))
    return path


def test_open_an_experiment(window, experiment_file):
    assert window.load_experiment(experiment_file)
    m = window.model
    assert m.experiment.objective == "himmelblau" and m.max_steps == 150 and m.experiment.seed == 3
    assert [r.label for r in m.racers] == ["plain", "adam", "off"]
    assert m.racers[1].color == "#CC79A7" and m.racers[0].color  # missing colours get palette ones
    assert len(m.traces) == 2  # the switched-off racer does not race
    assert window.objective_panel.combo.currentData() == "himmelblau"
    assert window.racers_panel.table.rowCount() == 3
    assert window.controls.max_steps.value() == 150
    assert "himmelblau.json" in window.windowTitle()


def test_save_writes_the_command_lines_format(window, experiment_file, tmp_path, qtbot):
    window.load_experiment(experiment_file)
    window.model.set_hyperparameter(0, "lr", 0.002)
    out = tmp_path / "saved.json"
    assert window.model.save(out)
    back = Experiment.load(out)
    assert back.to_dict() == window.model.experiment.to_dict()
    assert back.racers[0].hyperparameters["lr"] == 0.002 and back.racers[2].enabled is False
    # a saved file races the same: bit for bit
    with qtbot.waitSignal(window.model.runner.finished, timeout=20000):
        window.model.run()
    again = back.build_race().run()
    for a, b in zip(window.model.race.tracks, again.tracks):
        assert np.array_equal(a.positions, b.positions)


def test_errors_say_what_and_where_and_lose_nothing(window, tmp_path, experiment_file, monkeypatch):
    window.load_experiment(experiment_file)
    before = window.model.experiment.to_dict()
    bad = tmp_path / "broken.json"
    bad.write_text("{ not json")
    assert not window.load_experiment(bad)
    assert str(bad) in window.last_error and "not valid JSON" in window.last_error
    assert window.model.experiment.to_dict() == before
    assert window.findChild(object, "errorBox") is not None
    assert not window.load_experiment(tmp_path / "missing.json")
    assert "missing.json: no such file" in window.last_error
    # an unwritable place: the message names it, an existing file is left as it was
    assert not window.model.save(tmp_path / "no-such-folder" / "x.json")
    assert "no-such-folder" in window.last_error
    assert not window.model.save(tmp_path)
    assert "it is a folder" in window.last_error
    keep = tmp_path / "keep.json"
    keep.write_text("old")

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("lab.files.os.replace", disk_full)
    assert not window.model.save(keep)
    assert str(keep) in window.last_error and "No space left" in window.last_error
    assert keep.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")) == []  # no temporary left


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
def test_export_trajectories(window, experiment_file, tmp_path, qtbot, ending):
    window.load_experiment(experiment_file)
    with qtbot.waitSignal(window.model.runner.finished, timeout=20000):
        window.model.run()
    out = tmp_path / f"traj{ending}"
    assert window.model.export_trajectories(out)
    back = read_trajectories(out)
    assert [t.label for t in back] == ["plain", "adam"]
    for t, track in zip(back, window.model.race.tracks):
        assert np.array_equal(t.positions, track.positions)
        assert np.array_equal(t.losses, track.losses)


def test_export_trajectories_bad_ending_is_refused(window, tmp_path):
    assert not window.model.export_trajectories(tmp_path / "traj.xlsx")
    assert "unknown format" in window.last_error and "traj.xlsx" in window.last_error


@pytest.mark.parametrize("ending", [".png", ".svg"])
def test_export_plots(window, tmp_path, ending):
    assert window.export_plots(tmp_path / f"fig{ending}")
    names = sorted(p.name for p in tmp_path.glob(f"fig-*{ending}"))
    assert names == sorted(f"fig-{n}{ending}" for n in ("contour", "loss", "gradient-norm", "condition"))
    assert all((tmp_path / n).stat().st_size > 1000 for n in names)
    assert not window.export_plots(tmp_path / "fig.gif")


def test_settings_remember_geometry_and_experiment(qtbot, experiment_file, private_settings):
    from widgets.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.load_experiment(experiment_file)
    first.model.set_speed(50)
    first.show()
    first.resize(760, 560)  # the offscreen screen is 800 x 600: restoreGeometry keeps windows on screen
    size = (first.width(), first.height())
    first.close()
    assert private_settings.exists()
    second = MainWindow()
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.jobs.finished, timeout=20000, check_params_cb=lambda key: key == "open"):
        pass  # the remembered experiment is read in the view-jobs thread once the window runs
    assert second.model.experiment.objective == "himmelblau"
    assert [r.label for r in second.model.racers] == ["plain", "adam", "off"]
    assert second.model.speed == 50
    assert second.model.path == str(experiment_file)
    # restoreGeometry keeps a window on its screen (the offscreen one is 800 x 600): compare within it
    screen = second.screen().availableGeometry()
    assert second.height() == size[1] != 900
    assert abs(second.width() - min(size[0], screen.width())) <= 2
    second.close()


@pytest.mark.parametrize("garbage", [
    b"\x00\xff\xfe garbage \x00",
    b"[window]\ngeometry=@ByteArray(not a geometry)\nmain_split=12\n[run]\nspeed=fast\n"
    b"[experiment]\njson={\"objective\": \"nope\"}\npath=3\n",
    b"[experiment]\njson=\"{\\\"objective\\\": \\\"rosenbrock\\\", \\\"start\\\": [1], \\\"racers\\\": []}\"\n",
])
def test_corrupt_settings_never_stop_the_window(qtbot, private_settings, garbage):
    from widgets.main_window import MainWindow

    private_settings.write_bytes(garbage)
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.model.race is not None and w.model.experiment.objective == "rosenbrock"
    w.close()


def test_file_export_writes_in_the_background_and_the_race_waits_for_it(window, qtbot, tmp_path, monkeypatch):
    """File → Export trajectories: written off the GUI thread; meanwhile Run and Step are refused with a word in
    the status bar, and the file holds every step of the race exactly."""
    m = window.model
    m.set_objective("rosenbrock")
    m.use_lecture_set()
    m.experiment.tol = 0.0
    m.set_max_steps(1_000_000)
    m.reset()
    m.run()
    qtbot.waitUntil(lambda: m.step_count > 2000, timeout=30000)
    with qtbot.waitSignal(m.runner.aborted, timeout=10000):
        m.pause()
    out = tmp_path / "race.csv"
    monkeypatch.setattr(window, "_ask_path", lambda *a, **k: str(out))
    steps = m.step_count
    with qtbot.waitSignal(m.exportFinished, timeout=30000) as done:
        window.findChild(QAction, "exportTrajectoriesAction").trigger()
        assert m.exporting == str(out)
        m.run()
        m.step()
        assert not m.running and m.step_count == steps  # nothing stepped the race being written
        assert "goes on when the file is written" in window.statusBar().currentMessage()
    assert done.args == [str(out)] and m.exporting is None
    assert "Exported" in window.statusBar().currentMessage()
    for back, tr in zip(read_trajectories(out), m.race.tracks):
        assert np.array_equal(back.positions, tr.positions) and np.array_equal(back.losses, tr.losses)
    with qtbot.waitSignal(m.runner.finished, timeout=30000):
        m.step()  # and the race goes on
    assert m.step_count == steps + 1


def test_closing_the_window_lets_a_running_export_finish(window, qtbot, tmp_path):
    w, m = window, window.model
    m.set_max_steps(2000)
    with qtbot.waitSignal(m.runner.finished, timeout=30000):
        m.run()
    out = tmp_path / "at-close.npz"
    assert m.start_export(out, w.jobs)
    w.close()  # waits for the export: the file is whole
    assert w.jobs.thread.isFinished()
    back = read_trajectories(out)
    assert len(back) == len(m.race.tracks) and max(len(b.positions) for b in back) == 2001
    assert all(np.array_equal(b.positions, tr.positions) for b, tr in zip(back, m.race.tracks))
