"""Fuzzing the pieces every first-order optimizer takes (issue 21): the schedule and clipping hyperparameters of
lab/optimizers/pieces.py (schedule, step_size, gamma, t_max, lr_min, warmup, clip_norm, clip_value), through
``--racer SPEC`` and through experiment files.

The contract is the one of test_fuzz_inputs.py: exit 0 with nothing on stderr, or exit 2 with exactly one
``error: ...`` line and nothing written; never a traceback, never exit 1, never a warning. The examples are
derandomized (ROBUSTNESS_RANDOM=1 explores new ones, ROBUSTNESS_EXAMPLES=N sets how many).
"""
import io
import json
import math
import os
import warnings
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

import main as entry
from lab.optimizers import OPTIMIZERS
from lab.optimizers.pieces import PARAMS as PIECES, SCHEDULES

FUZZ = settings(max_examples=int(os.environ.get("ROBUSTNESS_EXAMPLES", "120")), deadline=None,
                derandomize=not os.environ.get("ROBUSTNESS_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

PIECE_NAMES = [p.name for p in PIECES]
FIRST_ORDER = sorted(n for n, s in OPTIMIZERS.items() if {p.name for p in s.params} >= set(PIECE_NAMES))
OTHERS = sorted(set(OPTIMIZERS) - set(FIRST_ORDER))  # newton, lbfgs, ...: the pieces are unknown names there
# the float fast path, the batched NumPy path (a data objective) and a typed-in formula
OBJECTIVES = ["quadratic", "rosenbrock", "logistic_regression", "custom"]


def test_every_first_order_optimizer_takes_every_piece():
    assert PIECE_NAMES == ["schedule", "step_size", "gamma", "t_max", "lr_min", "warmup", "clip_norm", "clip_value"]
    assert FIRST_ORDER == sorted(["adadelta", "adagrad", "adam", "adamax", "adamw", "lion", "momentum", "nadam",
                                  "nesterov", "qhm", "radam", "rmsprop", "sgd"])


# --- values as typed ---------------------------------------------------------------------------------------------

typed_numbers = st.one_of(
    st.integers(-3, 3000).map(str), st.floats(-10, 10, allow_nan=False).map(repr),
    st.sampled_from(["0", "-0", "1", "0.5", "0.999999999", "1.0000001", "1e-300", "5e-324", "1e300", "1e308",
                     "1e400", "-1e400", "nan", "inf", "-inf", "1e8", "10000001", "9223372036854775808", "9" * 40,
                     "2.5", "1.", ".5", "1e", "", " ", "none", "None", "off", "true", "false", "0x10", "1_0",
                     "٣", "+3"]))
schedules = st.one_of(st.sampled_from(SCHEDULES), st.sampled_from(["Cosine", "cosine ", "", "linear", "none",
                                                                    "warmup-cosine", "1", "step,gamma"]),
                      st.text(max_size=8))
piece_values = {name: (schedules if name == "schedule" else typed_numbers) for name in PIECE_NAMES}


@st.composite
def piece_specs(draw, names=FIRST_ORDER):
    """``optimizer:lr=..,<pieces>`` with random values for a random subset of the pieces."""
    name = draw(st.sampled_from(names))
    items = [f"lr={draw(st.sampled_from(['1e-3', '0.05', '0.5', '10', '1e300']))}"]
    for piece in draw(st.lists(st.sampled_from(PIECE_NAMES), unique=True, max_size=len(PIECE_NAMES))):
        items.append(f"{piece}={draw(piece_values[piece])}")
    return name + ":" + ",".join(draw(st.permutations(items)))


# --- running the command line and checking the contract ----------------------------------------------------------


def cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stdout(out), redirect_stderr(err):
        warnings.simplefilter("always")
        rc = entry.main(list(argv))
    return rc, out.getvalue(), err.getvalue(), [f"{w.category.__name__}: {w.message}" for w in caught]


def run_and_check(argv, folder=None):
    before = sorted(p.name for p in folder.iterdir()) if folder else None
    rc, out, err, caught = cli(argv)
    shown = f"argv={argv!r}\nrc={rc}\nstderr={err!r}"
    assert "Traceback" not in err and "internal error" not in err, shown
    assert rc in (0, 2) and caught == [], f"{shown}\nwarnings={caught}"
    if rc == 2:
        assert out == "" and err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), shown
    else:
        assert err == "", shown
    if currently_in_test_context():  # the share of each outcome: pytest --hypothesis-show-statistics
        event("accepted (exit 0)" if rc == 0 else "refused (exit 2)")
    if folder is not None:
        after = sorted(p.name for p in folder.iterdir())
        assert not [n for n in after if n.startswith(".")], after  # no temporary left
        if rc == 2:
            assert after == before, shown  # refused: nothing written
    return rc, out, err


def objective_args(name):
    return ["--objective", name] + (["--param", "expr=x**2 + 3*sin(y)"] if name == "custom" else [])


# --- through --racer SPEC ------------------------------------------------------------------------------------------


@FUZZ
@given(specs=st.lists(piece_specs(), min_size=1, max_size=3), objective=st.sampled_from(OBJECTIVES),
       steps=st.sampled_from(["0", "1", "7", "30"]))
def test_fuzz_piece_hyperparameters_in_racer_specs_are_run_or_refused_in_one_line(specs, objective, steps):
    argv = ["run", *objective_args(objective), "--steps", steps]
    for s in specs:
        argv += ["--racer", s]
    rc, out, err = run_and_check(argv)
    if rc == 0:
        assert out.count("\n") == 2 + len(specs)  # the headline, the table's header, one row per racer
    else:
        assert "--racer" in err  # the refusal says which option


@FUZZ
@given(spec=piece_specs(OTHERS))
def test_fuzz_pieces_given_to_an_optimizer_without_them_are_refused(spec):
    """newton, lbfgs and the other second-order rules take no schedule: a piece is an unknown name there."""
    rc, out, err = run_and_check(["run", "--objective", "quadratic", "--steps", "3", "--racer", spec])
    if any(f"{p}=" in spec for p in PIECE_NAMES):
        assert rc == 2 and "--racer" in err


@st.composite
def valid_pieces(draw):
    """Pieces inside their ranges: every schedule, clipping on or off."""
    d = {"schedule": draw(st.sampled_from(SCHEDULES)), "step_size": draw(st.integers(1, 10**6)),
         "gamma": draw(st.floats(1e-300, 1.0, exclude_min=False)), "t_max": draw(st.integers(1, 10**6)),
         "lr_min": draw(st.floats(0.0, 0.05, exclude_max=True)),  # below lr
         "warmup": draw(st.integers(1, 10**6))}
    for clip in ("clip_norm", "clip_value"):
        if draw(st.booleans()):
            d[clip] = draw(st.floats(5e-324, 1e308))
    return d


@FUZZ
@given(name=st.sampled_from(FIRST_ORDER), pieces=valid_pieces(), objective=st.sampled_from(OBJECTIVES))
def test_fuzz_pieces_within_their_ranges_are_accepted_and_shown(name, pieces, objective):
    spec = f"{name}:lr=0.05," + ",".join(f"{k}={v!r}" if isinstance(v, float) else f"{k}={v}" for k, v in pieces.items())
    rc, out, err = run_and_check(["run", *objective_args(objective), "--steps", "12", "--racer", spec])
    assert rc == 0, err
    row = out.splitlines()[2]
    assert f"schedule={pieces['schedule']}" in row and f"{name}: lr=0.05" in row


# --- through experiment files --------------------------------------------------------------------------------------

json_piece_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5000), st.sampled_from([2**63, 10**30, 10**400, MAX := 10**8]),
    st.floats(-10, 10, allow_nan=False), st.sampled_from([1e300, -1e300, 5e-324, -0.0, 1e-300, 1.0000001, 0.9999]),
    st.text(max_size=8), st.sampled_from(list(SCHEDULES) + ["0.5", "100", "inf", "nan", "", "true"]),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from(PIECE_NAMES), st.integers(0, 3),
                                                             max_size=2))


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("pieces")
    (d / "out").mkdir()
    return d


