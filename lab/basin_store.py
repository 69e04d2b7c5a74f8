"""A convergence map bigger than memory: a folder of .npy files, written block by block as blocks finish, resumable.

    FOLDER/meta.json     what the map is (objective, optimizer, grid, domain, steps, tol, bound, minima, radius),
                         the block size, and "complete"
    FOLDER/label.npy     (ny, nx) int16   as BasinMap.label
    FOLDER/step.npy      (ny, nx) int64
    FOLDER/status.npy    (ny, nx) int8
    FOLDER/final.npy     (ny, nx, 2) float64
    FOLDER/loss.npy      (ny, nx) float64
    FOLDER/done.npy      (blocks,) bool   the blocks written (a block is marked only after its rows are flushed)

Each file is a plain .npy (``np.load(path, mmap_mode="r")`` reads any part without reading the rest); the rows of a
block are the block's starts in the map's order ([j, i] flattened). Running the same map into the same folder again
resumes it: the blocks marked done are not computed again. A folder holding a different map, or something else, is
refused. Memory stays at a few blocks whatever the grid (the arrays live in the files, written through memory maps).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lab.errors import LabError
from lab.files import read_text, shown, write_text
from lab.limits import MAX_EXPERIMENT_BYTES

FORMAT = "optimizer-lab basin folder"
VERSION = 1
ARRAYS = {"label": (np.int16, ()), "step": (np.int64, ()), "status": (np.int8, ()), "final": (np.float64, (2,)),
          "loss": (np.float64, ())}


def is_folder_target(path) -> bool:
    """An --out that names a folder store: an existing folder, or a path ending in a slash."""
    text = str(path)
    return text.endswith(("/", os.sep)) or Path(text).is_dir()


class BasinFolder:
    """An open folder store (``open_folder``); ``write(i, lo, hi, part)`` stores one finished block."""

    def __init__(self, path: Path, meta: dict, arrays: dict, done: np.ndarray):
        self.path, self.meta, self.arrays, self.done = path, meta, arrays, done

    def write(self, i: int, lo: int, hi: int, part: dict) -> None:
        for name, array in self.arrays.items():
            flat = array.reshape((-1,) + array.shape[2:])
            flat[lo:hi] = part[name]
            array.flush()
        self.done[i] = True
        self.done.flush()

    def finish(self) -> dict[int, int]:
        """Mark the map complete; the count of each label (read block by block)."""
        counts: dict[int, int] = {}
        flat = self.arrays["label"].reshape(-1)
        for lo in range(0, flat.size, 1 << 20):
            codes, n = np.unique(np.asarray(flat[lo:lo + (1 << 20)]), return_counts=True)
            for c, k in zip(codes.tolist(), n.tolist()):
                counts[c] = counts.get(c, 0) + k
        self.meta["complete"] = bool(self.done.all())
        write_text(self.path / "meta.json", json.dumps(self.meta, indent=1))
        return counts


def open_folder(path, settings: dict, shape: tuple[int, int], blocks: int, block: int) -> BasinFolder:
    """The store at ``path`` for the map ``settings`` describes: created (with its parents' folder existing), or
    reopened to resume when it holds this same map. LabError for anything else."""
    folder = Path(str(path))
    meta = {"format": FORMAT, "version": VERSION, "settings": settings, "shape": list(shape), "blocks": blocks,
            "block": block, "complete": False}
    if folder.exists() and not folder.is_dir():
        raise LabError(f"--out {shown(path)}: it is a file, not a folder (a folder store ends with /)")
    if not folder.parent.is_dir():
        raise LabError(f"--out {shown(path)}: folder {shown(folder.parent)} does not exist")
    if folder.is_dir() and any(folder.iterdir()):
        try:
            old = json.loads(read_text(folder / "meta.json", MAX_EXPERIMENT_BYTES, "MAX_EXPERIMENT_BYTES"))
            if not isinstance(old, dict) or old.get("format") != FORMAT:
                raise ValueError
        except (LabError, ValueError):
            raise LabError(f"--out {shown(path)}: the folder is not empty and holds no basin map; choose an empty "
                           f"or new folder") from None
        same = {k: old.get(k) for k in ("format", "version", "settings", "shape", "blocks", "block")}
        if same != {k: meta[k] for k in same}:
            raise LabError(f"--out {shown(path)}: the folder holds another map "
                           f"({_differs(old.get('settings'), settings)}); choose another folder or remove it")
        return BasinFolder(folder, meta, *_reopen(folder, path, tuple(shape), blocks))
    try:
        folder.mkdir(exist_ok=True)
        arrays = {}
        for name, (dtype, tail) in ARRAYS.items():
            arrays[name] = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=dtype,
                                                     shape=tuple(shape) + tail)
        done = np.lib.format.open_memmap(folder / "done.npy", mode="w+", dtype=bool, shape=(blocks,))
        write_text(folder / "meta.json", json.dumps(meta, indent=1))
    except OSError as exc:
        raise LabError(f"--out {shown(path)}: cannot write there ({exc.strerror or exc})") from None
    return BasinFolder(folder, meta, arrays, done)


def _reopen(folder: Path, path, shape: tuple, blocks: int) -> tuple[dict, np.ndarray]:
    """The store's arrays, opened to be written, each checked against the map's shape; LabError when one is missing
    or damaged (a resumed map must never write into the wrong place)."""
    try:
        arrays = {}
        for name, (dtype, tail) in ARRAYS.items():
            arrays[name] = _opened(folder / f"{name}.npy", dtype, shape + tail)
        return arrays, _opened(folder / "done.npy", bool, (blocks,))
    except (OSError, ValueError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LabError(f"--out {shown(path)}: the folder's map is damaged ({why[:200]}); remove it or choose another "
                       f"folder") from None


def _opened(file: Path, dtype, shape: tuple) -> np.ndarray:
    if not file.is_file():
        raise ValueError(f"{file.name} is missing")
    array = np.load(file, mmap_mode="r+", allow_pickle=False)
    if array.dtype != np.dtype(dtype) or array.shape != shape:
        raise ValueError(f"{file.name} holds {array.dtype} {array.shape}, not {np.dtype(dtype)} {shape}")
    return array


def _differs(old, new) -> str:
    if not isinstance(old, dict):
        return "different settings"
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return ", ".join(f"{k} {old.get(k)!r} there, {new.get(k)!r} now" for k in keys[:3]) or "a different layout"


def map_to_folder(path, objective, optimizer: str, hyperparameters: dict | None, *, steps: int, grid, domain=None,
                  minima=None, radius: float | None = None, tol: float = 1e-8, bound: float = 1e6,
                  workers: int | None = None, scheduler: str | None = None, block: int | None = None,
                  progress: Callable[[int, int], Any] | None = None) -> tuple[BasinFolder, dict[int, int]]:
    """A convergence map (lab.basin.basin_map's arguments) written into the folder store at ``path`` block by block,
    resuming a store of the same map; the store and the count of each label."""
    from lab import basin
    from lab.parallel import run_blocks
    from lab.engine.status import check_limits

    if objective.dim != 2:
        raise LabError(f"a convergence map needs a 2-D objective; {objective.name} has {objective.dim} coordinates")
    dom = objective.domain if domain is None else basin.check_domain(domain)
    nx, ny = basin.check_grid(grid, basin.MAX_GRID_FOLDER)
    mins = objective.minima if minima is None else np.asarray(minima, dtype=float).reshape(-1, 2)
    radius = basin.default_radius(dom, mins) if radius is None else float(radius)
    steps, tol, bound = check_limits(steps, tol, bound)
    config = basin.map_config(objective, optimizer, hyperparameters, steps=steps, grid=(nx, ny), domain=dom,
                              tol=tol, bound=bound)
    size = basin.MAP_BLOCK if block is None else int(block)
    ranges = basin.block_ranges(nx * ny, size)
    settings = dict(config, minima=mins.tolist(), radius=radius)
    store = open_folder(path, json.loads(json.dumps(settings)), (ny, nx), len(ranges), size)

    def keep(i: int, part: dict) -> None:
        lo, hi = ranges[i]
        label = basin.classify(part["x"], part["status"], mins, radius)
        store.write(i, lo, hi, {"label": label, "step": part["step"], "status": part["status"],
                                "final": part["x"], "loss": part["loss"]})

    skip = np.flatnonzero(store.done).tolist()
    finished = [len(skip)]

    def done(i: int, part: dict) -> None:
        keep(i, part)
        finished[0] += 1
        if progress is not None:
            progress(finished[0], len(ranges))

    if progress is not None:
        progress(finished[0], len(ranges))
    run_blocks(basin.basin_block, [(config, r) for r in ranges], workers or 1, done=done, scheduler=scheduler,
               skip=skip)
    return store, store.finish()


__all__ = ["ARRAYS", "BasinFolder", "is_folder_target", "map_to_folder", "open_folder"]
