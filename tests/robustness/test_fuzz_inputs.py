"""Input fuzzing with hypothesis: random racer specs, command lines and experiment files.

The contract (issue 3, issue 7): every input is either accepted and run (exit 0, nothing on stderr) or
refused with exit status 2 and exactly one ``error: ...`` line on stderr (nothing on stdout, nothing
written); never a traceback, never exit 1 (an internal error), never a floating-point warning.

Runs go through ``main.main(argv)`` in-process (fast), a few through a real ``python main.py``. The
examples are derandomized (the same ones on every run, so CI is reproducible); set ROBUSTNESS_RANDOM=1 to
explore new ones and ROBUSTNESS_EXAMPLES=N for more. Step counts are kept small (or absurd, which is
refused at once); the ``basin`` and ``sweep`` subcommands are not fuzzed here (their runs are grids of
races, too slow for random input; lab/cli/basin.py and lab/cli/sweep.py have their own tests).
"""
import copy
import io
import json
import os
import subprocess
import sys
import time
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

import main as entry
from lab.cli.common import MAX_STEPS
from lab.experiment import Experiment
from lab.export import export_race, racer_names, read_trajectories
from lab.objectives import OBJECTIVES
from lab.optimizers import OPTIMIZERS
from lab.race import RacerSpec

ROOT = Path(entry.__file__).resolve().parent
FUZZ = settings(max_examples=int(os.environ.get("ROBUSTNESS_EXAMPLES", "100")), deadline=None,
                derandomize=not os.environ.get("ROBUSTNESS_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

OBJECTIVE_NAMES = sorted(OBJECTIVES)
OPTIMIZER_NAMES = sorted(OPTIMIZERS)
HYPER_NAMES = sorted({p.name for s in OPTIMIZERS.values() for p in s.params})
PARAM_NAMES = sorted({p.name for s in OBJECTIVES.values() for p in s.params})
SUBCOMMANDS = ["run", "eval", "objectives", "optimizers"]  # basin, sweep: see the module docstring
RUN_OPTIONS = ["--objective", "--param", "--start", "--steps", "--seed", "--tol", "--bound", "--racer", "--config",
               "--out", "--at", "--json", "--help", "-h"]

# --- what a user might type ---------------------------------------------------------------------------------

junk = st.text(max_size=12)
words = st.sampled_from(["", " ", "-", "--", "=", ",", ":", "x", "true", "false", "yes", "none", "strong_wolfe",
                         "spiral", "epoch", "random", "é", "ρ", "\t", "\n", "a b", "'", '"', "\\", "%s", "{}"])
# numbers as typed: small (so that runs stay quick), awkward and absurd (refused at once)
numbers = st.one_of(
    st.integers(-5, 40).map(str),
    st.floats(-50, 50, allow_nan=False).map(repr),
    st.sampled_from(["0", "-0", "-0.0", "1e1", "1e-3", "-1e-300", "5e-324", "1e300", "-1e300", "1e400", "-1e400",
                     "nan", "-nan", "NaN", "inf", "-inf", "Infinity", "1e30", "1e8", "100000000", "10000001",
                     "9223372036854775808", "9" * 30, "1_0", "0x10", "0b1", "٣", " 7 ", "+3", "1.", ".5", "-.5",
                     "1e", "e1", "--1", "2.5e-1"]),
)
coordinates = st.one_of(st.lists(numbers, max_size=4).map(",".join), st.sampled_from(["-1.5,2", "1,1", "0,0",
                                                                                   "-2.8,3.1", "1e5,-1e5"]))
expressions = st.sampled_from(["x**2 + 10*y**2", "sin(x)*cos(y)", "x/y", "log(x)", "sqrt(x) + y", "exp(x*100)",
                               "1/0", "x**y", "abs(x) + y**2", "", "x +", "__import__('os')", "y", "3", "x*x*x",
                               "(x-1)**2 + 100*(y-x**2)**2", "tan(x)", "atan2(y, x)", "z", "x" * 300])
values = st.one_of(numbers, words, expressions, junk)
assignment = st.one_of(st.tuples(st.sampled_from(PARAM_NAMES + HYPER_NAMES + ["label", "nope", "", " lr"]), values)
                       .map("=".join), junk)


@st.composite
def racer_specs(draw):
    """``optimizer[:k=v,...]`` as a user might type it, right or wrong."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=40))  # anything at all
    name = draw(st.one_of(st.sampled_from(OPTIMIZER_NAMES), st.sampled_from(["Adam", "adam ", "", "adamm"]), junk))
    items = draw(st.lists(st.one_of(
        st.tuples(st.sampled_from(HYPER_NAMES + ["label"]), values).map("=".join), assignment), max_size=4))
    sep = draw(st.sampled_from([":", ":", ":", ": ", "::", ";", ""]))
    return name + (sep + ",".join(items) if items or draw(st.booleans()) else "")


good_racer_specs = st.builds(
    lambda name, lr, label: f"{name}:lr={lr}" + (f",label={label}" if label else ""),
    st.sampled_from(OPTIMIZER_NAMES), st.sampled_from(["1e-3", "0.01", "0.1", "1", "10", "1e3", "1e300"]),
    st.text(alphabet=st.characters(blacklist_characters=",\x00", blacklist_categories=("Cs",)), max_size=8))


# --- running the command line and checking the contract -----------------------------------------------------


def cli(argv):
    """main.main(argv) in-process: (exit status, stdout, stderr, warnings raised)."""
    assert argv and not argv[0].startswith("--")  # else main.py would open the window
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(out), redirect_stderr(err):
        warnings.simplefilter("always")
        rc = entry.main(list(argv))
    return rc, out.getvalue(), err.getvalue(), [f"{w.category.__name__}: {w.message}" for w in caught]


def check_contract(argv, rc, out, err, caught=()):
    shown = f"argv={argv!r}\nrc={rc}\nstderr={err!r}"
    assert "Traceback" not in err and "internal error" not in err, shown
    assert rc in (0, 2), shown
    assert list(caught) == [], f"{shown}\nwarnings={caught}"
    if rc == 2:
        assert out == "" and err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, shown
    else:
        assert err == "", shown


def listing(folder: Path):
    return sorted(p.name for p in folder.rglob("*"))


def run_and_check(argv, folder: Path | None = None):
    before = listing(folder) if folder else None
    rc, out, err, caught = cli(argv)
    check_contract(argv, rc, out, err, caught)
    if currently_in_test_context():  # the share of each outcome: pytest --hypothesis-show-statistics
        event("accepted (exit 0)" if rc == 0 else "refused (exit 2)")
    if folder is not None:
        after = listing(folder)
        assert not [n for n in after if n.startswith(".")], after  # never a temporary left behind
        if rc == 2:
            assert after == before, (argv, err)  # refused: nothing written
    return rc, out, err


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A folder with the files command lines may name: a good experiment, broken ones, an output folder."""
    d = tmp_path_factory.mktemp("fuzz")
    Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("adam", {"lr": 0.05}), RacerSpec("lbfgs")], steps=5).save(
        d / "good.json")
    (d / "corrupt.json").write_text('{"objective": "rosenbrock", "start": [1, ')
    (d / "huge.json").write_text(json.dumps(dict(json.loads((d / "good.json").read_text()), steps=10**8)))
    (d / "folder.json").mkdir()
    (d / "out").mkdir()
    return d


