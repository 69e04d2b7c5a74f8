"""The command line through the real entry point: main.main(argv), and a few `python main.py ...` subprocesses."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main as entry
from lab.experiment import Experiment
from lab.export import read_trajectories
from lab.objectives import OBJECTIVES, make_objective
from lab.optimizers import OPTIMIZERS
from lab.race import RacerSpec

ROOT = Path(entry.__file__).resolve().parent
RACE = ["run", "--objective", "rosenbrock", "--start", "-1.5,2", "--steps", "30", "--seed", "3",
        "--racer", "adam:lr=0.05,beta1=0.8,amsgrad=true", "--racer", "momentum:lr=1e-3,rho=0.9,label=heavy ball",
        "--racer", "sgd:lr=0.01"]  # sgd diverges


def cli(capsys, *argv):
    rc = entry.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def same(a, b) -> bool:
    """Equal bit for bit as float64, any NaN matching any NaN."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (a.shape == b.shape and np.array_equal(np.isnan(a), np.isnan(b))
            and np.where(np.isnan(a), 0.0, a).tobytes() == np.where(np.isnan(b), 0.0, b).tobytes())


def engine_race():
    """The race RACE describes, built directly on the core."""
    racers = [RacerSpec("adam", {"lr": 0.05, "beta1": 0.8, "amsgrad": True}),
              RacerSpec("momentum", {"lr": 1e-3, "rho": 0.9}, "heavy ball"), RacerSpec("sgd", {"lr": 0.01})]
    exp = Experiment("rosenbrock", [-1.5, 2.0], racers, seed=3, steps=30)
    return exp, exp.build_race().run()


# --- objectives, optimizers --------------------------------------------------------------------------------


def test_objectives_json_has_exactly_the_contract_keys(capsys):
    rc, out, err = cli(capsys, "objectives", "--json")
    assert rc == 0 and err == ""
    items = json.loads(out)
    assert [it["name"] for it in items] == list(OBJECTIVES)
    for it in items:
        assert set(it) == {"name", "dim", "params", "domain", "minima", "min_value", "start"}
        spec = OBJECTIVES[it["name"]]
        obj = make_objective(it["name"])
        assert it["dim"] == obj.dim == len(it["start"]) == len(it["domain"])
        assert it["params"] == {p.name: p.default for p in spec.params}
        assert it["domain"] == obj.domain.tolist() and it["minima"] == obj.minima.tolist()
        assert it["min_value"] == obj.min_value  # None -> null
        assert it["start"] == obj.start.tolist()
    assert items[[i["name"] for i in items].index("rosenbrock")]["params"] == {"a": 1.0, "b": 100.0}


def test_objectives_table_lists_every_name(capsys):
    rc, out, _ = cli(capsys, "objectives")
    assert rc == 0 and out.splitlines()[0].split()[:2] == ["NAME", "DIM"]
    assert {line.split()[0] for line in out.splitlines()[1:]} == set(OBJECTIVES)


def test_optimizers_json(capsys):
    rc, out, _ = cli(capsys, "optimizers", "--json")
    items = json.loads(out)
    assert rc == 0 and [it["name"] for it in items] == list(OPTIMIZERS)
    for it in items:
        spec = OPTIMIZERS[it["name"]]
        assert set(it) == {"name", "summary", "rule", "hyperparameters"}
        assert it["summary"] == spec.summary and it["rule"] == spec.rule
        assert it["hyperparameters"] == [json.loads(json.dumps(p.to_json())) for p in spec.params]


def test_optimizers_table_shows_defaults_and_ranges(capsys):
    rc, out, _ = cli(capsys, "optimizers")
    assert rc == 0
    for spec in OPTIMIZERS.values():
        assert f"{spec.name}: {spec.summary}" in out
        for p in spec.params:
            assert any(line.split()[:1] == [p.name] and p.allowed() in line for line in out.splitlines())


