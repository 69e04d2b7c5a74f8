"""The headless command line: ``python main.py SUBCOMMAND ...``. Imports no Qt.

Each subcommand is a module listed in COMMANDS that defines

    NAME = "run"                          # the word typed after main.py
    def add_parser(subparsers) -> argparse.ArgumentParser    # subparsers.add_parser(NAME, ...), its options
    def run(args) -> int                  # the work; raise LabError for bad input

To add one, write ``lab/cli/<module>.py`` and append its module name to COMMANDS. Options that take a value
automatically accept a negative number after a space (``--start -1.5,2``).

Exit statuses: 0 done (a race in which racers diverge is a result: 0); 2 bad input (one ``error: ...`` line
on stderr, nothing written); 1 an internal error (a bug: one ``error: internal error: ...`` line); 128 + the
signal's number when stopped by SIGINT (130), SIGHUP (129) or SIGTERM (143): all three are treated alike, as an
exception raised where the program is, so a file being written is never left half-done (its temporary is
removed, the previous file stays as it was).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys

from lab.errors import LabError

COMMANDS = ("lab.cli.objectives", "lab.cli.optimizers", "lab.cli.evaluate", "lab.cli.run", "lab.cli.basin",
            "lab.cli.sweep", "lab.cli.explain", "lab.cli.lessons", "lab.cli.phase", "lab.cli.tune",
            "lab.cli.animate")

PROG = "python main.py"


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is (like KeyboardInterrupt for SIGINT), so that every
    ``finally`` and cleanup on the way out runs: an export's temporary file is removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):  # noqa: ARG001 - the signal module's signature
    for name in ("SIGTERM", "SIGHUP"):  # a second signal must not interrupt the cleanup the first started
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_as_exceptions():
    """SIGTERM and SIGHUP raise Terminated while the subcommand runs (the previous handlers back after)."""
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {}
    try:
        for name in names:
            number = getattr(signal, name)
            previous[number] = signal.signal(number, _raise_terminated)
    except ValueError:  # not the main thread (main() called from a worker): signals stay as they are
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def deferred_signals():
    """``with deferred_signals() as check:`` SIGINT, SIGTERM and SIGHUP are only noted while the block runs;
    ``check()`` raises KeyboardInterrupt (SIGINT) or Terminated for the first one noted. For work that spends its
    time in callbacks from C++ (Qt painting the window's views): an exception raised inside one is caught and
    printed by the binding, and the work would go on; so call ``check()`` where the program is in its own code.
    Leaving the block checks once more. (Not the main thread: signals stay as they are.)"""
    noted: list[int] = []
    previous = {}

    def note(signum, frame):  # noqa: ARG001 - the signal module's signature
        noted.append(signum)

    def check() -> None:
        if noted:
            raise KeyboardInterrupt if noted[0] == signal.SIGINT else Terminated(noted[0])

    try:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                number = getattr(signal, name)
                previous[number] = signal.signal(number, note)
    except ValueError:  # not the main thread
        pass
    try:
        yield check
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    check()


class UsageError(Exception):
    """argparse's own complaint (unknown option, missing argument): exit 2 like a LabError."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of printing the usage and exiting."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> Parser:
    """The top-level parser with every subcommand in COMMANDS."""
    parser = Parser(prog=PROG, description="Optimizer Lab, headless. Without a subcommand, main.py opens the window.",
                    epilog="Exit status: 0 done, 2 bad input (one 'error:' line on stderr), 1 internal error.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(name)
        module.add_parser(sub).set_defaults(_run=module.run)
    return parser


def _value_options(parser: argparse.ArgumentParser) -> set[str]:
    """The long option strings that take a value, in ``parser`` and its subparsers."""
    out: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for p in action.choices.values():
                out |= _value_options(p)
        elif action.option_strings and action.nargs != 0:
            out.update(s for s in action.option_strings if s.startswith("--"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit status. Never raises (except SystemExit from --help, handled here)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_stdout()
    try:
        with _signals_as_exceptions():
            parser = build_parser()
            args = parser.parse_args(join_negative(argv, parser))
            import numpy as np

            with np.errstate(all="ignore"):  # inf and nan are printed as results, never as RuntimeWarnings
                return int(args._run(args) or 0)
    except (LabError, UsageError) as exc:
        _error(str(exc))
        return 2
    except SystemExit as exc:  # --help, --version: argparse has printed what was asked
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        _error("interrupted")
        return 128 + signal.SIGINT
    except Terminated as exc:
        _error(f"stopped by {signal.Signals(exc.signum).name}")
        return 128 + exc.signum
    except BrokenPipeError:  # e.g. `... | head`: the reader has gone, nothing more to say
        _silence_stdout()
        return 1
    except Exception as exc:  # a bug: one line, not a traceback
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _error(f"internal error: {type(exc).__name__}" + (f": {text}" if text else ""))
        return 1


def join_negative(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    from lab.cli.common import join_negative_values

    return join_negative_values(argv, _value_options(parser))


def _error(message: str) -> None:
    one_line = " ".join(message.split())
    print(f"error: {one_line}", file=sys.stderr)


def _tolerant_stdout() -> None:
    """Print names like 'ρ' even on a console that cannot show them (as a backslash escape, not a crash)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


__all__ = ["COMMANDS", "Terminated", "build_parser", "deferred_signals", "main"]