def paths(work):
    return st.sampled_from([str(work / n) for n in ("good.json", "corrupt.json", "huge.json", "folder.json",
                                                      "missing.json", "out/o.csv", "out/o.npz", "out/o.json",
                                                      "out/o.txt", "out/none/o.csv", "out", "good.json/o.csv")])


# --- racer specs --------------------------------------------------------------------------------------------


@FUZZ
@given(specs=st.lists(st.one_of(racer_specs(), good_racer_specs), min_size=1, max_size=3))
def test_fuzz_random_racer_specs_are_run_or_refused_in_one_line(specs):
    argv = ["run", "--objective", "quadratic", "--steps", "5"]
    for s in specs:
        argv += ["--racer", s]
    rc, out, err = run_and_check(argv)
    if rc == 0:
        assert out.count("\n") == 2 + len(specs)  # the headline, the table's header, one row per racer


@FUZZ
@given(spec=good_racer_specs)
def test_fuzz_well_formed_racer_specs_are_accepted(spec):
    """Every optimizer with any allowed lr, even one far past stability, and any label: exit 0."""
    rc, out, err = run_and_check(["run", "--objective", "rosenbrock", "--steps", "4", "--racer", spec])
    assert rc == 0, err


# --- command lines ------------------------------------------------------------------------------------------


