"""``run``: race optimizers headless and print a leaderboard, or write the trajectories to a file.

    run --objective NAME [--param k=v ...] [--start X,Y] [--steps N] [--seed S] [--noise SCALE] [--tol T]
        [--bound B] --racer SPEC [--racer SPEC ...] [--out FILE]
    run --config EXPERIMENT.json [--steps N] [--seed S] [--noise SCALE] [--tol T] [--bound B] [--out FILE]

SPEC is ``optimizer[:k=v,k=v,...]``: the core's hyperparameter names, booleans true/false, and ``label=`` for
the name shown (it may hold spaces but not a comma, which separates the items). With --config the file sets the
objective, its parameters, the start and the racers; --steps, --seed, --noise, --tol and --bound, if given,
override the file's values (and the written experiment records the values used).
"""
from __future__ import annotations

import math

import numpy as np

from lab.cli.common import (MAX_SEED, MAX_STEPS, checked_values, fmt, fmt_point, parse_assignments, parse_number,
                            parse_numbers, parse_whole, table)
from lab.errors import LabError
from lab.files import shown
from lab.limits import MAX_RACERS

NAME = "run"
SPEC_HELP = ("optimizer[:k=v,k=v,...], e.g. adam:lr=0.01,amsgrad=true or 'momentum:lr=1e-3,rho=0.9,label=heavy ball' "
             "(a label cannot contain a comma); repeat for more racers")


def add_objective_options(p, required: bool = False) -> None:
    """--objective NAME and --param k=v (repeatable), shared with ``eval``."""
    p.add_argument("--objective", metavar="NAME", required=required,
                   help="the objective (see: python main.py objectives)")
    p.add_argument("--param", action="append", metavar="K=V",
                   help="an objective parameter, e.g. --param b=100; repeat for more")


def objective_params(args) -> tuple[str, dict]:
    """The objective's name and its given parameters, converted and checked (LabError names a bad one)."""
    from lab.objectives import objective_spec

    spec = objective_spec(args.objective)
    given = parse_assignments(args.param or [], "--param")
    return spec.name, checked_values(spec.params, given, f"objective {spec.name!r}")


def objective_from_args(args):
    from lab.objectives import make_objective

    name, params = objective_params(args)
    return make_objective(name, **params)


