"""Every subcommand's options fuzzed from its own parser (issue 21: each new surface fuzzed).

For each subcommand in lab.cli.COMMANDS except those fuzzed in test_fuzz_inputs.py (run, eval, objectives,
optimizers) and ``animate`` (it renders video through Qt: tests/gui and its own tests), hypothesis draws command lines
from the options the subcommand's argparse parser declares — so a subcommand added later is fuzzed without editing
this file — each option given a value from a pool of right, awkward and absurd values (kept small where a valid value
means work: steps, grids, sizes, counts), plus files that are hostile (a FIFO, /dev/zero, a folder, a missing file,
junk). The contract is test_fuzz_inputs.py's: exit 0, or exit 2 with exactly one ``error:`` line and nothing written;
never a traceback, never exit 1, never a warning, never a temporary left behind.
"""
import argparse
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.cli import COMMANDS, build_parser
from lab.experiment import Experiment
from lab.race import RacerSpec
from tests.robustness.test_fuzz_inputs import FUZZ, listing, run_and_check

SKIPPED = {"run", "eval", "objectives", "optimizers", "animate"}
# values that mean work, kept small (or absurd: refused at once)
SMALL = ["0", "1", "2", "3", "5", "-1", "2.5", "1e9", "nan", "inf", "", "x", "99999999999999999999"]
NUMBER = ["0", "1", "-1", "0.5", "1e-3", "10", "1e300", "-1e300", "nan", "inf", "-inf", "", "x", "1,2", "٣", " 2 "]
POINT = ["1,1", "-1.5,2", "0,0", "1", "1,2,3", "nan,1", "inf,0", "", "a,b", "1e400,0", "-2.8,3.1"]
WORK_OPTIONS = ("--steps", "--grid", "--num", "--size", "--seeds", "--starts", "--frames", "--workers", "--page",
                "--racer-index", "--step", "--racer")


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(name for name in sub.choices if name not in SKIPPED)


def options_of(name: str) -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.option_strings[-1]: a for a in sub.choices[name]._actions
            if a.option_strings and not set(a.option_strings) & {"-h", "--help"}}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("commands")
    good = d / "good.json"
    Experiment("rosenbrock", [-1.5, 2.0], [RacerSpec("adam", {"lr": 0.05}), RacerSpec("momentum", {"lr": 1e-3})],
               steps=5).save(good)
    (d / "junk.json").write_bytes(b"\x00\xffjunk")
    (d / "dir").mkdir()
    fifo = d / "fifo.json"
    os.mkfifo(fifo)
    out = d / "out"
    out.mkdir()
    return {"good": str(good), "inputs": [str(good), str(d / "junk.json"), str(d / "dir"), str(fifo), "/dev/zero",
                                          str(d / "missing.json"), ""],
            "outputs": [str(out / n) for n in ("o.npz", "o.csv", "o.json", "o.txt", "o.png", "o.gif")]
            + [str(fifo), "/dev/null", str(d / "no" / "such" / "o.npz"), str(d / "dir")], "out": out}


def values_for(option: str, action: argparse.Action, files) -> st.SearchStrategy:
    if action.nargs == 0:
        return st.just(None)
    if action.choices:
        return st.sampled_from(list(action.choices) + ["", "nope"])
    if option in ("--config", "--lesson-file", "--data"):
        return st.sampled_from(files["inputs"])
    if option == "--out":
        return st.sampled_from(files["outputs"])
    if option in WORK_OPTIONS:
        return st.sampled_from(SMALL)
    if option in ("--start", "--at"):
        return st.sampled_from(POINT)
    if option == "--objective":
        return st.sampled_from(["quadratic", "rosenbrock", "himmelblau", "saddle", "nope", "", "mlp"])
    if option in ("--optimizer", "--racer"):
        return st.sampled_from(["sgd", "momentum", "adam:lr=0.1", "nesterov:rho=0.5", "lbfgs", "sgd:lr=-1", "nope",
                                "", "adam:beta1=2", "momentum:rho=nan"])
    if option == "--param":
        return st.sampled_from(["kappa=50", "kappa=0", "kappa=nan", "a=1", "x", "", "kappa=1e300"])
    if option == "--workers":  # one process, or refused: spawning pools is tests/test_blocks.py's
        return st.sampled_from(["1", "0", "-1", "2.5", "x", "", "1e9", "257"])
    if option == "--scheduler":
        return st.sampled_from(["", "two words", "\x00"])  # never a real address: no waiting in a fuzz test
    if option in ("--lesson", "--timeline", "--view", "--metric"):
        return st.sampled_from(["", "nope", "linear", "log", "final_loss", "01_gradient_check"])
    return st.sampled_from(NUMBER)


@pytest.mark.parametrize("name", commands())
def test_every_new_subcommand_keeps_the_contract(name, files):
    opts = options_of(name)
    required = [o for o, a in opts.items() if a.required]

    @settings(FUZZ, max_examples=min(FUZZ.max_examples, int(os.environ.get("ROBUSTNESS_COMMAND_EXAMPLES", "40"))))
    @given(st.data())
    def check(data):
        chosen = set(required) | set(data.draw(st.lists(st.sampled_from(sorted(opts)), max_size=5), label="options"))
        argv = [name]
        if "--config" in opts and data.draw(st.booleans(), label="good config"):
            argv += ["--config", files["good"]]
            chosen.discard("--config")
        for option in sorted(chosen):
            if "--config" in argv and option in ("--objective", "--param", "--racer"):
                continue
            value = data.draw(values_for(option, opts[option], files), label=option)
            argv += [option] if value is None else [option, value]
        if "--scheduler" in argv and "--workers" not in argv:
            return  # a well-formed address is tried for real elsewhere (tests/test_blocks.py)
        run_and_check(argv, files["out"])

    check()


def test_every_subcommand_is_fuzzed_here_or_in_test_fuzz_inputs():
    names = {m.rsplit(".", 1)[1] for m in COMMANDS}
    assert {"basin", "sweep"} <= set(commands())
    assert set(commands()) | (SKIPPED & names) | {"evaluate"} >= names - {"objectives", "optimizers"}
