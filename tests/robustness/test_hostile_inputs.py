"""Hostile input (issue 21): formulas slow to derive, special and huge files, sizes past the limits, an output
that is an input, signals during an export, duplicate keys, control characters in paths.

Each test is named after the hole it holds. The contract is the one of test_fuzz_inputs.py: exit 0, or exit 2
with exactly one ``error: ...`` line on stderr and nothing written; never a traceback.
"""
import io
import json
import os
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import main as entry
from lab import limits
from lab.errors import LabError
from lab.experiment import Experiment
from lab.race import RacerSpec

ROOT = Path(entry.__file__).resolve().parent


def cli(argv):
    """main.main(argv) in-process: (exit status, stdout, stderr); no warning may be raised."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(out), redirect_stderr(err):
        warnings.simplefilter("always")
        rc = entry.main(list(argv))
    assert [str(w.message) for w in caught] == []
    return rc, out.getvalue(), err.getvalue()


def refused(argv) -> str:
    """Run ``argv``; it must be refused in one line (exit 2, nothing on stdout); return that line."""
    rc, out, err = cli(argv)
    assert (rc, out) == (2, ""), err
    assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    return err


def good_experiment(path, **kw) -> Path:
    Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, "plain")], steps=3, **kw).save(path)
    return Path(path)


# --- hole 1: formulas short but slow to derive ---------------------------------------------------------------

TOWER_XY = "(x*y)**" * 48 + "y"  # 337 characters: sympy spent 60 s on its gradient and Hessian
TOWER_X = "x**" * 49 + "y"       # 148 characters: 21 s


@pytest.mark.parametrize("expr", [TOWER_XY, TOWER_X, "x**" * 16 + "(x*y)**" * 12 + "y"], ids=["xy48", "x49", "mixed"])
def test_hole1_formula_slow_to_derive_is_refused_before_any_algebra(expr, monkeypatch, tmp_path):
    import lab.objectives.custom as custom
    from lab.expression import ExpressionError, read_formula

    derived = []
    monkeypatch.setattr(custom, "derivatives", lambda e: derived.append(e))  # sympy must never be asked
    with pytest.raises(ExpressionError, match=f"more than {limits.MAX_DERIVATIVE_SIZE} terms .*MAX_DERIVATIVE_SIZE"):
        read_formula(expr)
    err = refused(["eval", "--objective", "custom", "--param", f"expr={expr}", "--at", "0.5,0.5"])
    assert "derivatives are too large to work out" in err
    err = refused(["run", "--objective", "custom", "--param", f"expr={expr}", "--racer", "sgd"])
    assert "MAX_DERIVATIVE_SIZE" in err
    doc = Experiment("custom", [0.5, 0.5], [RacerSpec("sgd")], {"expr": "x**2"}).to_dict()
    doc["params"]["expr"] = expr
    (tmp_path / "e.json").write_text(json.dumps(doc))
    assert "MAX_DERIVATIVE_SIZE" in refused(["run", "--config", str(tmp_path / "e.json")])
    assert derived == []


def test_hole1_ordinary_formulas_stay_well_inside_the_derivative_budget():
    import ast

    from lab.expression import derivative_size

    sizes = {e: derivative_size(ast.parse(e, mode="eval").body) for e in [
        "x**2 + 10*y**2", "(1 - x)**2 + 100*(y - x**2)**2", "atan2(y, x + 5) * sinh(x/4) + abs(x - 10)**1.5",
        " + ".join(f"sin({k}*x)*cos({k}*y)" for k in range(1, 25)), "x**" * 8 + "y"]}
    assert sizes["x**2 + 10*y**2"] == 45
    assert all(s < limits.MAX_DERIVATIVE_SIZE / 5 for s in sizes.values()), sizes
    # the count stops at the budget: the work of the check is bounded too
    assert derivative_size(ast.parse(TOWER_X, mode="eval").body, budget=1000) == 1001


# --- hole 2: special and huge files ----------------------------------------------------------------------------


@pytest.fixture
def counted_reads(monkeypatch):
    """Every byte read through os.read and every path opened through os.open, as they happen."""
    seen = {"bytes": 0, "opened": []}
    real_read, real_open = os.read, os.open

    def read(fd, n):
        data = real_read(fd, n)
        seen["bytes"] += len(data)
        return data

    def open_(path, *args, **kwargs):
        seen["opened"].append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "read", read)
    monkeypatch.setattr(os, "open", open_)
    return seen


def special_files(tmp_path) -> dict:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    (tmp_path / "to-zero.json").symlink_to("/dev/zero")
    (tmp_path / "to-fifo.json").symlink_to(fifo)
    return {"/dev/zero": "is a device", "/dev/urandom": "is a device", str(fifo): "is a FIFO",
            str(tmp_path / "to-zero.json"): "is a device", str(tmp_path / "to-fifo.json"): "is a FIFO",
            str(tmp_path): "is a folder"}


def test_hole2_special_files_are_refused_without_reading_or_opening_them(tmp_path, counted_reads):
    for path, words in special_files(tmp_path).items():
        with pytest.raises(LabError, match=words) as info:
            Experiment.load(path)
        assert str(info.value).startswith(path), info.value
        assert "regular file" in str(info.value) or words == "is a folder"
        err = refused(["run", "--config", path])
        assert words in err
    assert counted_reads == {"bytes": 0, "opened": []}  # refused on the stat alone


def test_hole2_a_file_past_the_size_limit_is_refused_without_reading_it(tmp_path, counted_reads):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:  # sparse: 50 GB on paper, nothing on disk
        fh.truncate(50 * 10**9)
    err = refused(["run", "--config", str(big)])
    assert f"50000000000 bytes, more than the {limits.MAX_EXPERIMENT_BYTES} an experiment file may have " \
           f"(MAX_EXPERIMENT_BYTES)" in err
    at_limit = tmp_path / "padded.json"
    text = json.dumps(Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd")], steps=2).to_dict())
    at_limit.write_text(text + " " * (limits.MAX_EXPERIMENT_BYTES - len(text)))  # exactly the limit: read
    assert cli(["run", "--config", str(at_limit)])[0] == 0
    assert counted_reads["bytes"] == limits.MAX_EXPERIMENT_BYTES
    with open(at_limit, "a") as fh:
        fh.write(" ")
    assert "(MAX_EXPERIMENT_BYTES)" in refused(["run", "--config", str(at_limit)])


def test_hole2_a_file_growing_while_read_is_cut_at_the_limit(tmp_path, monkeypatch):
    from lab import files

    path = tmp_path / "grows.json"
    path.write_text("{}")
    with open(path, "a") as fh:
        fh.write(" " * 10)
    # as if the stat had seen 2 bytes and by the time of the read there were 12
    monkeypatch.setattr(files, "_check_readable", lambda *a: None)
    with pytest.raises(LabError, match=r"more than 5 bytes, the most a file may have \(LIMIT\)"):
        files.read_bytes(path, 5, "LIMIT")


def test_hole2_a_fifo_with_no_writer_is_refused_at_once_by_a_real_process(tmp_path):
    import subprocess
    import sys

    fifo = tmp_path / "exp.json"
    os.mkfifo(fifo)
    # the timeout only keeps a regression from hanging the suite; the assertion is the refusal itself
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", "--config", str(fifo)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {fifo}: is a FIFO (named pipe), not a regular file; only regular files are read\n"


def test_hole2_trajectory_files_are_read_through_the_same_checks(tmp_path):
    from lab.export import read_experiment_dict, read_trajectories

    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "zero.npz").symlink_to("/dev/zero")
    for name in ("zero.csv", "zero.npz"):
        with pytest.raises(LabError, match="is a device, not a regular file"):
            read_trajectories(tmp_path / name)
    with pytest.raises(LabError, match="is a device"):
        read_experiment_dict(tmp_path / "zero.npz")
    good = good_experiment(tmp_path / "e.json")
    assert cli(["run", "--config", str(good), "--out", str(tmp_path / "o.npz")])[0] == 0
    (tmp_path / "link.npz").symlink_to(tmp_path / "o.npz")  # a link to a regular file is followed
    assert [t.label for t in read_trajectories(tmp_path / "link.npz")] == ["plain"]


# --- hole 6: duplicate keys ---------------------------------------------------------------------------------------

RACER = '{"optimizer": "sgd"}'


@pytest.mark.parametrize(("text", "key", "without"), [
    ('{"objective": "quadratic", "start": [1, 1], "steps": 3, "steps": 9999999, "racers": [%s]}' % RACER, "steps",
     '"steps": 9999999, '),
    ('{"objective": "quadratic", "start": [1, 1], "racers": [{"optimizer": "sgd", "optimizer": "adam"}]}',
     "optimizer", ', "optimizer": "adam"'),
    ('{"objective": "quadratic", "start": [1, 1], "racers": [{"optimizer": "sgd", "hyperparameters": '
     '{"lr": 0.1, "lr": 100}}]}', "lr", ', "lr": 100'),
    ('{"objective": "quadratic", "objective": "rosenbrock", "start": [1, 1], "racers": [%s]}' % RACER, "objective",
     '"objective": "rosenbrock", '),
], ids=["steps", "optimizer", "lr", "objective"])
def test_hole6_a_key_given_twice_is_refused_with_its_name(tmp_path, text, key, without):
    path = tmp_path / "dup.json"
    path.write_text(text)
    with pytest.raises(LabError) as info:
        Experiment.load(path)
    assert str(info.value) == f"{path}: the key {key!r} is given twice in one object (keys must be unique)"
    assert refused(["run", "--config", str(path)]) == f"error: {info.value}\n"
    path.write_text(text.replace(without, ""))  # the same file with the key once: read
    assert Experiment.load(path).objective == "quadratic"


# --- hole 3: sizes past the limits -------------------------------------------------------------------------------


def experiment_text(**change) -> str:
    doc = Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, "plain")], steps=3).to_dict()
    doc.update(change)
    return json.dumps(doc)


@pytest.mark.parametrize(("change", "message"), [
    ({"racers": [{"optimizer": "sgd"}] * 10_000},
     f"racers: at most {limits.MAX_RACERS} racers in an experiment (MAX_RACERS), got 10000"),
    ({"racers": [{"optimizer": "sgd", "label": "L" * 100_000}]},
     f"racers[0]: label: at most {limits.MAX_LABEL} characters (MAX_LABEL), got 100000"),
    ({"racers": [{"optimizer": "sgd", "color": "#" * 1000}]},
     f"racers[0]: color: at most {limits.MAX_COLOR} characters (MAX_COLOR), got 1000"),
    ({"objective": "custom", "params": {"expr": "x+" * 300 + "y"}},
     f"the formula is too long: 601 characters, at most {limits.MAX_FORMULA} (MAX_FORMULA)"),
    ({"objective": "custom", "params": {"expr": "sin(" * 60 + "x" + ")" * 60}},
     f"nested too deeply (more than {limits.MAX_FORMULA_DEPTH} levels, MAX_FORMULA_DEPTH)"),
], ids=["racers", "label", "color", "formula", "depth"])
def test_hole3_an_experiment_past_a_limit_is_refused_naming_the_limit(tmp_path, change, message):
    path = tmp_path / "big.json"
    path.write_text(experiment_text(**change))
    with pytest.raises(LabError) as info:
        Experiment.load(path)
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)
    assert refused(["run", "--config", str(path)]) == f"error: {info.value}\n"


def test_hole3_limits_are_reached_exactly(tmp_path):
    at = [{"optimizer": "sgd", "label": "L" * limits.MAX_LABEL, "color": "c" * limits.MAX_COLOR}] * limits.MAX_RACERS
    path = tmp_path / "at.json"
    path.write_text(experiment_text(racers=at))
    exp = Experiment.load(path)
    assert len(exp.racers) == limits.MAX_RACERS and len(exp.racers[0].label) == limits.MAX_LABEL
    formula = "x**2 + 0." + "0" * (limits.MAX_FORMULA - 12) + "1*y"
    assert len(formula) == limits.MAX_FORMULA
    path.write_text(experiment_text(objective="custom", params={"expr": formula}))
    assert Experiment.load(path).params["expr"] == formula


def test_hole3_the_command_line_checks_the_same_limits():
    racers = ["--racer", "sgd"] * (limits.MAX_RACERS + 1)
    assert refused(["run", "--objective", "quadratic", *racers]) == \
        f"error: run: at most {limits.MAX_RACERS} racers in a race (MAX_RACERS), got {limits.MAX_RACERS + 1} --racer\n"
    err = refused(["run", "--objective", "quadratic", "--racer", "sgd:label=" + "L" * (limits.MAX_LABEL + 1)])
    assert f"label: at most {limits.MAX_LABEL} characters (MAX_LABEL), got {limits.MAX_LABEL + 1}" in err
    rc, out, err = cli(["run", "--objective", "quadratic", "--steps", "2", "--racer", "sgd:label=" + "L" * limits.MAX_LABEL])
    assert (rc, err) == (0, "") and "L" * limits.MAX_LABEL in out
    assert refused(["run", "--objective", "custom", "--param", "expr=" + "x+" * 300 + "y", "--racer", "sgd"]) == \
        f"error: objective 'custom' parameter expr: the formula is too long: 601 characters, at most " \
        f"{limits.MAX_FORMULA} (MAX_FORMULA)\n"


# --- hole 8: control characters in paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a\nb.csv", "a\rb.json", "tab\there.npz", "esc\x1b[31m.csv"],
                         ids=["newline", "return", "tab", "escape"])
def test_hole8_a_path_with_control_characters_is_shown_escaped_in_one_line(tmp_path, name):
    out = tmp_path / name
    rc, stdout, err = cli(["run", "--objective", "quadratic", "--steps", "2", "--racer", "sgd", "--out", str(out)])
    assert (rc, err) == (0, "") and out.is_file()
    assert stdout == f"wrote {str(out)!r}: 1 racer, 2 steps (1 max_steps)\n"
    missing = tmp_path / ("no\n" + name)
    assert refused(["run", "--config", str(missing)]) == f"error: {str(missing)!r}: no such file\n"
    assert refused(["run", "--objective", "quadratic", "--racer", "sgd", "--out", str(missing / "x.csv")]) == \
        f"error: cannot write {str(missing / 'x.csv')!r}: folder {str(missing)!r} does not exist\n"


# --- hole 4: writing over an input ---------------------------------------------------------------------------------


def test_hole4_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path, monkeypatch):
    exp = good_experiment(tmp_path / "exp.json")
    before = exp.read_bytes()
    os.link(exp, tmp_path / "hard.json")
    (tmp_path / "soft.json").symlink_to(exp)
    monkeypatch.chdir(tmp_path)
    for out in ["exp.json", str(exp), "./exp.json", "hard.json", "soft.json", "../" + tmp_path.name + "/exp.json"]:
        err = refused(["run", "--config", str(exp), "--out", out])
        assert err == f"error: cannot write {Path(out)}: it is the input {exp} (the same file); writing it would destroy " \
                      f"the input, choose another name\n"
        assert exp.read_bytes() == before
    # the other way round: the config given through the link, the file itself as --out
    assert "it is the input soft.json" in refused(["run", "--config", "soft.json", "--out", "exp.json"])
    assert exp.read_bytes() == before and (tmp_path / "soft.json").is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.json", "hard.json", "soft.json"]
    assert cli(["run", "--config", str(exp), "--out", "other.json"])[0] == 0  # another name is fine


def test_hole4_an_output_at_a_fifo_or_device_is_refused_and_left_as_it_is(tmp_path, counted_reads):
    import stat

    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    (tmp_path / "null.csv").symlink_to("/dev/null")
    for out, kind in [(fifo, "a FIFO (named pipe)"), (tmp_path / "null.csv", "a device")]:
        for argv in (["run", "--objective", "quadratic", "--racer", "sgd"],
                     ["basin", "--objective", "quadratic", "--optimizer", "sgd"],
                     ["sweep", "--objective", "quadratic", "--optimizer", "sgd", "--lr-min", "1e-3", "--lr-max", "1"]):
            assert refused(argv + ["--out", str(out)]) == \
                f"error: cannot write {out}: it is {kind}; only regular files are written\n"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.path.islink(tmp_path / "null.csv")
    assert counted_reads["opened"] == []  # the FIFO was never opened (that would wait for a reader)
    from lab.files import write_text

    with pytest.raises(LabError, match="it is a FIFO"):  # the writer itself refuses too (the window uses it)
        write_text(fifo, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null.csv", "out.csv"]


def test_hole4_an_output_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    from lab.export import read_trajectories

    real = tmp_path / "data"
    real.mkdir()
    (real / "old.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to(real / "old.csv")
    (tmp_path / "dangling.csv").symlink_to(real / "new.csv")
    for link, target in (("link.csv", "old.csv"), ("dangling.csv", "new.csv")):
        rc, out, err = cli(["run", "--objective", "quadratic", "--steps", "2", "--racer", "sgd:label=L",
                            "--out", str(tmp_path / link)])
        assert (rc, err) == (0, "") and out.startswith(f"wrote {tmp_path / link}: 1 racer")
        assert os.readlink(tmp_path / link) == str(real / target)
        assert [t.label for t in read_trajectories(real / target)] == ["L"]
    assert sorted(p.name for p in real.iterdir()) == ["new.csv", "old.csv"]  # no temporary left beside them


# --- hole 5: signals during an export ------------------------------------------------------------------------------

# The export is made to wait after the temporary file is written and flushed, before the rename (os.fsync
# blocks until a signal comes): the moment a signal used to leave the temporary behind. No clock is involved:
# the test waits for the temporary to appear, then signals.
SLOW_EXPORT = f"""
import os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
real_fsync = os.fsync
def fsync_then_wait(fd):
    real_fsync(fd)
    signal.pause()  # until the test's signal; its handler raises here
