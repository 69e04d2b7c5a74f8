"""``explain --config E.json --racer I --step K [--json]``: one update of one racer, with its numbers.

I is the racer's 0-based index among the experiment's enabled racers (the order ``run --out`` writes them), K ≥ 1
the update that moves step K−1's point to step K's. The race is run up to step K (the same race as ``run
--config E.json``: x_before and x_after are the trajectory's rows K−1 and K, bit for bit), the optimizer's state
before and after comes from ``Race.state_at`` and the lines from ``lab.explain``.
"""
from __future__ import annotations

from lab.cli.common import print_json
from lab.errors import LabError
from lab.files import shown

NAME = "explain"


def add_parser(subparsers):
    p = subparsers.add_parser(
        NAME, help="one update of one racer, in the lecture's notation with its numbers",
        description="Run the experiment up to step K and explain racer I's update K (x_(K-1) -> x_K): the "
                    "gradient it used (after noise and clipping), the learning rate, the optimizer's state before "
                    "and after, by the names its rule gives them, and the step.",
        epilog="A racer index or step outside the race is exit 2 with one line naming the allowed range.")
    p.add_argument("--config", required=True, metavar="EXPERIMENT.json", help="the experiment file")
    p.add_argument("--racer", required=True, metavar="I",
                   help="the racer's 0-based index among the enabled racers, in the file's order")
    p.add_argument("--step", required=True, metavar="K", help="the update to explain: 1 is the first step")
    p.add_argument("--json", action="store_true",
                   help="one JSON object with keys optimizer, step, x_before, grad, lr, state_before, state_after, "
                        "update, x_after (non-finite numbers as \"nan\", \"inf\", \"-inf\")")
    return p


def _whole(text: str) -> int | None:
    """``text`` as an int if it is a whole number written in digits (or as 3.0, 1e2), else None."""
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        try:
            number = float(t)
        except ValueError:
            return None
        return int(number) if number == number and abs(number) < 2**63 and number == int(number) else None


def run(args) -> int:
    from lab.experiment import Experiment
    from lab.explain import KEYS, explain_step
    from lab.limits import MAX_STEPS

    exp = Experiment.load(args.config)
    if exp.steps > MAX_STEPS:
        raise LabError(f"{shown(args.config)}: steps must be at most {MAX_STEPS}, got {exp.steps} (MAX_STEPS)")
    enabled = [r for r in exp.racers if r.enabled]
    if not enabled:
        raise LabError(f"{shown(args.config)}: no enabled racers, nothing to explain")
    i = _whole(args.racer)
    if i is None or not 0 <= i < len(enabled):
        raise LabError(f"--racer must be a whole number from 0 to {len(enabled) - 1} (the experiment's "
                       f"{len(enabled)} enabled racer{'' if len(enabled) == 1 else 's'}), got {args.racer.strip()!r}")
    k = _whole(args.step)
    race = exp.build_race()
    race.step(min(k, exp.steps) if k is not None and k >= 1 else 0)
    tr = race.tracks[i]
    if k is None or not 1 <= k <= tr.steps:
        if tr.running:  # where it stops is not known yet: run on
            race.run()
        if tr.steps < 1:
            raise LabError(f"--step: racer {i} ({tr.spec.name}) took no step ({tr.describe_status()}): nothing to "
                           f"explain, got {args.step.strip()!r}")
        raise LabError(f"--step must be a whole number from 1 to {tr.steps} (racer {i}, {tr.spec.name}: "
                       f"{tr.describe_status()}), got {args.step.strip()!r}")
    report = explain_step(race, i, k)
    if args.json:
        print_json({key: report[key] for key in KEYS})
        return 0
    print(f"racer {i} ({tr.spec.name}, {report['optimizer']}), update {k}: x_{k - 1} → x_{k}")
    for line in report["lines"]:
        print("  " + line)
    return 0
