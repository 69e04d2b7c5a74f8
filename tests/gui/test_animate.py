"""``python main.py animate`` drawing with the window's own views (in this process, on the test's QApplication):
frame count and size read back by imageio, frames that move, the first and last frames against the window's own
pictures of the start and of a race run to its end, and the refusals and interruptions that leave nothing behind."""
import json
import os

import numpy as np
import pytest

import main as entry

from pathlib import Path

ROOT = Path(entry.__file__).resolve().parent


@pytest.fixture
def race(tmp_path):
    path = tmp_path / "race.json"
    path.write_text(json.dumps({
        "objective": "rosenbrock", "start": [-1.5, 2.0], "steps": 120,
        "racers": [{"optimizer": "momentum", "hyperparameters": {"lr": 0.001, "rho": 0.9}, "label": "Momentum"},
                   {"optimizer": "adam", "hyperparameters": {"lr": 0.05}, "label": "Adam"}]}))
    return path


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def read(path):
    import imageio.v2 as iio

    if str(path).endswith(".gif"):
        return [f[..., :3] for f in iio.mimread(path)]
    return [f for f in iio.get_reader(str(path), format="FFMPEG")]  # list() would ask len(): inf


def contour_picture(qtbot, experiment_path, size, run_to_end: bool) -> np.ndarray:
    """The contour view of a plain window, as it shows the race at the start or after Run to the end."""
    from PySide6.QtGui import QImage

    from lab.experiment import Experiment
    from widgets.main_window import MainWindow

    window = MainWindow(Experiment.load(experiment_path), remember=False)
    qtbot.addWidget(window)
    window.model.set_speed(0)
    if run_to_end:
        with qtbot.waitSignal(window.model.runEnded, timeout=20_000):
            window.model.run()
        assert window.model.race.done
    view = window.contour
    view.setParent(None)
    view.resize(*size)
    view.show()
    window.refresh_now()
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * size[1])
    picture = rows.reshape(size[1], -1)[:, : size[0] * 3].reshape(size[1], size[0], 3).copy()
    view.hide()
    view.setParent(window)  # deleted with the window
    window.close()
    return picture


def differ(a, b) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_a_gif_of_the_contour_view(qtbot, capsys, tmp_path, race):
    out = tmp_path / "race.gif"
    rc, stdout, err = cli(capsys, "animate", "--config", race, "--out", out, "--frames", 6, "--size", "320x240",
                          "--view", "contour", "--fps", 12)
    assert rc == 0, err
    assert stdout == (f"wrote {out}: 6 frames, 320x240, 12 fps, 0.5 s; steps 0 to 120, linear timeline\n")
    assert err.startswith("6 frames in ")  # stderr is no terminal here: one plain line
    frames = read(out)
    assert len(frames) == 6 and all(f.shape == (240, 320, 3) for f in frames)
    assert all(differ(a, b) > 0 for a, b in zip(frames, frames[1:]))  # steps 0, 24, 48, ...: the racers move
    start = contour_picture(qtbot, race, (320, 240), run_to_end=False)
    end = contour_picture(qtbot, race, (320, 240), run_to_end=True)
    assert differ(start, end) > 2.0
    assert differ(frames[0], start) < 0.5 < differ(frames[0], end)  # quantized to 256 colours: not exact
    assert differ(frames[-1], end) < 0.5 < differ(frames[-1], start)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race.gif", "race.json"]


def test_an_mp4_of_the_window_with_an_odd_size(qtbot, capsys, tmp_path, race):
    out = tmp_path / "race.mp4"
    rc, stdout, err = cli(capsys, "animate", "--config", race, "--out", out, "--frames", 3, "--size", "1023x601",
                          "--timeline", "log", "--steps", 40)
    assert rc == 0, err
    assert err.count("an MP4 needs an even width and height: 1023x601 is drawn as 1024x602") == 1
    assert "steps 0 to 40, log timeline" in stdout
    frames = read(out)
    assert len(frames) == 3 and all(f.shape == (602, 1024, 3) for f in frames)