os.fsync = fsync_then_wait
from lab.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_hole5_a_signal_during_an_export_removes_the_temporary_and_keeps_the_previous_file(tmp_path, sig):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "good.csv"
    out.write_text("the previous file\n")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_EXPORT, "run", "--objective", "quadratic", "--steps", "50",
                             "--racer", "sgd", "--out", str(out)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        while not [p for p in tmp_path.iterdir() if p.name.startswith(".good.csv.")]:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.005)  # polling, not a measurement
        temporary = [p.name for p in tmp_path.iterdir() if p.name.startswith(".good.csv.")]
        proc.send_signal(getattr(signal, sig))
        stdout, stderr = proc.communicate(timeout=120)  # a guard against a hang, not a measurement
    finally:
        if proc.poll() is None:
            proc.kill()
    number = getattr(signal, sig)
    assert proc.returncode == 128 + number, stderr
    assert stdout == ""
    assert stderr == ("error: interrupted\n" if sig == "SIGINT" else f"error: stopped by {sig}\n")
    assert temporary[0].endswith(".tmp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.csv"]  # the temporary is gone
    assert out.read_text() == "the previous file\n"


def test_hole5_the_command_line_restores_the_signal_handlers_it_replaced():
    import signal

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    assert cli(["objectives"])[0] == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