@st.composite
def run_command_lines(draw, work):
    """``run --objective NAME --racer SPEC`` plus random options with random values, in random order."""
    argv = ["run"]
    chunks = [["--objective", draw(st.one_of(st.sampled_from(OBJECTIVE_NAMES), junk))],
              ["--racer", draw(st.one_of(good_racer_specs, racer_specs()))]]
    option_values = {
        "--param": st.one_of(st.tuples(st.sampled_from(PARAM_NAMES), values).map("=".join), assignment),
        "--start": coordinates, "--steps": st.one_of(st.integers(0, 30).map(str), numbers),
        "--seed": numbers, "--tol": numbers, "--bound": numbers, "--racer": st.one_of(good_racer_specs, racer_specs()),
        "--out": paths(work), "--config": paths(work),
    }
    for opt in draw(st.lists(st.sampled_from(sorted(option_values)), max_size=5)):
        chunks.append([opt, draw(option_values[opt])])
    if draw(st.integers(0, 4)) == 0:
        chunks.append([draw(st.sampled_from(RUN_OPTIONS + ["--bogus", "-x", "--"]))])
    for i in draw(st.permutations(range(len(chunks)))):
        joined = draw(st.booleans()) and len(chunks[i]) == 2 and chunks[i][0].startswith("--")
        argv += [f"{chunks[i][0]}={chunks[i][1]}"] if joined else chunks[i]
    return argv


@FUZZ
@given(data=st.data())
def test_fuzz_random_run_command_lines_are_run_or_refused_in_one_line(work, data):
    argv = data.draw(run_command_lines(work))
    run_and_check(argv, work / "out")


@FUZZ
@given(data=st.data())
def test_fuzz_token_soup_is_run_or_refused_in_one_line(work, data):
    """A subcommand (or junk) followed by tokens drawn from the real options, numbers, negative numbers,
    names, specs, paths and junk, in any order."""
    head = data.draw(st.one_of(st.sampled_from(SUBCOMMANDS), st.sampled_from(["frobnicate", "-x", "RUN", "-h"]),
                               junk.filter(lambda t: t and not t.startswith("--"))))
    token = st.one_of(st.sampled_from(RUN_OPTIONS), numbers, coordinates, st.sampled_from(OBJECTIVE_NAMES),
                      racer_specs(), assignment, paths(work), words, junk)
    argv = [head] + data.draw(st.lists(token, max_size=12))
    steps = [i for i, t in enumerate(argv[:-1]) if t == "--steps"]
    for i in steps:  # keep runs quick: a plausible-but-long step count becomes a short one
        if argv[i + 1].strip().isdigit() and 40 < int(argv[i + 1]) <= MAX_STEPS:
            argv[i + 1] = "40"
    run_and_check(argv, work / "out")


extreme_points = st.lists(st.one_of(st.sampled_from(["0", "-0.0", "5e-324", "1e-300", "1e154", "-1e154", "1e300",
                                                      "-1e300", "1.7976931348623157e308", "-2.8", "3.1"]),
                                    st.floats(-10, 10).map(repr)), min_size=2, max_size=2).map(",".join)


@FUZZ
@given(name=st.sampled_from(OBJECTIVE_NAMES), at=st.one_of(extreme_points, coordinates),
       params=st.lists(st.tuples(st.sampled_from(PARAM_NAMES), values).map("=".join), max_size=2),
       as_json=st.booleans())
def test_fuzz_eval_at_extreme_points_is_run_or_refused_in_one_line(name, at, params, as_json):
    """Values, gradients and Hessians that overflow are printed as inf/nan, never with a RuntimeWarning."""
    argv = ["eval", "--objective", name, "--at", at] + [t for p in params for t in ("--param", p)]
    rc, out, _ = run_and_check(argv + (["--json"] if as_json else []))
    if rc == 0 and as_json:
        json.loads(out, parse_constant=lambda c: pytest.fail(f"bare {c} in the JSON"))


# --- experiment files ---------------------------------------------------------------------------------------