# --- eval --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("at", [["--at", "-1.2,1.5"], ["--at=-1.2,1.5"], ["--at", " -1.2, 1.5"]])
def test_eval_json_matches_the_core(capsys, at):
    rc, out, err = cli(capsys, "eval", "--objective", "rosenbrock", "--param", "b=50", *at, "--json")
    assert rc == 0 and err == ""
    got = json.loads(out)
    assert list(got) == ["value", "grad", "hessian", "eigenvalues", "condition_number", "kind",
                         "grad_check_error", "hessian_check_error"]
    obj, x = make_objective("rosenbrock", b=50), np.array([-1.2, 1.5])
    assert got["value"] == float(obj.value(x)) and got["grad"] == obj.grad(x).tolist()
    assert got["hessian"] == obj.hessian(x).tolist()
    lam = np.linalg.eigvalsh(obj.hessian(x))
    assert np.allclose(got["eigenvalues"], lam, rtol=1e-12) and got["eigenvalues"] == sorted(got["eigenvalues"])
    assert got["condition_number"] == pytest.approx(abs(lam).max() / abs(lam).min(), rel=1e-12)
    assert got["kind"] in ("minimum", "maximum", "saddle", "degenerate")
    assert 0 <= got["grad_check_error"] < 1e-6 and 0 <= got["hessian_check_error"] < 1e-6


def test_eval_singular_hessian_gives_inf_as_strict_json(capsys):
    # Rosenbrock with b = 1 at (0, 0.5): the Hessian is diag(0, 2), singular
    rc, out, _ = cli(capsys, "eval", "--objective", "rosenbrock", "--param", "b=1", "--at", "0,0.5", "--json")
    got = json.loads(out)
    assert rc == 0 and "Infinity" not in out
    assert got["condition_number"] == "inf" and got["kind"] == "degenerate" and got["eigenvalues"] == [0.0, 2.0]


def test_eval_table(capsys):
    rc, out, _ = cli(capsys, "eval", "--objective", "quadratic", "--at", "-2.8,3.1")
    lines = out.splitlines()
    assert rc == 0 and lines[0] == "quadratic (kappa=10, angle=0) at (-2.8, 3.1)"
    assert [line.split("  ")[0] for line in lines[1:]] == [
        "value", "gradient", "|gradient|", "Hessian", "eigenvalues", "condition number", "kind", "gradient check",
        "Hessian check"]
    assert "(-2.8, 31)" in out and "condition number  10" in out


# --- run ---------------------------------------------------------------------------------------------------


def test_run_leaderboard_sorted_by_final_loss(capsys):
    rc, out, err = cli(capsys, *RACE)
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("rosenbrock (a=1, b=100) from (-1.5, 2): ")
    assert lines[1].split() == ["#", "RACER", "FINAL", "LOSS", "TO", "NEAREST", "MINIMUM", "TOL", "REACHED", "AT",
                                "STATUS", "SETTINGS"]
    _, race = engine_race()
    finals = sorted(float(tr.losses[-1]) for tr in race.tracks)
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[2:]]
    assert [r[0] for r in rows] == ["1", "2", "3"] and all(len(r) == 7 for r in rows)
    by_name = {tr.spec.name: tr for tr in race.tracks}
    assert [float(by_name[r[1]].losses[-1]) for r in rows] == finals
    assert [float(r[2]) for r in rows] == [float(f"{v:.6g}") for v in finals]
    assert rows[-1][1] == "sgd" and rows[-1][5].startswith("diverged at step")
    assert rows[-1][6] == "sgd: lr=0.01" and "heavy ball" in [r[1] for r in rows]


def test_run_leaderboard_dash_without_known_minimum(capsys):
    assert len(make_objective("saddle").minima) == 0  # x² − y² has no minimum
    rc, out, _ = cli(capsys, "run", "--objective", "saddle", "--steps", "3", "--racer", "sgd")
    header, row = out.splitlines()[1:3]
    col = header.index("TO NEAREST MINIMUM")
    assert rc == 0 and row[col:col + len("TO NEAREST MINIMUM")].strip() == "-"


