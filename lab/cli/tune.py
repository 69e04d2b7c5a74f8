"""``tune``: every racer's learning rate tuned on the same runs; an experiment file of the tuned racers.

    tune --objective NAME [--param k=v ...] [--start X,Y] --racer SPEC [--racer SPEC ...] [--steps N] [--seeds K]
         [--starts M] [--metric final_loss|steps_to_tol] [--seed S] [--noise SCALE] [--tol T] [--bound B]
         [--out tuned.json] [--workers N | --scheduler ADDRESS]

SPEC as for ``run --racer``; its lr, if given, is what is tuned (replaced). See lab/tune.py for the grids, the
metric and the ties.
"""
from __future__ import annotations

from lab.cli.common import (add_work_options, fmt, fmt_point, parse_number, parse_numbers, parse_whole, table,
                            work_options)
from lab.cli.progress import ProgressBar
from lab.errors import LabError
from lab.files import shown

NAME = "tune"


def add_parser(subparsers):
    from lab.cli.run import SPEC_HELP, add_objective_options
    from lab.limits import MAX_STEPS, MAX_TUNE_RUNS

    p = subparsers.add_parser(
        NAME, help="tune each racer's lr (same runs for all); write an experiment of the tuned racers",
        description="For each racer, search its lr over a log grid (25 lrs from 1e-5 to 10, then 16 between the "
                    "best's neighbours), its other hyperparameters fixed, scoring each lr by the median of the metric "
                    "over K seeds × M starts; every lr, seed and start of a racer steps at once on the batched engine. "
                    "Prints one row a racer: the best lr, its score and its grid neighbours'. With --out: an "
                    "experiment file of the tuned racers (python main.py run --config FILE).",
        epilog="Example: python main.py tune --objective rosenbrock --racer sgd --racer momentum:rho=0.9 "
               "--racer adam --steps 1000 --out tuned.json")
    add_objective_options(p, required=True)
    p.add_argument("--start", metavar="X,Y", help="the start point (default: the objective's start); with --starts, "
                                                  "the start of the written experiment only")
    p.add_argument("--racer", action="append", metavar="SPEC", required=True, help=SPEC_HELP)
    p.add_argument("--steps", metavar="N", help=f"steps of every run (default 1000, at most {MAX_STEPS})")
    p.add_argument("--seeds", metavar="K", help="seeds per lr: minibatch order and gradient noise (default 3)")
    p.add_argument("--starts", metavar="M", help="start points drawn in the domain from --seed (default: the one "
                                                 f"start); at most {MAX_TUNE_RUNS} seeds × starts")
    p.add_argument("--metric", metavar="NAME", default="final_loss",
                   help="final_loss (default: f where the run stopped) or steps_to_tol (the step |∇f| < tol)")
    p.add_argument("--seed", metavar="S", help="the first seed (default 0); seed index s is S + s")
    p.add_argument("--noise", metavar="SCALE", help="Gaussian noise of this scale on every gradient (default 0)")
    p.add_argument("--tol", metavar="T", help="a run converges when |gradient| < T (default 0 for final_loss: "
                                              "every step taken; 1e-8 for steps_to_tol)")
    p.add_argument("--bound", metavar="B", help="a run diverges when a coordinate's size passes B (default 1e6)")
    p.add_argument("--out", metavar="FILE.json", help="write the experiment of the tuned racers")
    add_work_options(p)
    return p