REAL_KEYS = ["objective", "params", "start", "seed", "steps", "tol", "bound", "noise", "format_version", "racers",
             "optimizer", "hyperparameters", "label", "color", "enabled"] + PARAM_NAMES + HYPER_NAMES
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 60),
    st.sampled_from([2**63, -(2**63), 10**8, MAX_STEPS + 1, 10**30, 10**400]),
    st.floats(-100, 100, allow_nan=False), st.sampled_from([1e300, -1e300, 5e-324, -0.0, 1e-300]),
    st.text(max_size=10), st.sampled_from(OBJECTIVE_NAMES + OPTIMIZER_NAMES))
json_values = st.recursive(json_scalars, lambda c: st.one_of(
    st.lists(c, max_size=4), st.dictionaries(st.one_of(st.sampled_from(REAL_KEYS), st.text(max_size=6)), c,
                                             max_size=5)), max_leaves=24)


def base_document() -> dict:
    racers = [RacerSpec("adam", {"lr": 0.05, "amsgrad": True}, "Adam", "#1f77b4"),
              RacerSpec("lbfgs", {"history_size": 3, "line_search": "strong_wolfe"}),
              RacerSpec("newton", {"damping": 0.1}), RacerSpec("momentum", {"lr": 1e-3, "rho": 0.9}, "heavy ball"),
              RacerSpec("sgd", {"lr": 1.0}, "off", enabled=False)]
    return Experiment("rosenbrock", [-1.5, 2.0], racers, {"b": 100.0}, seed=4, steps=6).to_dict()


def all_paths(doc, prefix=()):
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in list(items):
        yield prefix + (k,)
        yield from all_paths(v, prefix + (k,))


@st.composite
def mutated_documents(draw):
    """The valid experiment with 1–3 structural mutations, then maybe a textual one."""
    doc = base_document()
    for _ in range(draw(st.integers(1, 3))):
        where = list(all_paths(doc))
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "wrap", "duplicate", "add key"]))
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "delete":
            parent.pop(key)
        elif op == "wrap":
            parent[key] = [parent[key]]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(REAL_KEYS))] = draw(json_values)
    text = json.dumps(doc)
    cut = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "delete char"]))
    if cut != "none" and text:
        i = draw(st.integers(0, len(text) - 1))
        text = {"truncate": text[:i], "insert": text[:i] + draw(st.sampled_from(list(",:[]{}\"0-e") + ["NaN"]))
                + text[i:], "delete char": text[:i] + text[i + 1:]}[cut]
    return text


def check_config(work, text: str, extra=()):
    path = work / "fuzzed.json"
    path.write_text(text, encoding="utf-8")
    return run_and_check(["run", "--config", str(path), *extra], work / "out")


@FUZZ
@given(doc=st.one_of(json_values, st.dictionaries(st.sampled_from(REAL_KEYS), json_values, max_size=10)))
def test_fuzz_random_json_experiment_files_are_run_or_refused_in_one_line(work, doc):
    check_config(work, json.dumps(doc))


@FUZZ
@given(text=mutated_documents(), out=st.sampled_from(["", "o.csv", "o.npz", "o.json"]))
def test_fuzz_mutated_experiment_files_are_run_or_refused_in_one_line(work, text, out):
    extra = ["--out", str(work / "out" / out)] if out else []
    rc, _, _ = check_config(work, text, extra)
    if rc == 0 and out:
        assert (work / "out" / out).exists()


def test_fuzz_the_unmutated_base_document_runs(work):
    """The mutations start from a file that is accepted (so what the fuzzer refuses, the mutation broke)."""
    assert check_config(work, json.dumps(base_document()))[0] == 0


# --- labels -------------------------------------------------------------------------------------------------


@FUZZ
@given(labels=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20), min_size=1,
                       max_size=3))
def test_fuzz_random_labels_round_trip_through_every_format(work, labels):
    """Any text as a label (line breaks, quotes, commas, NUL, emoji) reads back from CSV, NPZ and JSON as the
    name the race gave it. NumPy's text arrays drop trailing NUL characters, so an NPZ label loses those."""
    exp = Experiment("quadratic", [1.0, 1.0], [RacerSpec("sgd", {"lr": 0.1}, label) for label in labels], steps=2)
    race = exp.build_race().run()
    names = racer_names(race.tracks)
    for ending in (".csv", ".npz", ".json"):
        back = read_trajectories(export_race(work / "out" / f"labels{ending}", exp, race))
        assert [t.label for t in back] == [n.rstrip("\x00") if ending == ".npz" else n for n in names]


