"""lab.export: each format written through atomic_write and read back bit for bit."""
import json
import os

import numpy as np
import pytest

from lab.errors import LabError
from lab.experiment import Experiment
from lab.export import (FORMATS, export_format, export_race, read_experiment_dict, read_trajectories,
                        racer_names)
from lab.optimizers import make_optimizer
from lab.race import DIVERGED, Race, RacerSpec, Track

# Awkward floats: signed zero, the smallest subnormal, tiny and huge negatives, thirds, and the non-finite.
AWKWARD = [-0.0, 5e-324, -1e-300, -1.5, 1 / 3, -2.0000000000000004, 1.7976931348623157e308, np.nan, np.inf, -np.inf]


def same(a, b) -> bool:
    """Equal bit for bit as float64 (-0.0 differs from 0.0), any NaN matching any NaN."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    return np.where(np.isnan(a), 0.0, a).tobytes() == np.where(np.isnan(b), 0.0, b).tobytes()


def race_experiment(**kw):
    exp = Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("adam", {"lr": 0.05}, "Adam"),
                                                  RacerSpec("sgd", {"lr": 0.01}),  # diverges
                                                  RacerSpec("newton", {}, "heavy, quoted \"one\""),
                                                  RacerSpec("adam", {"lr": 0.05}, "Adam")], steps=25, **kw)
    return exp, exp.build_race().run()


def awkward_track(label="odd", status=DIVERGED) -> Track:
    """A track holding every awkward float in its positions, losses and gradient norms."""
    n = len(AWKWARD)
    tr = Track(RacerSpec("sgd", {}, label), make_optimizer("sgd"), 2, 4, n)
    for k in range(n):
        tr.append(np.array([AWKWARD[k], AWKWARD[-1 - k]]), AWKWARD[(k + 3) % n], AWKWARD[(k + 5) % n])
    tr.finish(status, n - 1, "loss is not finite")
    tr.notes.append((3, "line search failed, took a gradient step"))
    return tr


@pytest.mark.parametrize("ending", FORMATS)
def test_round_trip_equals_the_engine_arrays(tmp_path, ending):
    exp, race = race_experiment()
    path = export_race(tmp_path / f"t{ending}", exp, race)
    back = read_trajectories(path)
    assert [t.label for t in back] == ["Adam", "sgd", 'heavy, quoted "one"', "Adam (2)"]
    assert [t.optimizer for t in back] == ["adam", "sgd", "newton", "adam"]
    for t, tr in zip(back, race.tracks):
        assert t.positions.shape == (tr.n, 2) and t.positions.dtype == np.float64
        assert same(t.positions, tr.positions) and same(t.losses, tr.losses) and same(t.grad_norms, tr.grad_norms)
    if ending != ".csv":
        assert [(t.status, t.status_step) for t in back] == [(tr.status, tr.status_step) for tr in race.tracks]
        assert back[1].status == DIVERGED and back[1].reason


@pytest.mark.parametrize("ending", FORMATS)
def test_awkward_floats_read_back_exactly(tmp_path, ending):
    exp = Experiment("quadratic", [-1.0, 1.0], [RacerSpec("sgd", {}, "odd")])
    tracks = [awkward_track(), awkward_track("odd")]
    back = read_trajectories(export_race(tmp_path / f"a{ending}", exp, tracks))
    assert [t.label for t in back] == ["odd", "odd (2)"]
    for t, tr in zip(back, tracks):
        assert same(t.positions, tr.positions) and same(t.losses, tr.losses) and same(t.grad_norms, tr.grad_norms)
    assert np.signbit(back[0].positions[0, 0]) and back[0].positions[1, 0] == 5e-324


def test_csv_layout(tmp_path):
    exp, race = race_experiment()
    text = (export_race(tmp_path / "t.csv", exp, race)).read_text()
    lines = text.splitlines()
    assert lines[0] == "racer,optimizer,step,loss,grad_norm,x0,x1"
    assert lines[1].startswith("Adam,adam,0,12.5,")
    assert lines[1].endswith(",-1.5,2.0")
    assert len(lines) == 1 + sum(tr.n for tr in race.tracks)
    odd = export_race(tmp_path / "odd.csv", exp, [awkward_track()]).read_text().splitlines()
    assert odd[1].split(",")[3:] == ["-1.5", "-2.0000000000000004", "-0.0", "-inf"]
    assert [line.split(",")[3] for line in odd[1:]][3:7] == ["1.7976931348623157e+308", "nan", "inf", "-inf"]


def test_npz_keys_and_experiment(tmp_path):
    exp, race = race_experiment()
    path = export_race(tmp_path / "t.npz", exp, race)
    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        assert keys == {f"racer{i}_{what}" for i in range(4) for what in ("positions", "losses", "grad_norms")} | {
            "labels", "optimizers", "statuses", "status_steps", "reasons", "experiment"}
        assert z["racer0_positions"].shape == (race.tracks[0].n, 2)
        assert z["status_steps"].dtype == np.int64
        assert json.loads(str(z["experiment"])) == exp.to_dict()
    assert read_experiment_dict(path) == exp.to_dict()


def test_json_is_an_experiment_file_with_results(tmp_path):
    exp, race = race_experiment()
    path = export_race(tmp_path / "t.json", exp, race)
    doc = json.loads(path.read_text())
    assert {k: v for k, v in doc.items() if k != "results"} == exp.to_dict()
    r = doc["results"][1]
    assert set(r) == {"label", "optimizer", "status", "status_step", "reason", "trajectory"}
    assert set(r["trajectory"]) == {"positions", "losses", "grad_norms", "notes"}
    assert r["status"] == "diverged" and r["status_step"] == race.tracks[1].status_step
    assert Experiment.load(path) == exp  # the results are ignored: the file is an experiment file
    odd = json.loads(export_race(tmp_path / "odd.json", exp, [awkward_track()]).read_text())
    assert odd["results"][0]["trajectory"]["notes"] == [[3, "line search failed, took a gradient step"]]
    assert "inf" in odd["results"][0]["trajectory"]["losses"]  # strict JSON: non-finite as text


def test_names_are_made_unique():
    exp, race = race_experiment()
    assert racer_names(race.tracks) == ["Adam", "sgd", 'heavy, quoted "one"', "Adam (2)"]


@pytest.mark.parametrize("name", ["out.txt", "out", "out.csv.gz", "out.NPY"])
def test_unknown_ending_lists_the_allowed_ones(tmp_path, name):
    exp, race = race_experiment()
    with pytest.raises(LabError, match=r"unknown format.*\.csv, \.npz, \.json"):
        export_race(tmp_path / name, exp, race)
    assert os.listdir(tmp_path) == []


def test_endings_are_case_insensitive():
    assert export_format("A.CSV") == ".csv" and export_format("b.Json") == ".json"


@pytest.mark.parametrize("ending", FORMATS)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, ending):
    exp, race = race_experiment()
    target = tmp_path / f"keep{ending}"
    target.write_bytes(b"precious")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(LabError, match="No space left"):
        export_race(target, exp, race)
    assert target.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == [target.name]


def test_reading_a_bad_file_is_a_lab_error(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    (tmp_path / "x.json").write_text("{}")
    for name in ("x.csv", "x.npz", "x.json", "missing.csv", "x.txt"):
        with pytest.raises(LabError):
            read_trajectories(tmp_path / name)


def test_export_takes_a_list_of_tracks_and_a_partly_run_race(tmp_path):
    exp = Experiment("quadratic", [-1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1})], steps=100)
    race = Race(exp.make_objective(), exp.start, exp.racers, max_steps=exp.steps)
    race.step(3)  # the window may export mid-race: status 'running'
    back = read_trajectories(export_race(tmp_path / "p.json", exp, race.tracks))
    assert back[0].status == "running" and back[0].status_step is None and len(back[0].losses) == 4


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_written_files_get_ordinary_permissions(tmp_path):
    exp, race = race_experiment()
    mask = os.umask(0o022)
    try:
        fresh = export_race(tmp_path / "fresh.csv", exp, race)
        assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
        old = tmp_path / "old.json"
        old.write_text("{}")
        old.chmod(0o640)
        assert export_race(old, exp, race).stat().st_mode & 0o777 == 0o640  # an overwritten file keeps its mode
    finally:
        os.umask(mask)