def setup_from_args(args):
    """(TuneSetup, racers, the written experiment's start), every option checked."""
    from lab.cli.run import objective_from_args, parse_racer
    from lab.limits import MAX_RACERS, MAX_SEED, MAX_STEPS, MAX_TUNE_RUNS
    from lab.tune import METRICS, TuneSetup, check_racer, draw_starts

    if args.metric not in METRICS:
        raise LabError(f"--metric {args.metric!r}: choose {' or '.join(METRICS)}")
    if len(args.racer) > MAX_RACERS:
        raise LabError(f"tune: at most {MAX_RACERS} racers (MAX_RACERS), got {len(args.racer)} --racer")
    racers = [parse_racer(text) for text in args.racer]
    for text, r in zip(args.racer, racers):
        try:
            check_racer(r)
        except LabError as exc:
            raise LabError(f"--racer {text!r}: {exc}") from None
    obj = objective_from_args(args)
    start = obj.start if args.start is None else parse_numbers(args.start, "--start")
    start = obj.check_point(start, "--start")
    steps = 1000 if args.steps is None else parse_whole(args.steps, "--steps", lo=1, hi=MAX_STEPS)
    seeds = 3 if args.seeds is None else parse_whole(args.seeds, "--seeds", lo=1, hi=MAX_TUNE_RUNS)
    count = None if args.starts is None else parse_whole(args.starts, "--starts", lo=1, hi=MAX_TUNE_RUNS)
    if seeds * (count or 1) > MAX_TUNE_RUNS:
        raise LabError(f"--seeds × --starts: at most {MAX_TUNE_RUNS} runs per lr (MAX_TUNE_RUNS), got "
                       f"{seeds} × {count}")
    seed = 0 if args.seed is None else parse_whole(args.seed, "--seed", hi=MAX_SEED - MAX_TUNE_RUNS)
    noise = 0.0 if args.noise is None else parse_number(args.noise, "--noise")
    tol = (1e-8 if args.metric == "steps_to_tol" else 0.0) if args.tol is None else parse_number(args.tol, "--tol")
    bound = 1e6 if args.bound is None else parse_number(args.bound, "--bound")
    for name, value, ok in (("--noise", noise, noise >= 0), ("--tol", tol, tol >= 0), ("--bound", bound, bound > 0)):
        if not ok:
            raise LabError(f"{name} must be {'> 0' if name == '--bound' else '>= 0'}, got {fmt(value)}")
    if args.metric == "steps_to_tol" and tol == 0:
        raise LabError("--metric steps_to_tol needs --tol T > 0 (the step at which |∇f| < T is the score)")
    starts = start[None] if count is None else draw_starts(obj, count, seed)
    setup = TuneSetup(obj.name, dict(obj.params), starts, seed, seeds, steps, tol, bound, noise, args.metric)
    return setup, racers, start


def run(args) -> int:
    from lab.export import check_writable
    from lab.tune import tune

    setup, racers, start = setup_from_args(args)
    workers, scheduler = work_options(args).values()
    if args.out is not None:
        if not str(args.out).lower().endswith(".json"):
            raise LabError(f"--out {shown(args.out)}: the tuned racers are written as an experiment file, .json")
        check_writable(args.out)
    bar = ProgressBar("tuning", unit=" point-steps")
    try:
        result = tune(setup, racers, progress=bar if bar.live else None, workers=workers, scheduler=scheduler)
    finally:
        bar.close()
    print(headline(result))
    print(rows(result))
    if args.out is not None:
        path = result.experiment(start).save(args.out)
        n = len(result.racers)
        print(f"wrote {shown(path)}: {n} racer{'' if n == 1 else 's'} with tuned lr "
              f"(race them: python main.py run --config {shown(path)})")
    return 0


def headline(result) -> str:
    from lab.tune import COARSE, FINE

    s = result.setup
    params = ", ".join(f"{k}={fmt(v)}" for k, v in s.params.items())
    where = fmt_point(s.starts[0]) if len(s.starts) == 1 else f"{len(s.starts)} starts drawn in the domain"
    runs = result.seeds_run * len(s.starts)
    same = (f" (no minibatches, no noise: the {s.seeds} seeds are one run)" if result.seeds_run < s.seeds else
            f" ({result.seeds_run} seed{'s' if result.seeds_run > 1 else ''} × {len(s.starts)} "
            f"start{'s' if len(s.starts) > 1 else ''})")
    return (f"{s.objective}{f' ({params})' if params else ''} from {where}: {s.steps} steps, lr from "
            f"{fmt(COARSE[0])} to {fmt(COARSE[-1])} ({len(COARSE)} lrs, then {FINE} around the best), "
            f"{s.metric} the median of {runs} run{'s' if runs > 1 else ''}{same}")


def rows(result) -> str:
    metric = result.setup.metric.replace("_", " ").upper()
    body = []
    for t in result.racers:
        below, above = t.neighbours()
        cell = (lambda n: "-" if n is None else f"{fmt(n[0])}: {fmt(n[1])}")
        body.append([t.racer.name, "-" if t.best is None else fmt(t.best_lr),
                     "inf (no lr worked)" if t.best is None else fmt(t.best_score), cell(below), cell(above)])
    return table(["RACER", "BEST LR", metric, "LR BELOW: ITS " + metric, "LR ABOVE: ITS " + metric], body,
                 right=(1, 2))
