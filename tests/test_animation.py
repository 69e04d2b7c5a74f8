"""Animations, the Qt-free part: which step each frame shows (against the formula worked by hand), the options'
checks through the command line (exit 2, one line, nothing written, no Qt loaded), the streaming writers read
back by imageio, and the temporary-then-rename that leaves no partial file."""
import math
import os
import sys

import numpy as np
import pytest

import main as entry
from lab.animation.encoder import Encoder
from lab.animation.options import race_end
from lab.animation.schedule import frame_steps
from lab.animation.writers import changed_box, even_size, open_writer
from lab.errors import LabError
from lab.experiment import Experiment
from lab.files import atomic_path

RACE = "docs/rosenbrock_race.json"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- the schedule -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("last, frames, expected", [
    (10, 6, [0, 2, 4, 6, 8, 10]),           # i·10/5 = 2i exactly
    (10, 5, [0, 3, 5, 8, 10]),              # 2.5 -> 3, 5, 7.5 -> 8: halves go up
    (3, 7, [0, 1, 1, 2, 2, 3, 3]),          # 0, .5, 1, 1.5, 2, 2.5, 3 -> fewer steps than frames: repeats kept
    (3000, 150, None),                      # checked against the formula below
    (0, 4, [0, 0, 0, 0]),                   # everyone stopped at the start
])
def test_linear_frames_show_round_i_n_over_f_minus_1(last, frames, expected):
    steps = frame_steps(last, frames, "linear")
    assert len(steps) == frames and steps[0] == 0 and steps[-1] == last
    assert steps == [math.floor(i * last / (frames - 1) + 0.5) for i in range(frames)]
    if expected is not None:
        assert steps == expected


def test_log_frames_are_even_in_log_one_plus_step():
    # (1 + 99)^(i/4) - 1 for i = 0..4: 0, 2.162, 9, 30.62, 99 -> 0, 2, 9, 31, 99
    assert frame_steps(99, 5, "log") == [0, 2, 9, 31, 99]
    # N = 3, F = 5: 4^(i/4) - 1 = 0, 0.414, 1, 1.828, 3 -> 0, 0, 1, 2, 3 (the repeat is kept: exactly F frames)
    assert frame_steps(3, 5, "log") == [0, 0, 1, 2, 3]
    steps = frame_steps(3000, 150, "log")
    assert len(steps) == 150 and steps[0] == 0 and steps[-1] == 3000
    assert all(b >= a for a, b in zip(steps, steps[1:]))
    assert steps[1:4] == [0, 0, 0] and steps[12] == 1   # 3001^(12/149) - 1 = 0.906 -> 1: the first steps get frames
    assert sum(s <= 10 for s in steps) > 40             # a third of the frames for the first ten steps


def test_frame_steps_refuses_what_has_no_meaning():
    for args in ((10, 1, "linear"), (10, 0, "log"), (-1, 5, "linear"), (10, 5, "cubic")):
        with pytest.raises(ValueError):
            frame_steps(*args)


def test_race_end_is_where_every_racer_stopped():
    exp = Experiment.load(os.path.join(ROOT, RACE))
    assert race_end(exp) == 3000  # SGD is still running at 3000
    exp.racers = [r for r in exp.racers if r.optimizer == "newton"]
    stopped = exp.build_race().run().tracks[0].status_step
    assert race_end(exp) == stopped < 20  # Newton converges in a handful of steps: the animation ends there


# --- the command line: bad input ----------------------------------------------------------------------------
def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


BAD = [
    (["--frames", "1"], "--frames must be a whole number from 2 to"),
    (["--frames", "0"], "--frames must be a whole number from 2 to"),
    (["--frames", "many"], "--frames must be a whole number from 2 to 108000 (MAX_FRAMES), got 'many'"),
    (["--frames", "-3"], "--frames must be a whole number from 2 to 108000 (MAX_FRAMES), got '-3'"),
    (["--fps", "fast"], "--fps: 'fast' is not a number"),
    (["--fps", "0"], "--fps must be a number > 0"),
    (["--fps", "-5"], "--fps must be a number > 0"),
    (["--size", "3841x2160"], "--size must be from 160x120 (MIN_ANIMATION_SIZE) to 3840x2160"),
    (["--size", "100x100"], "--size must be from 160x120"),
    (["--size", "big"], "--size must look like 1280x720"),
    (["--timeline", "cubic"], "invalid choice: 'cubic'"),
    (["--view", "3d"], "invalid choice: '3d'"),
    (["--steps", "0"], "--steps must be a whole number >= 1"),
    (["--page", "2"], "--page goes with --lesson"),
]


@pytest.mark.parametrize("extra, message", BAD)
def test_bad_options_exit_2_with_one_line_and_nothing_written(capsys, tmp_path, extra, message):
    out = tmp_path / "race.mp4"
    rc, stdout, err = cli(capsys, "animate", "--config", os.path.join(ROOT, RACE), "--out", out, *extra)
    assert rc == 2 and stdout == "" and err.count("\n") == 1 and err.startswith("error: ")
    assert message in err
    assert list(tmp_path.iterdir()) == []


