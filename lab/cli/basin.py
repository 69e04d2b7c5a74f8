"""``basin``: a convergence map — which known minimum each start of a grid reaches, with one optimizer.

    basin --objective NAME [--param k=v ...] --optimizer SPEC [--steps N] [--grid N | NX,NY]
          [--domain XLO,XHI,YLO,YHI] [--radius R] [--tol T] [--bound B] [--out FILE.npz|.csv|FOLDER/]
          [--workers N | --scheduler ADDRESS]

SPEC is ``optimizer[:k=v,k=v,...]`` as for ``run --racer``. Without --out: the share of starts reaching each known
minimum, diverging, not converging, or converging elsewhere. With --out: the map (lab.basin.BasinMap.save: .npz
with every array, or .csv with one row per start), or for a FOLDER/ a folder store written block by block
(lab/basin_store.py: grids up to MAX_GRID_FOLDER per side, resumed when run again). --workers and --scheduler
run the blocks elsewhere (lab/parallel.py): the same numbers.
"""
from __future__ import annotations

import numpy as np

from lab.cli.common import (MAX_STEPS, add_work_options, fmt, fmt_box, parse_number, parse_numbers, parse_whole,
                            table, work_options)
from lab.errors import LabError
from lab.files import shown

NAME = "basin"


def add_parser(subparsers):
    from lab.cli.run import SPEC_HELP, add_objective_options

    p = subparsers.add_parser(
        NAME, help="convergence map: which minimum each start of a grid reaches",
        description="Run one optimizer from every start of a grid over the objective's plotting domain and "
                    "say which known minimum each start reaches (its final point within --radius of it), "
                    "or whether it diverged, ran out of steps elsewhere, or converged somewhere else. Without "
                    "--out: the share of starts per outcome. With --out: the map as .npz or .csv.",
        epilog="Example: python main.py basin --objective himmelblau --optimizer sgd:lr=2e-3 --steps 1000")
    add_objective_options(p, required=True)
    p.add_argument("--optimizer", metavar="SPEC", required=True,
                   help=SPEC_HELP.replace("; repeat for more racers", "") + "; one optimizer")
    p.add_argument("--steps", metavar="N", help=f"the most steps from each start (default 1000, at most {MAX_STEPS})")
    p.add_argument("--grid", metavar="N|NX,NY",
                   help="starts per side: N for N × N, or NX,NY (default 200, from 2 to 1000; to 10000 "
                        "with a FOLDER/ --out)")
    p.add_argument("--domain", metavar="XLO,XHI,YLO,YHI", help="the box of starts (default: the plotting domain)")
    p.add_argument("--radius", metavar="R",
                   help="a start reaches a minimum when it ends within R of it (default: 1%% of the domain's "
                        "diagonal, at most a third of the distance between the two closest minima)")
    p.add_argument("--tol", metavar="T", help="a run converges when |gradient| < T (default 1e-8)")
    p.add_argument("--bound", metavar="B", help="a run diverges when a coordinate's size passes B (default 1e6)")
    p.add_argument("--out", metavar="FILE",
                   help="write the map to FILE.npz or FILE.csv, or to a FOLDER/ of .npy files block by block "
                        "(run again to resume)")
    add_work_options(p)
    return p


def parse_grid(text: str, most: int | None = None) -> tuple[int, int]:
    parts = text.split(",")
    if len(parts) not in (1, 2):
        raise LabError(f"--grid: expected N or NX,NY, got {text!r}")
    from lab.basin import MAX_GRID

    sizes = [parse_whole(p, "--grid", lo=2, hi=most or MAX_GRID) for p in parts]
    return (sizes[0], sizes[0]) if len(sizes) == 1 else (sizes[0], sizes[1])


def check_out(path: str) -> None:
    """Refuse an --out that is neither .npz nor .csv, or cannot be written, before any work."""
    from pathlib import Path

    from lab.export import check_writable

    if Path(path).suffix.lower() not in (".npz", ".csv"):
        raise LabError(f"--out {shown(path)}: write a .npz or a .csv file, or a FOLDER/ (ending with /)")
    check_writable(path)


def options(args) -> dict:
    """--steps, --tol, --bound as keyword arguments (defaults: 1000 steps, tol 1e-8, bound 1e6)."""
    out = {"steps": 1000 if args.steps is None else parse_whole(args.steps, "--steps", hi=MAX_STEPS)}
    if args.tol is not None:
        out["tol"] = parse_number(args.tol, "--tol")
        if out["tol"] < 0:
            raise LabError(f"--tol must be >= 0, got {args.tol.strip()!r}")
    if args.bound is not None:
        out["bound"] = parse_number(args.bound, "--bound")
        if out["bound"] <= 0:
            raise LabError(f"--bound must be > 0, got {args.bound.strip()!r}")
    return out