def test_what_the_window_cannot_draw_exits_2_and_writes_nothing(qtbot, capsys, tmp_path, race):
    out = tmp_path / "race.gif"
    out.write_bytes(b"previous")
    rc, stdout, err = cli(capsys, "animate", "--config", race, "--out", out, "--frames", 3, "--size", "400x300")
    says = "--size 400x300 is smaller than the window can be drawn; the smallest allowed is "
    assert rc == 2 and stdout == "" and err.count("\n") == 1 and says in err
    assert out.read_bytes() == b"previous" and sorted(p.name for p in tmp_path.iterdir()) == ["race.gif", "race.json"]


def test_the_surface_in_presenter_mode_animates(qtbot, capsys, tmp_path, race):
    """--view surface and --presenter (issue 17's views, found by animate's feature checks): frames of the 3-D
    surface, which change as the racers move along it."""
    import numpy as np

    out = tmp_path / "surface.gif"
    rc, stdout, err = cli(capsys, "animate", "--config", race, "--out", out, "--frames", 3, "--size", "480x360",
                          "--view", "surface", "--presenter", "--steps", 60)
    assert rc == 0, err
    frames = read(out)
    assert len(frames) == 3 and all(f.shape == (360, 480, 3) for f in frames)
    assert not np.array_equal(frames[0], frames[-1])


@pytest.mark.parametrize("suffix, fault, status", [(".gif", "terminated", 143), (".mp4", MemoryError, 1)])
def test_an_interrupt_or_error_midway_leaves_the_old_file(qtbot, capsys, monkeypatch, tmp_path, race, suffix, fault,
                                                          status):
    from lab.cli import Terminated
    from widgets.animation import render

    real = render.FrameSource.draw
    calls = []

    def draw(self):
        calls.append(1)
        if len(calls) == 3:
            raise Terminated(15) if fault == "terminated" else fault()
        return real(self)

    monkeypatch.setattr(render.FrameSource, "draw", draw)
    out = tmp_path / f"race{suffix}"
    out.write_bytes(b"previous")
    rc, _, err = cli(capsys, "animate", "--config", race, "--out", out, "--frames", 5, "--size", "320x240",
                     "--view", "contour")
    assert rc == status and err.startswith("error: ")
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"race{suffix}", "race.json"])


def test_ctrl_c_in_a_real_process_stops_between_frames_and_keeps_the_old_file(tmp_path, race):
    """SIGINT arrives while Qt paints (inside a callback, where an exception would be swallowed): it is noted and
    raised between frames; exit 130, the temporary removed, the old file intact."""
    import signal
    import subprocess
    import sys

    from lab.animation.progress import PROGRESS_ENV

    out = tmp_path / "race.mp4"
    out.write_bytes(b"previous")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{PROGRESS_ENV: "1"})
    child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "animate", "--config", str(race), "--out",
                              str(out), "--frames", "2000", "--size", "320x240", "--view", "contour"],
                             stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        for line in child.stderr:
            if line.startswith("frame 3/"):
                break
        child.send_signal(signal.SIGINT)
        rest = child.stderr.read()
        assert child.wait(timeout=60) == 130
    finally:
        if child.poll() is None:
            child.kill()
    assert rest.strip().splitlines()[-1] == "error: interrupted"
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["race.mp4", "race.json"])


def test_a_lesson_page_renders(qtbot, capsys, monkeypatch, tmp_path, race):
    """--lesson NAME --page N through lab.lessons.load_lesson(NAME).pages[N - 1] (an Experiment, or a page holding
    one as .experiment): a stand-in module here until the lessons land, the same calls then."""
    import sys
    import types

    from lab.experiment import Experiment

    first = Experiment.load(race)
    second = Experiment.load(race)
    second.steps = 30
    asked = []

    def load_lesson(name):
        asked.append(name)
        return types.SimpleNamespace(pages=[first, types.SimpleNamespace(experiment=second)])

    monkeypatch.setitem(sys.modules, "lab.lessons", types.SimpleNamespace(load_lesson=load_lesson))
    out = tmp_path / "page.gif"
    rc, stdout, err = cli(capsys, "animate", "--lesson", "momentum", "--page", 2, "--out", out, "--frames", 2,
                          "--size", "320x240", "--view", "contour")
    assert rc == 0, err
    assert asked == ["momentum"] and "steps 0 to 30" in stdout and len(read(out)) == 2
    rc, _, err = cli(capsys, "animate", "--lesson", "momentum", "--page", 3, "--out", tmp_path / "x.gif")
    assert rc == 2 and err == "error: --page must be from 1 to 2 (the pages of lesson 'momentum'), got 3\n"
