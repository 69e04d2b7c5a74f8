"""File faults: exports and experiment saves to unwritable, full, vanishing or impossible paths; corrupt,
truncated, wrong-typed and future-version experiment files; truncated trajectory files.

Tests run as root in CI, where chmod does not stop a write: "read-only" is simulated by making the calls
that write (tempfile.mkstemp, the file's write, os.fsync, os.chmod, os.replace) raise the OSError a
read-only or full disk gives. Each time: a clear LabError (exit 2 and one line from the command line), no
partial file, the previous file intact byte for byte, no temporary file left, and the race still in memory
and exportable afterwards to a good path.
"""
import copy
import io
import json
import os
import tempfile
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

import main as entry
from file_faults import inject  # tests/file_faults.py (tests/ is on the path: tests/conftest.py)
from lab.errors import LabError
from lab.experiment import FORMAT_VERSION, Experiment
from lab.export import export_race, read_trajectories
from lab.race import RacerSpec

PREVIOUS = b"previous contents\n\x00\xff keep me"
TARGETS = ["out.csv", "out.npz", "out.json", "experiment.json"]  # the last one: Experiment.save


def small_race(steps=40):
    exp = Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("adam", {"lr": 0.05}, "Adam"),
                                                 RacerSpec("sgd", {"lr": 0.01}, "diverges"),
                                                 RacerSpec("newton")], steps=steps)
    return exp, exp.build_race().run()


def write(name, folder, exp, race):
    target = folder / name
    if name == "experiment.json":
        return exp.save(target)
    return export_race(target, exp, race)


def listing(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else None


def assert_still_exportable(tmp_path, exp, race):
    """After the failure the race is still in memory: it exports to a good path and reads back exactly."""
    good = tmp_path / "good"
    good.mkdir(exist_ok=True)
    for ending in (".csv", ".npz", ".json"):
        back = read_trajectories(export_race(good / f"after{ending}", exp, race))
        for t, tr in zip(back, race.tracks):
            np.testing.assert_array_equal(t.positions, tr.positions)
            np.testing.assert_array_equal(t.losses, tr.losses)
    assert Experiment.load(exp.save(good / "after-experiment.json")) == exp


FAULTS = ["mkstemp EACCES (read-only folder)", "mkstemp ENOSPC (full disk)", "write ENOSPC mid-write (full disk)",
          "fsync EIO", "chmod EPERM", "replace EACCES (read-only folder)", "replace EROFS (read-only file system)"]
VANISHING = ["folder vanishes before the temporary file", "folder vanishes before the rename",
             "target becomes a folder before the rename"]


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_unwritable_or_full_disk_keeps_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch, fault,
                                                                                  name):
    exp, race = small_race()
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / name).write_bytes(PREVIOUS)
    (folder / "neighbour.txt").write_text("untouched")
    before = listing(folder)
    with monkeypatch.context() as m:
        message = inject(m, fault, folder)
        with pytest.raises(LabError) as err:
            write(name, folder, exp, race)
    text = str(err.value)
    assert text.startswith(f"cannot write {folder / name}: ") and message in text and "\n" not in text
    assert (folder / name).read_bytes() == PREVIOUS  # byte for byte
    assert listing(folder) == before  # no temporary, nothing else
    assert_still_exportable(tmp_path, exp, race)


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("fault", VANISHING)
def test_fault_vanishing_path_between_check_and_write_is_a_clear_error(tmp_path, monkeypatch, fault, name):
    exp, race = small_race()
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / name).write_bytes(PREVIOUS)
    with monkeypatch.context() as m:
        message = inject(m, fault, folder)
        with pytest.raises(LabError) as err:
            write(name, folder, exp, race)
    assert str(err.value).startswith(f"cannot write {folder / name}: ") and message in str(err.value)
    if fault.startswith("target"):
        assert listing(folder) == [name] and (folder / name).is_dir()  # the temporary was removed
    else:
        assert not folder.exists()  # nothing was recreated
    assert_still_exportable(tmp_path, exp, race)