# --- absurd step counts and seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("steps", ["100000000", "10000001", "1e8", "1e400", str(10**30)])
def test_fault_absurd_step_count_is_refused_at_once(steps):
    argv = ["run", "--objective", "rosenbrock", "--steps", steps] + ["--racer", "adam"] * 20
    t0 = time.perf_counter()
    rc, out, err = run_and_check(argv)
    assert rc == 2 and time.perf_counter() - t0 < 1.0
    assert err in (f"error: --steps must be a whole number from 0 to {MAX_STEPS}, got '{steps}'\n",
                   f"error: --steps must be a whole number >= 0, got '{steps}'\n")  # 1e400: not a finite number


def test_fault_absurd_step_count_in_an_experiment_file_is_refused_unless_overridden(work):
    rc, out, err = run_and_check(["run", "--config", str(work / "huge.json")])
    assert rc == 2 and f"huge.json: steps must be at most {MAX_STEPS}, got 100000000" in err
    rc, out, err = run_and_check(["run", "--config", str(work / "huge.json"), "--steps", "3"])
    assert rc == 0 and "3 steps" in out


def test_fault_step_count_at_the_limit_is_accepted():
    """MAX_STEPS itself is allowed (checked without running it: the race is stopped before it starts)."""
    from lab.cli import build_parser
    from lab.cli.run import experiment_from_args

    args = build_parser().parse_args(["run", "--objective", "quadratic", "--racer", "sgd", "--steps", str(MAX_STEPS)])
    assert experiment_from_args(args).steps == MAX_STEPS


def test_fault_huge_seed_is_read_exactly_or_refused(work):
    out = work / "out" / "seed.json"
    rc, _, err = run_and_check(["run", "--objective", "quadratic", "--racer", "sgd", "--steps", "2", "--seed",
                                "9007199254740993", "--out", str(out)])
    assert rc == 0 and json.loads(out.read_text())["seed"] == 9007199254740993  # not rounded through a float
    assert run_and_check(["run", "--config", str(out)])[0] == 0  # and the written file re-runs
    for seed in ("9223372036854775808", "1e30", "1e400"):
        rc, _, err = run_and_check(["run", "--objective", "quadratic", "--racer", "sgd", "--seed", seed])
        assert rc == 2 and "--seed must be a whole number" in err


# --- a few through the real process -------------------------------------------------------------------------


def python_main(argv, cwd):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=dict(os.environ, PYTHONWARNINGS="default"))


@settings(FUZZ, max_examples=4)
@given(data=st.data())
def test_fuzz_command_lines_through_a_real_process(work, data):
    argv = data.draw(run_command_lines(work)).copy()
    argv = [a.replace("\x00", "") for a in argv]  # a real argv cannot hold a NUL byte
    done = python_main(argv, work)
    check_contract(argv, done.returncode, done.stdout, done.stderr)


@pytest.mark.parametrize("argv", [
    ["run", "--objective", "rosenbrock", "--start", "-1.5,2", "--steps", "20", "--racer", "sgd:lr=1e300",
     "--racer", "lbfgs:lr=1e300", "--racer", "adam:lr=1e3,label=ρ é \"quoted\""],
    ["run", "--objective", "monkey_saddle", "--start", "1e5,-1e5", "--steps", "50", "--bound", "1e300", "--racer",
     "newton", "--racer", "momentum:lr=1e3"],
    ["run", "--objective", "quadratic", "--racer", "adam:lr=\x7f", "--steps", "-3"],
    ["run", "--objective", "quadratic", "--racer", "sgd", "--steps", "100000000"],
    ["eval", "--objective", "rosenbrock", "--at", "1e300,-1e300", "--json"],
    ["eval", "--objective", "rosenbrock", "--at", "5e-324,1e300"],
], ids=["huge-lr", "overflow-saddle", "junk-spec", "absurd-steps", "eval-overflow-json", "eval-overflow-table"])
def test_fault_inputs_through_a_real_process_print_no_warning_and_no_traceback(work, argv):
    done = python_main(argv, work)
    check_contract(argv, done.returncode, done.stdout, done.stderr)
