"""``phase``: the momentum phase diagram, the exact linear convergence rate over a grid of (lr, ρ).

    phase (--objective quadratic [--param kappa=50] | --objective NAME --at X,Y) [--optimizer momentum|nesterov]
          [--lr-min A] [--lr-max B] [--rho-min C] [--rho-max D] [--size N] [--out F.npz|F.csv] [--json]
          [--workers N | --scheduler ADDRESS]

The eigenvalues are the Hessian's at --at (the quadratic's Hessian is the same everywhere: --at is optional for
it). Without --out and --json: a short summary (κ, the optimum, the gradient-descent edge). See lab/phase.py.
"""
from __future__ import annotations

from lab.cli.common import (add_work_options, fmt, fmt_point, parse_number, parse_numbers, parse_whole, print_json,
                            work_options)
from lab.errors import LabError
from lab.files import shown

NAME = "phase"


def add_parser(subparsers):
    from lab.cli.run import add_objective_options
    from lab.limits import MAX_PHASE_SIZE

    p = subparsers.add_parser(
        NAME, help="momentum phase diagram: the exact convergence rate over (lr, ρ)",
        description="The linear convergence rate of momentum (or Nesterov) on the quadratic model with the "
                    "Hessian's eigenvalues, over a grid of (lr, ρ): lr log-spaced, ρ linear. The rate of a setting "
                    "is the largest root modulus of its iteration, over the eigenvalues; ρ = 0 is gradient descent. "
                    "Without --out and --json: κ, the optimal (lr, ρ) and its rate, and the gradient-descent edge.",
        epilog="Example: python main.py phase --objective quadratic --param kappa=50 --json")
    add_objective_options(p, required=True)
    p.add_argument("--at", metavar="X,Y", help="the point whose Hessian is used (required unless the objective is "
                                               "quadratic, whose Hessian is the same everywhere)")
    p.add_argument("--optimizer", metavar="NAME", default="momentum", help="momentum (default) or nesterov")
    p.add_argument("--lr-min", metavar="A", help="the smallest lr (default 0.01/λmax)")
    p.add_argument("--lr-max", metavar="B", help="the largest lr (default 5/λmax)")
    p.add_argument("--rho-min", metavar="C", help="the smallest ρ (default 0)")
    p.add_argument("--rho-max", metavar="D", help="the largest ρ (default 0.99; below 1)")
    p.add_argument("--size", metavar="N", help=f"points per axis (default 200, from 2 to {MAX_PHASE_SIZE})")
    p.add_argument("--out", metavar="FILE", help="write the grid to FILE.npz or FILE.csv")
    p.add_argument("--json", action="store_true", help="print optimal_lr, optimal_rho, optimal_rate, kappa as JSON")
    add_work_options(p)
    return p


def run(args) -> int:
    from lab.cli.basin import check_out
    from lab.cli.run import objective_from_args
    from lab.limits import MAX_PHASE_SIZE
    from lab.phase import OPTIMIZERS, axes, hessian_eigenvalues, phase_diagram

    if args.optimizer not in OPTIMIZERS:
        raise LabError(f"--optimizer {args.optimizer!r}: the phase diagram is for momentum or nesterov")
    bounds = {k: None if getattr(args, k) is None else parse_number(getattr(args, k), "--" + k.replace("_", "-"))
              for k in ("lr_min", "lr_max", "rho_min", "rho_max")}
    size = 200 if args.size is None else parse_whole(args.size, "--size", lo=2, hi=MAX_PHASE_SIZE)
    workers, scheduler = work_options(args).values()
    obj = objective_from_args(args)
    if args.at is None and obj.name != "quadratic":
        hint = f", e.g. a minimum: --at {','.join(f'{v:g}' for v in obj.minima[0])}" if len(obj.minima) else ""
        raise LabError(f"phase --objective {obj.name}: give --at X,Y, the point whose Hessian's eigenvalues are "
                       f"used{hint}")
    at = None if args.at is None else parse_numbers(args.at, "--at")
    lam = hessian_eigenvalues(obj, at)
    if args.out is not None:
        check_out(args.out)
    try:
        axes(lam, size=size, **bounds)  # the grid checked first: its messages name the options
    except LabError as exc:
        raise LabError(f"phase: {exc}") from None
    d = phase_diagram(lam, args.optimizer, size=size, source={"objective": obj.name, "params": obj.params},
                      workers=workers, scheduler=scheduler, **bounds)
    if args.out is not None:
        path = d.save(args.out)
        if not args.json:
            print(f"wrote {shown(path)}: {len(d.rho)} × {len(d.lr)} rates of {d.optimizer} (ρ rows, lr columns)")
    if args.json:
        print_json(d.optimum_json())
        return 0
    if args.out is None:
        print(summary(d, obj, at))
    return 0


def summary(d, obj, at) -> str:
    from lab.phase import DIVERGES, OSCILLATES, plane

    params = ", ".join(f"{k}={fmt(v)}" for k, v in obj.params.items())
    where = "" if at is None else f" at {fmt_point(at)}"
    lam = ", ".join(fmt(v) for v in d.eigenvalues[:4]) + (", ..." if len(d.eigenvalues) > 4 else "")
    shares = [100.0 * (d.region == code).mean() for code in (OSCILLATES, DIVERGES)]
    what = plane(d.optimizer).optimum_name
    return "\n".join([
        f"{obj.name}{f' ({params})' if params else ''}{where}: Hessian eigenvalues {lam}, κ = {fmt(d.kappa)}",
        f"{d.optimizer} {what}: lr* = {fmt(d.optimal_lr)}, ρ* = {fmt(d.optimal_rho)}, "
        f"rate* = {fmt(d.optimal_rate)} (the distance shrinks by this factor each step)",
        f"gradient descent (ρ = 0): diverges from lr = 2/λmax = {fmt(d.gd_edge)}; at its best, lr = 2/(λmin + λmax) = "
        f"{fmt(2.0 / (d.eigenvalues.min() + d.eigenvalues.max()))}, rate (κ − 1)/(κ + 1) = "
        f"{fmt((d.kappa - 1) / (d.kappa + 1))}",
        f"grid: lr {fmt(d.lr[0])} … {fmt(d.lr[-1])} (log), ρ {fmt(d.rho[0])} … {fmt(d.rho[-1])}, {len(d.rho)} × "
        f"{len(d.lr)}: {shares[0]:.1f}% oscillates, {shares[1]:.1f}% diverges, best rate on the grid "
        f"{fmt(float(d.rate.min()))}",
    ])