def test_run_converged_step_is_shown(capsys):
    rc, out, _ = cli(capsys, "run", "--objective", "quadratic", "--racer", "newton", "--steps", "5")
    header, row = out.splitlines()[1:3]
    assert rc == 0 and "converged at step 1" in row
    col = header.index("TOL REACHED AT")
    assert row[col:col + len("TOL REACHED AT")].strip() == "1"


@pytest.mark.parametrize("ending", [".csv", ".npz", ".json"])
def test_run_out_round_trip_equals_the_engine(capsys, tmp_path, ending):
    path = tmp_path / f"race{ending}"
    rc, out, err = cli(capsys, *RACE, "--out", path)
    assert rc == 0 and err == "" and out.startswith(f"wrote {path}: 3 racers")
    _, race = engine_race()
    back = read_trajectories(path)
    assert [t.label for t in back] == ["adam", "heavy ball", "sgd"]
    for t, tr in zip(back, race.tracks):
        assert same(t.positions, tr.positions) and same(t.losses, tr.losses) and same(t.grad_norms, tr.grad_norms)
        assert len(t.losses) == tr.n and t.positions[0].tolist() == [-1.5, 2.0]  # row 0 is the start
    if ending != ".csv":  # who diverged, and when
        assert (back[2].status, back[2].status_step) == ("diverged", race.tracks[2].status_step)


def test_json_out_reruns_bit_for_bit_with_config(capsys, tmp_path):
    assert cli(capsys, *RACE, "--out", tmp_path / "a.csv")[0] == 0
    assert cli(capsys, *RACE, "--out", tmp_path / "a.json")[0] == 0
    assert cli(capsys, "run", "--config", tmp_path / "a.json", "--out", tmp_path / "b.csv")[0] == 0
    assert cli(capsys, "run", "--config", tmp_path / "a.json", "--out", tmp_path / "b.json")[0] == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    exp = Experiment.load(tmp_path / "a.json")
    assert exp.racers[0].hyperparameters == {"lr": 0.05, "beta1": 0.8, "amsgrad": True}  # typed, only those given
    assert exp.racers[1].label == "heavy ball" and exp.seed == 3 and exp.steps == 30


def test_config_overrides_steps_and_seed(capsys, tmp_path):
    exp, _ = engine_race()
    exp.save(tmp_path / "e.json")
    rc, _, _ = cli(capsys, "run", "--config", tmp_path / "e.json", "--steps", "4", "--seed", "9",
                   "--out", tmp_path / "o.json")
    doc = json.loads((tmp_path / "o.json").read_text())
    assert rc == 0 and doc["steps"] == 4 and doc["seed"] == 9
    assert all(len(r["trajectory"]["losses"]) <= 5 for r in doc["results"])
    assert len(doc["results"][0]["trajectory"]["losses"]) == 5
    rc, out, _ = cli(capsys, "run", "--config", tmp_path / "e.json")  # a leaderboard from a config
    assert rc == 0 and "heavy ball" in out


def test_negative_coordinates_as_typed(capsys, tmp_path):
    base = ["run", "--objective", "quadratic", "--param", "angle=-30", "--steps", "2", "--racer", "sgd:lr=0.1"]
    for i, start in enumerate((["--start", "-1.5,2"], ["--start=-1.5,2"], ["--start", "-1.5,-2e-1"])):
        rc, out, err = cli(capsys, *base, *start, "--out", tmp_path / f"s{i}.json")
        assert rc == 0, err
    first = [json.loads((tmp_path / f"s{i}.json").read_text())["start"] for i in range(3)]
    assert first == [[-1.5, 2.0], [-1.5, 2.0], [-1.5, -0.2]]
    assert (tmp_path / "s0.json").read_bytes() == (tmp_path / "s1.json").read_bytes()


def test_default_start_is_the_objectives(capsys, tmp_path):
    rc, _, _ = cli(capsys, "run", "--objective", "rosenbrock", "--steps", "1", "--racer", "sgd",
                   "--out", tmp_path / "d.json")
    assert rc == 0 and json.loads((tmp_path / "d.json").read_text())["start"] == [-1.5, 2.0]