def impossible_paths(tmp_path):
    (tmp_path / "afile").write_text("a file, not a folder")
    (tmp_path / "adir.csv").mkdir()
    return {
        "parent is a file": (tmp_path / "afile" / "out.csv", "is not a folder"),
        "grandparent is a file": (tmp_path / "afile" / "sub" / "out.csv", "does not exist"),
        "path is a folder": (tmp_path / "adir.csv", "it is a folder"),
        "folder does not exist": (tmp_path / "missing" / "out.json", "does not exist"),
        "name too long (ENAMETOOLONG)": (tmp_path / ("n" * 300 + ".npz"), "File name too long"),
        "NUL byte in the name": (tmp_path / "bad\x00name.csv", "null"),
    }


@pytest.mark.parametrize("case", ["parent is a file", "grandparent is a file", "path is a folder",
                                  "folder does not exist", "name too long (ENAMETOOLONG)", "NUL byte in the name"])
def test_fault_impossible_path_is_a_lab_error_for_every_writer(tmp_path, case):
    exp, race = small_race()
    path, message = impossible_paths(tmp_path)[case]
    before = listing(tmp_path)
    for save in (lambda: export_race(path, exp, race), lambda: exp.save(path)):
        with pytest.raises(LabError) as err:
            save()
        assert "cannot write" in str(err.value) and message in str(err.value), str(err.value)
    assert listing(tmp_path) == before
    assert_still_exportable(tmp_path, exp, race)


def test_fault_long_but_legal_file_name_is_written(tmp_path):
    """A name of 250 bytes is legal (the limit is 255): the temporary beside it must not be longer."""
    exp, race = small_race()
    for ending in (".csv", ".npz", ".json"):
        path = tmp_path / ("n" * (250 - len(ending)) + ending)
        back = read_trajectories(export_race(path, exp, race))
        np.testing.assert_array_equal(back[0].positions, race.tracks[0].positions)
    assert Experiment.load(exp.save(tmp_path / ("e" * 245 + ".json"))) == exp
    assert len(listing(tmp_path)) == 4


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_fault_real_read_only_folder(tmp_path):
    exp, race = small_race()
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "out.csv").write_bytes(PREVIOUS)
    folder.chmod(0o500)
    try:
        for name in TARGETS:
            with pytest.raises(LabError, match="Permission denied"):
                write(name, folder, exp, race)
        assert (folder / "out.csv").read_bytes() == PREVIOUS and listing(folder) == ["out.csv"]
    finally:
        folder.chmod(0o700)
    assert_still_exportable(tmp_path, exp, race)


# --- the same faults through the command line: exit 2, one line, nothing written ------------------------------


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = entry.main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


RUN = ["run", "--objective", "rosenbrock", "--steps", "20", "--racer", "adam:lr=0.05", "--racer", "sgd:lr=0.01"]


def assert_refused(rc, out, err, message=""):
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: "), (rc, out, err)
    assert "internal error" not in err and "Traceback" not in err and message in err, err


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
@pytest.mark.parametrize("fault", FAULTS + VANISHING)
def test_fault_cli_out_to_unwritable_path_exits_2_with_previous_file_intact(tmp_path, monkeypatch, fault, ending):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"race{ending}"
    target.write_bytes(PREVIOUS)
    with monkeypatch.context() as m:
        message = inject(m, fault, folder)
        rc, out, err = cli(*RUN, "--out", target)
    assert_refused(rc, out, err, f"error: cannot write {target}: {message}")
    if fault in FAULTS:
        assert target.read_bytes() == PREVIOUS and listing(folder) == [target.name]
    rc, out, err = cli(*RUN, "--out", tmp_path / f"fine{ending}")
    assert rc == 0 and err == ""