def parse_optimizer(text: str, option: str = "--optimizer"):
    """A SPEC as (name, hyperparameters), through run's --racer parser (its checks and messages)."""
    from lab.cli.run import parse_racer

    try:
        racer = parse_racer(text)
    except LabError as exc:
        raise LabError(str(exc).replace("--racer", option, 1)) from None
    from lab.optimizers import batched_specs, optimizer_spec

    if not optimizer_spec(racer.optimizer).batched:
        raise LabError(f"{option} {text!r}: {racer.optimizer} steps one point at a time; choose one of "
                       + ", ".join(s.name for s in batched_specs()))
    return racer.optimizer, dict(racer.hyperparameters)


def run(args) -> int:
    from lab.basin import DEFAULT_GRID, MAX_GRID_FOLDER, basin_map
    from lab.basin_store import is_folder_target
    from lab.cli.progress import ProgressBar
    from lab.cli.run import objective_from_args

    obj = objective_from_args(args)
    if obj.dim != 2:
        raise LabError(f"basin: a convergence map needs a 2-D objective; {obj.name} has {obj.dim} coordinates")
    name, hyper = parse_optimizer(args.optimizer)
    kw = options(args)
    folder = args.out is not None and is_folder_target(args.out)
    grid = DEFAULT_GRID if args.grid is None else parse_grid(args.grid, MAX_GRID_FOLDER if folder else None)
    if args.domain is not None:
        values = parse_numbers(args.domain, "--domain")
        if len(values) != 4:
            raise LabError(f"--domain: expected XLO,XHI,YLO,YHI (4 numbers), got {len(values)}")
        kw["domain"] = [values[:2], values[2:]]
    if args.radius is not None:
        kw["radius"] = parse_number(args.radius, "--radius")
        if kw["radius"] <= 0:
            raise LabError(f"--radius must be > 0, got {args.radius.strip()!r}")
    kw.update(work_options(args))
    if args.out is not None and not folder:
        check_out(args.out)
    bar = ProgressBar("basin", unit="point-steps")
    try:
        if folder:
            return _to_folder(args.out, obj, name, hyper, grid, kw, bar)
        m = basin_map(obj, name, hyper, grid=grid, progress=bar, **kw)
    finally:
        bar.close()
    parts = ", ".join(f"{count} {label}" for _, label, count, _ in m.summary() if count)
    if args.out is not None:
        path = m.save(args.out)
        print(f"wrote {shown(path)}: {len(m.xs)} × {len(m.ys)} starts, {m.steps} steps ({parts})")
        return 0
    print(headline(m))
    if m.errors:
        print(f"some runs failed ({len(m.errors)} batch{'' if len(m.errors) == 1 else 'es'}): {m.errors[0]}")
    print(outcomes(m))
    return 0


def _to_folder(out, obj, name, hyper, grid, kw, bar) -> int:
    from lab.basin import CODE_NAMES
    from lab.basin_store import map_to_folder

    steps = kw["steps"]
    bar.unit = " blocks"
    store, counts = map_to_folder(out, obj, name, hyper, grid=grid, progress=bar, **kw)
    ny, nx = store.meta["shape"]
    minima = store.meta["settings"]["minima"]
    names = {**{i: f"minimum {i}" for i in range(len(minima))}, **CODE_NAMES}
    parts = ", ".join(f"{counts[c]} {names[c]}" for c in sorted(counts, key=lambda c: (c < 0, abs(c))))
    print(f"wrote {shown(store.path)}/: {nx} × {ny} starts, {steps} steps, {len(store.done)} blocks ({parts})")
    return 0


def headline(m) -> str:
    params = ", ".join(f"{k}={fmt(v)}" for k, v in m.params.items())
    hyper = ", ".join(f"{k}={fmt(v)}" for k, v in m.hyperparameters.items())
    return (f"{m.objective}{f' ({params})' if params else ''}: {m.optimizer} ({hyper}) from "
            f"{len(m.xs)} × {len(m.ys)} starts over {fmt_box([m.extent[:2], m.extent[2:]])}, at most {m.steps} "
            f"steps, tol {fmt(m.tol)}, radius {fmt(m.radius, 3)}")


def outcomes(m) -> str:
    """One row per outcome: name, starts, share, and the median step at which those runs stopped."""
    rows = []
    for code, label, count, share in m.summary():
        median = fmt(float(np.median(m.step[m.label == code]))) if count else "-"
        rows.append([label, str(count), f"{100 * share:.1f}%", median])
    return table(["OUTCOME", "STARTS", "SHARE", "MEDIAN STEP"], rows, right=(1, 2, 3))