def test_label_with_spaces_and_booleans(capsys, tmp_path):
    rc, _, _ = cli(capsys, "run", "--objective", "quadratic", "--steps", "2",
                   "--racer", "adam: lr = 0.1 , amsgrad=TRUE, bias_correction=false, label= my Adam ",
                   "--out", tmp_path / "l.json")
    racer = json.loads((tmp_path / "l.json").read_text())["racers"][0]
    assert rc == 0 and racer == {"optimizer": "adam", "label": "my Adam",
                                 "hyperparameters": {"lr": 0.1, "amsgrad": True, "bias_correction": False}}


# --- bad input: exit 2, one line on stderr, nothing written ------------------------------------------------

OK_RUN = ["run", "--objective", "quadratic", "--steps", "2", "--racer", "sgd"]
BAD = [
    (["run", "--objective", "banana", "--racer", "sgd"], "unknown objective 'banana'; choose one of: quadratic"),
    (["run", "--objective", "quadratic", "--racer", "adamm"], "unknown optimizer 'adamm'; choose one of: sgd"),
    (OK_RUN + ["--racer", "adam:lrr=1"], "optimizer 'adam' has no parameter 'lrr'; its parameters are: lr"),
    (OK_RUN + ["--racer", "adam:lr=-0.1"], "lr=-0.1 is not allowed: expected a finite number, 0 < lr"),
    (OK_RUN + ["--racer", "adam:beta1=1"], "beta1=1 is not allowed: expected a finite number, 0 <= beta1 < 1"),
    (OK_RUN + ["--racer", "lbfgs:history_size=2.5"], "history_size=2.5 is not allowed: expected a whole number"),
    (OK_RUN + ["--racer", "adam:amsgrad=yes"], "amsgrad=yes is not allowed: expected true or false"),
    (OK_RUN + ["--racer", "adam:lr=1e-3x"], "lr=1e-3x is not allowed"),
    (OK_RUN + ["--racer", "adam:lr=inf"], "lr=inf is not allowed"),
    (OK_RUN + ["--racer", "adam:lr"], "--racer 'adam:lr': expected name=value, got 'lr'"),
    (OK_RUN + ["--racer", "adam:lr=1,lr=2"], "lr is given twice"),
    (OK_RUN + ["--param", "kappa=0.5"], "kappa=0.5 is not allowed: expected a finite number, 1 <= kappa"),
    (OK_RUN + ["--param", "kapa=2"], "objective 'quadratic' has no parameter 'kapa'; its parameters are: kappa"),
    (OK_RUN + ["--param", "kappa=nan"], "kappa=nan is not allowed"),
    (OK_RUN + ["--start", "1,2,3"], "--start must have 2 coordinates for quadratic, got 3"),
    (OK_RUN + ["--start", "-1"], "--start must have 2 coordinates for quadratic, got 1"),
    (OK_RUN + ["--start", "1,abc"], "--start: 'abc' is not a number"),
    (OK_RUN + ["--start", "-1.5,nan"], "--start: 'nan' is not a finite number"),
    (OK_RUN + ["--start", "1e999,0"], "--start: '1e999' is not a finite number"),
    (OK_RUN + ["--start", "1,,2"], "--start: expected numbers separated by commas"),
    (OK_RUN + ["--steps", "-5"], "--steps must be a whole number >= 0, got '-5'"),
    (OK_RUN + ["--steps", "ten"], "--steps must be a whole number >= 0, got 'ten'"),
    (OK_RUN + ["--seed", "-1"], "--seed must be a whole number >= 0"),
    (OK_RUN + ["--tol", "-1"], "--tol must be >= 0"),
    (OK_RUN + ["--bound", "0"], "--bound must be > 0"),
    (["eval", "--objective", "quadratic", "--at", "1"], "--at must have 2 coordinates for quadratic, got 1"),
    (["eval", "--objective", "quadratic", "--at", "-inf,2"], "--at: '-inf' is not a finite number"),
    (["eval", "--objective", "nope", "--at", "1,2"], "unknown objective 'nope'"),
    (["run", "--objective", "quadratic"], "give at least one --racer"),
    (["run", "--racer", "sgd"], "give --objective NAME and --racer SPEC, or --config"),
    # argparse's own complaints
    (["run", "--objective", "quadratic", "--racer", "sgd", "--bogus"], "unrecognized arguments: --bogus"),
    (["run", "--objective", "quadratic", "--racer"], "argument --racer: expected one argument"),
    (["eval", "--at", "1,2"], "the following arguments are required: --objective"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


def check_bad(capsys, argv, message, folder):
    before = sorted(os.listdir(folder))
    rc, out, err = cli(capsys, *argv)
    assert rc == 2, (argv, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err and "internal error" not in err and out == ""
    assert sorted(os.listdir(folder)) == before  # nothing written, no temporary left


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, message):
    keep = tmp_path / "keep.csv"
    keep.write_text("precious\n")
    if argv[0] == "run" and "--bogus" not in argv and argv[-1] != "--racer":
        argv = argv + ["--out", str(keep)]
    check_bad(capsys, argv, message, tmp_path)
    assert keep.read_text() == "precious\n"


def test_bad_output_paths(capsys, tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir.csv").mkdir()
    keep = tmp_path / "keep.txt"
    keep.write_text("precious")
    cases = [(tmp_path / "out.txt", "unknown format (ending '.txt'); use one of .csv, .npz, .json"),
             (keep, "unknown format"),
             (tmp_path / "out", "unknown format (no ending)"),
             (tmp_path / "missing" / "out.csv", "does not exist"),
             (tmp_path / "afile" / "out.csv", "is not a folder"),
             (tmp_path / "adir.csv", "it is a folder")]
    for path, message in cases:
        check_bad(capsys, OK_RUN + ["--out", str(path)], message, tmp_path)
    assert keep.read_text() == "precious"


def test_bad_experiment_files_say_where(capsys, tmp_path):
    good = json.loads(Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("adam")]).to_json())
    files = {
        "missing.json": None,
        "broken.json": '{"objective": "rosenbrock",\n "start": [1, 2,]}',
        "nan.json": json.dumps(good).replace("-1.5", "NaN"),
        "list.json": "[]",
        "badopt.json": json.dumps(dict(good, racers=[{"optimizer": "adam", "hyperparameters": {"lr": -1}}])),
        "badstart.json": json.dumps(dict(good, start=[1, 2, 3])),
        "steps.json": json.dumps(dict(good, steps=-1)),
        "binary.json": b"\xff\xfe\x00",
        "noracers.json": json.dumps(dict(good, racers=[{"optimizer": "sgd", "enabled": False}])),
    }
    expected = {
        "missing.json": "missing.json: no such file",
        "broken.json": "broken.json: not valid JSON at line 2, column",
        "nan.json": "NaN is not allowed",
        "list.json": "list.json: expected a JSON object at the top",
        "badopt.json": "badopt.json: racers[0]: optimizer 'adam' parameter lr=-1 is not allowed",
        "badstart.json": "badstart.json: start must have 2 coordinates",
        "steps.json": "steps.json: steps must be >= 0",
        "binary.json": "binary.json: not a text file",
        "noracers.json": "noracers.json: no enabled racers, nothing to run",
    }
    for name, text in files.items():
        if isinstance(text, bytes):
            (tmp_path / name).write_bytes(text)
        elif text is not None:
            (tmp_path / name).write_text(text)
    (tmp_path / "folder.json").mkdir()
    expected["folder.json"] = "folder.json: is a folder"
    for name, message in expected.items():
        check_bad(capsys, ["run", "--config", str(tmp_path / name), "--out", str(tmp_path / "o.csv")], message,
                  tmp_path)


def test_config_refuses_the_options_it_sets(capsys, tmp_path):
    Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd")], steps=2).save(tmp_path / "e.json")
    for extra in (["--racer", "adam"], ["--objective", "rosenbrock"], ["--start", "-1,1"], ["--param", "kappa=2"]):
        check_bad(capsys, ["run", "--config", str(tmp_path / "e.json"), *extra], "--config cannot be combined with "
                  + extra[0], tmp_path)


def test_help_exits_0(capsys):
    for argv in (["-h"], ["--help"], ["run", "--help"], ["eval", "-h"]):
        rc, out, _ = cli(capsys, *argv)
        assert rc == 0 and out.startswith("usage: python main.py")


def test_an_internal_error_is_one_line_and_exit_1(capsys, monkeypatch):
    import lab.cli.objectives

    def boom(args):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(lab.cli.objectives, "run", boom)
    rc, out, err = cli(capsys, "objectives")
    assert rc == 1 and err == "error: internal error: RuntimeError: boom\n"


# --- the real process --------------------------------------------------------------------------------------


def python_main(*argv, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, argv)], capture_output=True, text=True,
                          timeout=60, cwd=cwd or ROOT)