def test_fault_cli_out_to_folder_without_write_permission_is_refused_before_the_race(tmp_path, monkeypatch):
    """check_writable asks os.access first (a read-only folder for an ordinary user): refused before racing."""
    target = tmp_path / "race.csv"
    target.write_bytes(PREVIOUS)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False)
    monkeypatch.setattr("lab.race.Race.run", lambda self: pytest.fail("raced although the path is unwritable"))
    rc, out, err = cli(*RUN, "--out", target)
    assert_refused(rc, out, err, f"cannot write {target}: no permission to write in {tmp_path}")
    assert target.read_bytes() == PREVIOUS and listing(tmp_path) == ["race.csv"]


@pytest.mark.parametrize("case", ["parent is a file", "grandparent is a file", "path is a folder",
                                  "folder does not exist", "name too long (ENAMETOOLONG)", "NUL byte in the name"])
def test_fault_cli_impossible_out_path_exits_2(tmp_path, case):
    path, message = impossible_paths(tmp_path)[case]
    before = listing(tmp_path)
    assert_refused(*cli(*RUN, "--out", path), message)
    assert listing(tmp_path) == before


@pytest.mark.parametrize("case", ["path is a folder", "folder does not exist", "name too long (ENAMETOOLONG)",
                                  "NUL byte in the name"])
def test_fault_cli_impossible_config_path_exits_2(tmp_path, case):
    path = impossible_paths(tmp_path)[case][0]
    assert_refused(*cli("run", "--config", path.with_suffix(".json") if case != "path is a folder" else path))


# --- corrupt, truncated, wrong-typed and future-version experiment files ------------------------------------


def valid_document() -> dict:
    racers = [RacerSpec("adam", {"lr": 0.01, "amsgrad": True}, "Adam", "#1f77b4"),
              RacerSpec("lbfgs", {"history_size": 5, "line_search": "none"}),
              RacerSpec("sgd", {"lr": 1e-3}, "off", enabled=False)]
    return Experiment("rosenbrock", [-1.5, 2.0], racers, {"b": 100.0}, seed=3, steps=5).to_dict()


def test_fault_every_prefix_of_an_experiment_file_is_refused_clearly(tmp_path):
    text = json.dumps(valid_document(), indent=2) + "\n"
    path = tmp_path / "e.json"
    for n in range(len(text)):
        path.write_text(text[:n], encoding="utf-8")
        if text[:n].strip() == text.strip():
            Experiment.load(path)  # only whitespace is missing: still the whole file
            continue
        with pytest.raises(LabError) as err:
            Experiment.load(path)
        assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)
        if n % 9 == 0:  # and through the command line, for a sample of them
            assert_refused(*cli("run", "--config", path, "--out", tmp_path / "o.csv"), str(path))
    assert listing(tmp_path) == ["e.json"]


JSON_VALUES = [None, True, False, 0, -1, 7, 1.5, -2.5, 1e300, 2**64, "", "text", "1", "true", [], [1], [1.0, 2.0],
               ["a"], {}, {"a": 1}, {"lr": 0.1}]
EXPECTED = {"objective": str, "params": dict, "start": list, "seed": int, "steps": int, "tol": float,
            "bound": float, "noise": float, "format_version": int, "racers": list, "optimizer": str,
            "hyperparameters": dict, "label": str, "color": str, "enabled": bool}


