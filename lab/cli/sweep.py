"""``sweep``: the final loss after N steps against the learning rate, per optimizer, from one start.

    sweep --objective NAME [--param k=v ...] [--start X,Y] --optimizer SPEC [--optimizer SPEC ...]
          --lr-min A --lr-max B [--num 50] [--steps N] [--tol T] [--bound B] [--out FILE.npz|.csv]
          [--workers N | --scheduler ADDRESS]

SPEC is ``optimizer[:k=v,...]`` as for ``run --racer``, without lr (the sweep sets it). Each optimizer's curve is
one block of work: --workers / --scheduler compute them elsewhere, with the same numbers. The lrs are
log-spaced from A to B. Without --out: per optimizer the best lr and its final loss, the smallest lr that
diverged, and the gradient-descent stability edge 2/λmax of the Hessian at the start. With --out: every
curve (lab.sweep.LRSweep.save: .npz or .csv).
"""
from __future__ import annotations

from lab.cli.basin import check_out, options, parse_optimizer
from lab.cli.common import (add_work_options, fmt, fmt_point, parse_number, parse_numbers, parse_whole, table,
                            work_options)
from lab.cli.progress import ProgressBar
from lab.errors import LabError
from lab.files import shown

NAME = "sweep"


def add_parser(subparsers):
    from lab.cli.run import add_objective_options

    p = subparsers.add_parser(
        NAME, help="learning-rate sweep: final loss against lr, per optimizer",
        description="Run each optimizer from one start for N steps at every lr of a log-spaced grid and report "
                    "the final losses. Without --out: per optimizer the best lr, its final loss and the smallest "
                    "lr that diverged, and the gradient-descent stability edge 2/λmax at the start. With --out: "
                    "every curve as .npz or .csv.",
        epilog="Example: python main.py sweep --objective quadratic --param kappa=10 --optimizer sgd "
               "--optimizer momentum:rho=0.9 --lr-min 1e-3 --lr-max 1 --steps 200")
    add_objective_options(p, required=True)
    p.add_argument("--start", metavar="X,Y", help="the start point (default: the objective's start)")
    p.add_argument("--optimizer", action="append", metavar="SPEC", required=True,
                   help="optimizer[:k=v,...] without lr, e.g. adam:beta1=0.8; repeat for more curves")
    p.add_argument("--lr-min", metavar="A", required=True, help="the smallest learning rate (> 0)")
    p.add_argument("--lr-max", metavar="B", required=True, help="the largest learning rate")
    p.add_argument("--num", metavar="N", help="how many learning rates, log-spaced (default 50, at most 10000)")
    p.add_argument("--steps", metavar="N", help="steps at each lr (default 1000, at most 10000000)")
    p.add_argument("--tol", metavar="T", help="stop early when |gradient| < T (default 0: take every step)")
    p.add_argument("--bound", metavar="B", help="a run diverges when a coordinate's size passes B (default 1e6)")
    p.add_argument("--out", metavar="FILE", help="write the curves to FILE.npz or FILE.csv")
    add_work_options(p)
    return p


def run(args) -> int:
    from lab.cli.run import objective_from_args
    from lab.sweep import MAX_NUM, lr_grid, lr_sweep

    obj = objective_from_args(args)
    start = obj.start if args.start is None else parse_numbers(args.start, "--start")
    start = obj.check_point(start, "--start")
    opts = []
    for text in args.optimizer:
        name, hyper = parse_optimizer(text)
        if "lr" in hyper:
            raise LabError(f"--optimizer {text!r}: the sweep sets lr (from --lr-min to --lr-max); leave it out")
        opts.append((name, hyper))
    lr_min, lr_max = parse_number(args.lr_min, "--lr-min"), parse_number(args.lr_max, "--lr-max")
    num = 50 if args.num is None else parse_whole(args.num, "--num", lo=1, hi=MAX_NUM)
    try:
        lr_grid(lr_min, lr_max, num)
    except LabError as exc:
        raise LabError(f"--lr-min/--lr-max/--num: {exc}") from None
    kw = {"tol": 0.0, **options(args), **work_options(args)}
    if args.out is not None:
        check_out(args.out)
    bar = ProgressBar("sweep", unit="point-steps")
    try:
        s = lr_sweep(obj, start, opts, lr_min=lr_min, lr_max=lr_max, num=num, progress=bar, **kw)
    finally:
        bar.close()
    if args.out is not None:
        path = s.save(args.out)
        n = len(s.optimizers)
        print(f"wrote {shown(path)}: {n} optimizer{'' if n == 1 else 's'} × {len(s.lrs)} learning rates, "
              f"{s.steps} steps, stability edge 2/λmax = {fmt(s.edge)}")
        return 0
    print(headline(s))
    if s.errors:
        print(f"some runs failed ({len(s.errors)} batch{'' if len(s.errors) == 1 else 'es'}): {s.errors[0]}")
    print(f"stability edge of gradient descent at the start: 2/λmax = {fmt(s.edge)} "
          f"(Hessian eigenvalues {', '.join(fmt(v) for v in s.eigenvalues)})")
    print(curves(s))
    return 0


def headline(s) -> str:
    params = ", ".join(f"{k}={fmt(v)}" for k, v in s.params.items())
    return (f"{s.objective}{f' ({params})' if params else ''} from {fmt_point(s.start)}: {s.steps} steps at each of "
            f"{len(s.lrs)} learning rates from {fmt(s.lrs[0])} to {fmt(s.lrs[-1])} (log-spaced)")


def curves(s) -> str:
    rows = []
    for i, label in enumerate(s.labels):
        best = s.best(i)
        diverged = s.lrs[s.diverged[i]]
        rows.append([label, "-" if best is None else fmt(best[0]), "-" if best is None else fmt(best[1]),
                     fmt(float(diverged.min())) if len(diverged) else "-", f"{len(diverged)}/{len(s.lrs)}"])
    return table(["OPTIMIZER", "BEST LR", "FINAL LOSS", "DIVERGES FROM LR", "DIVERGED"], rows, right=(1, 2, 3, 4))