def test_headless_path_imports_no_qt_and_no_heavy_libraries():
    code = ("import sys, main; rc = main.main(['objectives', '--json']); "
            "rc2 = main.main(['eval', '--objective', 'rosenbrock', '--at', '0,0']); "
            "rc3 = main.main(['run', '--objective', 'quadratic', '--steps', '2', '--racer', 'adam']); "
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6', 'pyqtgraph', 'scipy', "
            "'sympy', 'widgets'}); print('BAD=' + ','.join(bad), rc, rc2, rc3, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0 and out.stderr.strip() == "BAD= 0 0 0", out.stderr


def test_subprocess_run_with_negative_start(tmp_path):
    out = python_main("run", "--objective", "rosenbrock", "--start", "-1.5,2", "--steps", "3", "--racer",
                      "adam:lr=0.01", "--out", tmp_path / "r.csv")
    assert out.returncode == 0 and out.stderr == ""
    assert (tmp_path / "r.csv").read_text().splitlines()[1].endswith(",-1.5,2.0")


def test_subprocess_bad_input(tmp_path):
    out = python_main("run", "--objective", "rosenbrock", "--racer", "adam:lr=-1", "--out", tmp_path / "r.csv")
    assert out.returncode == 2 and out.stdout == "" and out.stderr.count("\n") == 1
    assert out.stderr.startswith("error: --racer 'adam:lr=-1': optimizer 'adam' parameter lr=-1 is not allowed")
    assert os.listdir(tmp_path) == []
    out = python_main("eval", "--objective", "rosenbrock", "--at", "-2.8,3.1", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["value"] == pytest.approx(
        float(make_objective("rosenbrock").value(np.array([-2.8, 3.1]))))


def test_run_noise_adds_seeded_gradient_noise_and_overrides_a_config(capsys, tmp_path):
    rc, _, err = cli(capsys, *RACE, "--noise", "0.5", "--out", tmp_path / "n.json")
    assert rc == 0, err
    doc = json.loads((tmp_path / "n.json").read_text())
    exp, _ = engine_race()
    exp.noise = 0.5
    race = exp.build_race().run()
    assert doc["noise"] == 0.5
    for got, track in zip(doc["results"], race.tracks):  # the very race the core runs with that noise
        assert same(got["trajectory"]["losses"], track.losses)
    _, quiet = engine_race()
    assert not same(race.tracks[0].losses, quiet.tracks[0].losses)
    # with --config, --noise overrides the file's noise (as --steps and --seed do)
    rc, _, _ = cli(capsys, "run", "--config", tmp_path / "n.json", "--noise", "0", "--out", tmp_path / "q.json")
    assert rc == 0 and json.loads((tmp_path / "q.json").read_text())["noise"] == 0.0
    rc, out, _ = cli(capsys, "run", "--config", tmp_path / "n.json")
    assert rc == 0 and "gradient noise 0.5" in out
    for bad, message in (("-1", "--noise must be >= 0"), ("nan", "not a finite number"), ("x", "not a number")):
        rc, out, err = cli(capsys, *RACE, "--noise", bad, "--out", tmp_path / "bad.json")
        assert rc == 2 and message in err and err.count("\n") == 1, err
        assert not (tmp_path / "bad.json").exists()