def key_paths(doc, prefix=()):
    """Every key and list index in ``doc``, as paths."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        yield prefix + (k,)
        yield from key_paths(v, prefix + (k,))


def wrong_type(key, value) -> bool:
    kind = EXPECTED.get(key)
    if kind is None or (value is None and key not in EXPECTED):
        return False
    if kind is float:
        return isinstance(value, bool) or not isinstance(value, (int, float))
    if kind is int:
        return isinstance(value, bool) or not (isinstance(value, int) or isinstance(value, float) and
                                               value.is_integer())
    if kind is bool:
        return not isinstance(value, bool)
    return not isinstance(value, kind)


def test_fault_every_key_given_every_wrong_json_type_is_refused_clearly():
    good = valid_document()
    paths = list(key_paths(good)) + [("params", "a"), ("params", "nope"), ("racers", 0, "hyperparameters", "beta1"),
                                     ("racers", 0, "color"), ("racers", 0, "enabled"), ("racers", 1, "label")]
    refused = accepted = 0
    for path in paths:
        for value in JSON_VALUES:
            doc = copy.deepcopy(good)
            node = doc
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
            try:
                Experiment.from_dict(doc, "e.json")
            except LabError as exc:
                refused += 1
                assert str(exc).startswith("e.json: ") and "\n" not in str(exc)
            else:
                accepted += 1
                assert not wrong_type(path[-1], value), (path, value)
    assert refused > 300 and accepted > 20  # both outcomes happen; nothing else ever does


@pytest.mark.parametrize("key", ["objective", "params", "start", "seed", "steps", "tol", "bound", "racers",
                                 "format_version"])
def test_fault_wrong_typed_key_through_the_command_line_exits_2(tmp_path, key):
    doc = valid_document()
    doc[key] = {"objective": 5, "params": [], "start": "1,2", "seed": "0", "steps": 1.5, "tol": None,
                "bound": [1], "racers": {}, "format_version": "1"}[key]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(doc))
    assert_refused(*cli("run", "--config", path), f"{path}: ")


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 99, 2**70])
def test_fault_future_version_experiment_file_asks_for_an_update(tmp_path, version):
    path = tmp_path / "future.json"
    path.write_text(json.dumps(dict(valid_document(), format_version=version, new_key={"from": "the future"})))
    with pytest.raises(LabError, match=f"format_version {version} is newer than this Optimizer Lab reads"):
        Experiment.load(path)
    assert_refused(*cli("run", "--config", path), "update Optimizer Lab")


CORRUPT = {
    "empty": b"",
    "whitespace": b"  \n\t\n",
    "binary garbage": bytes(range(256)) * 4,
    "NUL bytes": b"\x00" * 64,
    "UTF-16": json.dumps(valid_document()).encode("utf-16"),
    "UTF-8 byte order mark": b"\xef\xbb\xbf" + json.dumps(valid_document()).encode(),
    "null": b"null",
    "a string": b'"rosenbrock"',
    "a number": b"42",
    "a list": b"[1, 2, 3]",
    "NaN": json.dumps(valid_document()).replace("-1.5", "NaN").encode(),
    "Infinity": json.dumps(valid_document()).replace("100.0", "Infinity").encode(),
    "1e400 (overflows to inf)": json.dumps(valid_document()).replace("-1.5", "1e400").encode(),
    "a 400-digit integer (past the largest float)": json.dumps(valid_document()).replace("-1.5", "1" + "0" * 400)
    .encode(),
    "a 5000-digit integer": json.dumps(valid_document()).replace('"seed": 3', '"seed": ' + "9" * 5000).encode(),
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "racer hyperparameter nested 5000 deep": json.dumps(valid_document()).replace(
        '"lr": 0.01', '"lr": ' + "[" * 5000 + "]" * 5000).encode(),
    "trailing garbage": json.dumps(valid_document()).encode() + b" }",
    "two documents": json.dumps(valid_document()).encode() * 2,
    "a Python dict": repr(valid_document()).encode(),
}


@pytest.mark.parametrize("case", CORRUPT)
def test_fault_corrupt_experiment_file_is_refused_with_where(tmp_path, case):
    path = tmp_path / "corrupt.json"
    path.write_bytes(CORRUPT[case])
    with pytest.raises(LabError) as err:
        Experiment.load(path)
    assert str(err.value).startswith(f"{path}: ")
    rc, out, err_text = cli("run", "--config", path, "--out", tmp_path / "o.npz")
    assert_refused(rc, out, err_text, str(path))
    assert listing(tmp_path) == ["corrupt.json"]


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
def test_fault_every_prefix_of_a_trajectory_file_reads_back_or_is_a_lab_error(tmp_path, ending):
    """Truncated exports: NPZ and JSON prefixes are refused (LabError); a CSV has no end marker, so a prefix
    that ends between rows (or inside the last number) reads back as a shorter trajectory — the known limit
    of the format, written down in docs/robustness.md."""
    exp, race = small_race(steps=6)  # the sgd racer diverges at step 5: NaN/inf are in the file too
    data = export_race(tmp_path / f"whole{ending}", exp, race).read_bytes()
    path = tmp_path / f"cut{ending}"
    step = 1 if ending != ".npz" else 3  # NPZ: every third prefix (each np.load costs ~1 ms)
    read = 0
    for n in range(0, len(data), step):
        path.write_bytes(data[:n])
        try:
            back = read_trajectories(path)
        except LabError as exc:
            assert str(exc).startswith(str(path)) or str(exc).startswith(f"cannot read {path}"), exc
        else:
            read += 1
            assert ending == ".csv" or data[:n].strip() == data.strip(), n
            assert sum(len(t.losses) for t in back) <= sum(len(tr.losses) for tr in race.tracks)
    assert ending == ".csv" or read <= 1


# --- labels that are hard to store --------------------------------------------------------------------------

AWKWARD_LABELS = ["a\nb", "carriage\rreturn", "ends with\r", "crlf\r\nin it", 'comma, "quotes"', " lead", "tab\there",
                  "ρ é 漢字 🙂", '"', "", "x" * 500]


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
def test_fault_labels_with_line_breaks_and_quotes_round_trip_in_every_format(tmp_path, ending):
    """A label holding a bare carriage return used to be written unquoted into the CSV, which then could not
    be read back (the reader breaks lines at \\r as well as \\n)."""
    exp = Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, label) for label in AWKWARD_LABELS],
                     steps=3)
    race = exp.build_race().run()
    back = read_trajectories(export_race(tmp_path / f"labels{ending}", exp, race))
    assert [t.label for t in back] == [label or "sgd" for label in AWKWARD_LABELS]
    for t, tr in zip(back, race.tracks):
        np.testing.assert_array_equal(t.positions, tr.positions)


@pytest.mark.parametrize("name", ["out.csv", "out.json"])
def test_fault_label_that_is_not_valid_unicode_is_a_lab_error_and_writes_nothing(tmp_path, name):
    """A command line typed in a Latin-1 terminal reaches Python as a lone surrogate ('\\udcff'): UTF-8
    cannot encode it. The write fails with a clear LabError, the previous file intact, no temporary.
    (An experiment file escapes it as \\udce9 and an NPZ stores code points: both write and read back.)"""
    exp = Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, "caf\udce9")], steps=3)
    race = exp.build_race().run()
    (tmp_path / name).write_bytes(PREVIOUS)
    with pytest.raises(LabError, match="not valid Unicode"):
        write(name, tmp_path, exp, race)
    assert (tmp_path / name).read_bytes() == PREVIOUS and listing(tmp_path) == [name]
    assert Experiment.load(exp.save(tmp_path / "experiment.json")).racers[0].label == "caf\udce9"
    assert read_trajectories(export_race(tmp_path / "o.npz", exp, race))[0].label == "caf\udce9"


def test_fault_cli_label_bytes_that_are_not_utf8_exit_2(tmp_path):
    import subprocess
    import sys

    racer = b"adam:label=caf\xe9"  # Latin-1, not UTF-8
    for ending, rc in ((".csv", 2), (".json", 2), (".npz", 0)):  # NPZ keeps text as code points: it works
        out = tmp_path / f"o{ending}"
        done = subprocess.run([sys.executable, os.path.abspath(entry.__file__), "run", "--objective", "quadratic",
                               "--steps", "2", "--racer", racer, "--out", str(out)], capture_output=True, timeout=60)
        assert done.returncode == rc, done.stderr
        if rc == 2:
            assert done.stderr.count(b"\n") == 1 and b"not valid Unicode" in done.stderr and not out.exists()
    assert listing(tmp_path) == ["o.npz"]