def test_bad_outputs_exit_2(capsys, tmp_path, monkeypatch):
    config = os.path.join(ROOT, RACE)
    for out, message in ((tmp_path / "race.avi", "an animation is written as FILE.mp4 or FILE.gif"),
                         (tmp_path / "race", "an animation is written as FILE.mp4 or FILE.gif"),
                         (tmp_path / "missing" / "race.gif", "does not exist"),
                         (tmp_path, "an animation is written as")):
        rc, _, err = cli(capsys, "animate", "--config", config, "--out", out)
        assert rc == 2 and message in err and err.count("\n") == 1
    (tmp_path / "dir.gif").mkdir()
    rc, _, err = cli(capsys, "animate", "--config", config, "--out", tmp_path / "dir.gif")
    assert rc == 2 and "it is a folder" in err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root may write anywhere: the check is shown with access denied instead
            import lab.animation.options as options

            monkeypatch.setattr(options.os, "access", lambda path, mode: False)
        rc, _, err = cli(capsys, "animate", "--config", config, "--out", locked / "race.gif")
        assert rc == 2 and "cannot write in folder" in err and "permission denied" in err
    finally:
        locked.chmod(0o700)
    assert list(locked.iterdir()) == []


def test_source_is_required_and_lessons_refused_in_one_line(capsys, tmp_path):
    rc, _, err = cli(capsys, "animate", "--out", tmp_path / "a.gif")
    assert rc == 2 and "give --config EXPERIMENT.json or --lesson NAME" in err
    rc, _, err = cli(capsys, "animate", "--config", os.path.join(ROOT, RACE), "--lesson", "x", "--out", "a.gif")
    assert rc == 2 and "not allowed with argument" in err
    try:
        import lab.lessons  # noqa: F401
    except ModuleNotFoundError:
        rc, _, err = cli(capsys, "animate", "--lesson", "intro", "--out", tmp_path / "a.gif")
        assert (rc, err) == (2, "error: lessons are not available in this build\n")
    assert list(tmp_path.iterdir()) == []


def test_bad_input_loads_no_qt(tmp_path):
    import subprocess

    code = ("import sys, main; rc = main.main(['animate', '--config', %r, '--out', %r, '--frames', '1']); "
            "print(rc, any(m.startswith('PySide6') for m in sys.modules))" % (os.path.join(ROOT, RACE),
                                                                               str(tmp_path / "a.mp4")))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["2", "False"]


# --- the writers ----------------------------------------------------------------------------------------------
def frames_moving_square(n, w=64, h=48):
    out = []
    for i in range(n):
        f = np.full((h, w, 3), 250, np.uint8)
        f[10:20, 4 + 5 * i: 14 + 5 * i] = (200, 30, 40)
        out.append(f)
    return out


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_writers_stream_frames_that_imageio_reads_back(tmp_path, suffix):
    import imageio.v2 as iio

    frames = frames_moving_square(7)
    frames[4] = frames[3]  # a frame that changes nothing is still a frame
    path = tmp_path / f"a{suffix}"
    writer = open_writer(path, (64, 48), 10, suffix)
    for f in frames:
        writer.write(f)
    writer.close()
    # (not list(reader): list() asks len(), which is inf for a video)
    got = iio.mimread(path) if suffix == ".gif" else [f for f in iio.get_reader(str(path), format="FFMPEG")]
    assert len(got) == 7 and all(g.shape[:2] == (48, 64) for g in got)
    for f, g in zip(frames, got):
        err = np.abs(f.astype(int) - g[..., :3].astype(int)).mean()
        assert err < (0.5 if suffix == ".gif" else 4.0)  # GIF: exact colours (few here); H.264: lossy
    if suffix == ".mp4":
        meta = iio.get_reader(str(path), format="FFMPEG").get_meta_data()
        assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p") and meta["fps"] == 10
    if suffix == ".gif":
        from PIL import Image

        with Image.open(path) as im:
            assert im.info["loop"] == 0 and im.info["duration"] == 100 and im.n_frames == 7


def test_changed_box_and_even_size():
    a = np.zeros((5, 7, 3), np.uint8)
    b = a.copy()
    assert changed_box(a, b) == (0, 0, 1, 1)
    b[1, 2, 0] = 9
    b[3, 5, 2] = 9
    assert changed_box(a, b) == (2, 1, 6, 4)
    assert even_size((1281, 721)) == (1282, 722) and even_size((1280, 720)) == (1280, 720)


def test_encoder_hands_the_writers_error_to_the_drawing_side():
    class Failing:
        aborted = False

        def write(self, frame):
            raise LabError("disk full")

        def close(self):
            pass

        def abort(self):
            Failing.aborted = True

    enc = Encoder(Failing())
    with pytest.raises(LabError, match="disk full"):
        for f in frames_moving_square(20):
            enc.put(f)
        enc.finish()
    enc.abort()
    assert Failing.aborted


def test_atomic_path_renames_at_the_end_and_removes_on_error(tmp_path):
    target = tmp_path / "a.gif"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target, ".gif") as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".gif" and tmp != target
            tmp.write_bytes(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
    with atomic_path(target, ".gif") as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new" and sorted(tmp_path.iterdir()) == [target]


def test_progress_is_a_bar_on_a_terminal_and_one_plain_line_otherwise(monkeypatch):
    import io
    import re

    from lab.animation.progress import PROGRESS_ENV, Progress

    monkeypatch.delenv(PROGRESS_ENV, raising=False)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    bar = Progress(4, Terminal())
    for done in range(1, 5):
        bar.update(done)
    bar.end()
    shown = bar.stream.getvalue()
    assert shown.startswith("\r[#######") and shown.endswith("\n")
    assert re.search(r"\[#{30}\] 4/4 frames, [\d.]+ frames/s, 0 s left", shown)
    plain = Progress(4, io.StringIO())
    for done in range(1, 5):
        plain.update(done)
    plain.end()
    assert re.fullmatch(r"4 frames in [\d.]+ s \([\d.]+ frames/s\)\n", plain.stream.getvalue())
    monkeypatch.setenv(PROGRESS_ENV, "1")
    lines = Progress(2, io.StringIO())
    lines.update(1)
    lines.update(2)
    lines.end()
    assert lines.stream.getvalue() == "frame 1/2\nframe 2/2\n"