@FUZZ
@given(racers=st.lists(st.fixed_dictionaries(
    {"optimizer": st.sampled_from(FIRST_ORDER + OTHERS[:1])},
    optional={"hyperparameters": st.dictionaries(st.sampled_from(PIECE_NAMES + ["lr"]), json_piece_values,
                                                 max_size=6)}), min_size=1, max_size=3),
       objective=st.sampled_from(OBJECTIVES), out=st.sampled_from(["", "o.csv", "o.npz", "o.json"]))
def test_fuzz_piece_hyperparameters_in_experiment_files_are_run_or_refused_in_one_line(work, racers, objective, out):
    doc = {"objective": objective, "start": [0.5, -0.5], "steps": 8, "racers": racers}
    if objective == "custom":
        doc["params"] = {"expr": "x**2 + 3*sin(y)"}
    path = work / "e.json"
    path.write_text(json.dumps(doc))
    extra = ["--out", str(work / "out" / out)] if out else []
    rc, _, err = run_and_check(["run", "--config", str(path), *extra], work / "out")
    if rc == 2:
        assert err.startswith(f"error: {path}: ")  # the file is named
    elif out:
        assert (work / "out" / out).exists()
    # what was accepted is what runs: a value written back reads back the same
    if rc == 0 and out == "o.json":
        written = json.loads((work / "out" / "o.json").read_text())
        for given, kept in zip(racers, written["racers"]):
            for k, v in given.get("hyperparameters", {}).items():
                if isinstance(v, float) and math.isfinite(v):
                    assert kept["hyperparameters"][k] == v


def test_fault_a_value_refused_only_together_with_another_names_the_racer():
    """Found by the fuzzing above: lr_min >= lr was refused when the race was built, without saying which
    --racer; the spec is now built as it is read."""
    rc, out, err, caught = cli(["run", "--objective", "quadratic", "--racer", "sgd:lr=0.1",
                                "--racer", "adagrad:lr=1e-3,lr_min=1,schedule=cosine"])
    assert (rc, out, caught) == (2, "", [])
    assert err == ("error: --racer 'adagrad:lr=1e-3,lr_min=1,schedule=cosine': optimizer 'adagrad' parameter "
                   "lr_min=1.0 is not allowed: expected a finite number, 0 <= lr_min < lr (lr=0.001)\n")