def add_parser(subparsers):
    p = subparsers.add_parser(
        NAME, help="race optimizers; print a leaderboard or write .csv/.npz/.json",
        description="Race optimizers from one start on one objective. Without --out: a leaderboard sorted by "
                    "final loss. With --out: the trajectories, in the format the ending picks (.csv, .npz, .json). "
                    "Either describe the race with --objective and --racer, or give an experiment file with "
                    "--config (then --steps, --seed, --noise, --tol, --bound override the file's values).",
        epilog="A race in which racers diverge is a result (exit 0); bad input is exit 2 with nothing written.")
    add_objective_options(p)
    p.add_argument("--start", metavar="X,Y", help="the start point (default: the objective's start), e.g. -1.5,2")
    p.add_argument("--steps", metavar="N", help=f"the most steps each racer takes (default 1000, at most {MAX_STEPS})")
    p.add_argument("--seed", metavar="S", help="the random seed, a whole number >= 0 (default 0)")
    p.add_argument("--noise", metavar="SCALE",
                   help="Gaussian noise of this scale added to every gradient, seeded by --seed, the same draw for "
                        "every racer at a step (a finite number >= 0; default 0)")
    p.add_argument("--tol", metavar="T", help="a racer converges when |gradient| < T (default 1e-8)")
    p.add_argument("--bound", metavar="B", help="a racer diverges when a coordinate's size passes B (default 1e6)")
    p.add_argument("--racer", action="append", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--config", metavar="EXPERIMENT.json", help="run the experiment in this file")
    p.add_argument("--out", metavar="FILE", help="write the trajectories to FILE.csv, FILE.npz or FILE.json")
    p.add_argument("--embed-data", action="store_true",
                   help="store the objective's data file (at most 10000 rows) inside the experiment that --out "
                        "FILE.json or FILE.npz records, so that it re-runs without the file")
    return p


def parse_racer(text: str):
    """A --racer SPEC as a RacerSpec, every hyperparameter converted and checked (LabError otherwise)."""
    from lab.engine.race import RacerSpec
    from lab.experiment import check_label
    from lab.optimizers import optimizer_spec

    where = f"--racer {text if len(text) <= 80 else text[:77] + '...'!r}"
    name, _, rest = text.partition(":")
    try:
        spec = optimizer_spec(name.strip())
        items = rest.split(",") if rest.strip() else []
        given = parse_assignments(items)
        label = given.pop("label", "")
        check_label(label)
        hyper = checked_values(spec.params, given, f"optimizer {spec.name!r}")
    except LabError as exc:
        raise LabError(f"{where}: {exc} (SPEC is optimizer:k=v,k=v,...)") from None
    racer = RacerSpec(spec.name, hyper, label)
    try:
        racer.build()  # what only the values together decide (lr_min < lr): refused here, naming the racer
    except LabError as exc:
        raise LabError(f"{where}: {exc}") from None
    return racer


def experiment_from_args(args):
    """The Experiment the options describe: from --config (with overrides) or from --objective and --racer."""
    from lab.experiment import Experiment

    if args.config is not None:
        clash = [opt for opt, value in (("--objective", args.objective), ("--param", args.param),
                                        ("--start", args.start), ("--racer", args.racer)) if value is not None]
        if clash:
            raise LabError(f"run: --config cannot be combined with {', '.join(clash)} (the experiment file sets "
                           "them; only --steps, --seed, --noise, --tol, --bound, --out go with --config)")
        exp = Experiment.load(args.config)
        if not any(r.enabled for r in exp.racers):
            raise LabError(f"{shown(args.config)}: no enabled racers, nothing to run")
    else:
        if args.objective is None:
            raise LabError("run: give --objective NAME and --racer SPEC, or --config EXPERIMENT.json "
                           "(see python main.py run --help)")
        if not args.racer:
            raise LabError("run: give at least one --racer SPEC, e.g. --racer adam:lr=0.01")
        name, params = objective_params(args)
        if len(args.racer) > MAX_RACERS:
            raise LabError(f"run: at most {MAX_RACERS} racers in a race (MAX_RACERS), got {len(args.racer)} --racer")
        racers = [parse_racer(r) for r in args.racer]
        from lab.objectives import make_objective

        from lab.objectives.own_data import pinned

        obj = make_objective(name, **params)
        start = obj.start if args.start is None else parse_numbers(args.start, "--start")
        start = obj.check_point(start, "--start").tolist()
        exp = Experiment(name, start, racers, pinned(params, obj))  # a data file: its path and SHA-256 recorded
    if args.steps is not None:
        exp.steps = parse_whole(args.steps, "--steps", hi=MAX_STEPS)
    elif exp.steps > MAX_STEPS:
        raise LabError(f"{shown(args.config)}: steps must be at most {MAX_STEPS}, got {exp.steps} (MAX_STEPS: a race "
                       "keeps every step in memory); give a smaller --steps to run it")
    if args.seed is not None:
        exp.seed = parse_whole(args.seed, "--seed", hi=MAX_SEED)
    if args.noise is not None:
        exp.noise = parse_number(args.noise, "--noise")
        if exp.noise < 0:
            raise LabError(f"--noise must be >= 0, got {args.noise.strip()!r}")
    if args.tol is not None:
        exp.tol = parse_number(args.tol, "--tol")
        if exp.tol < 0:
            raise LabError(f"--tol must be >= 0, got {args.tol.strip()!r}")
    if args.bound is not None:
        exp.bound = parse_number(args.bound, "--bound")
        if exp.bound <= 0:
            raise LabError(f"--bound must be > 0, got {args.bound.strip()!r}")
    return exp


def run(args) -> int:
    from lab.export import check_writable, export_race, racer_names
    from lab.files import check_output

    exp = experiment_from_args(args)
    if args.out is not None:  # before the race: a bad path costs nothing and writes nothing
        check_writable(args.out, inputs=[args.config])  # never over the experiment file it read
    obj = exp.make_objective()
    if getattr(args, "embed_data", False):
        embed_data(args, exp, obj)
    race = exp.build_race(obj).run()
    if args.out is not None:
        check_output(args.out, inputs=[args.config])  # again: the race may have taken a while
        path = export_race(args.out, exp, race)
        counts: dict[str, int] = {}
        for tr in race.tracks:
            counts[tr.status] = counts.get(tr.status, 0) + 1
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        n = len(race.tracks)
        print(f"wrote {shown(path)}: {n} racer{'' if n == 1 else 's'}, {race.step_count} steps ({summary})")
        return 0
    print(headline(exp, obj, race))
    print(leaderboard(obj, race.tracks, racer_names(race.tracks)))
    return 0


def embed_data(args, exp, obj) -> None:
    """--embed-data: the data file's text into the experiment's parameters (the one --out records)."""
    from pathlib import Path

    from lab.objectives.own_data import embedded

    if args.out is None or Path(args.out).suffix.lower() not in (".json", ".npz"):
        raise LabError("--embed-data stores the data in the experiment that --out FILE.json or FILE.npz writes; "
                       "give such an --out")
    exp.params = embedded(exp.params, obj)


def headline(exp, obj, race) -> str:
    params = ", ".join(f"{k}={fmt(v)}" for k, v in obj.params.items())
    return (f"{obj.name}{f' ({params})' if params else ''} from {fmt_point(race.start)}: {race.step_count} steps "
            f"(at most {exp.steps}), seed {exp.seed}, tol {fmt(exp.tol)}"
            + (f", gradient noise {fmt(exp.noise)}" if exp.noise else ""))


def _sort_key(tr):
    """Finite losses first, lowest first; then stationary racers (they do not lead); then NaN and ±inf."""
    from lab.engine.status import standing

    loss = float(tr.losses[-1])
    return (standing(tr.status, loss), loss if math.isfinite(loss) else 0.0)


def leaderboard(obj, tracks, names) -> str:
    """Racers sorted by final loss (stationary racers after the others, NaN last): rank, name, final loss, distance
    to the nearest known minimum, the step where |gradient| < tol was reached, the status, and the optimizer with
    its given hyperparameters."""
    order = sorted(range(len(tracks)), key=lambda i: _sort_key(tracks[i]))
    rows = []
    for rank, i in enumerate(order, start=1):
        tr = tracks[i]
        if len(obj.minima):
            with np.errstate(all="ignore"):
                dist = fmt(float(np.min(np.linalg.norm(obj.minima - tr.positions[-1], axis=1))))
        else:
            dist = "-"
        reached = str(tr.status_step) if tr.status in ("converged", "stationary") else "-"
        settings = ", ".join(f"{k}={fmt(v)}" for k, v in tr.spec.hyperparameters.items()) or "defaults"
        rows.append([str(rank), names[i], fmt(float(tr.losses[-1])), dist, reached, tr.describe_status(),
                     f"{tr.spec.optimizer}: {settings}"])
    return table(["#", "RACER", "FINAL LOSS", "TO NEAREST MINIMUM", "TOL REACHED AT", "STATUS", "SETTINGS"], rows,
                 right=(0, 2, 3, 4))
