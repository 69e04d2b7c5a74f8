"""Running blocks of work: pure functions of (configuration, block) → arrays, here one after another, on N local
processes, or on a Dask distributed cluster. Each block gives the same bits wherever it runs, so a result never
depends on ``workers`` or ``scheduler``.

    results = run_blocks(phase_block, [(optimizer, lam, lr, rho[0:50]), (optimizer, lam, lr, rho[50:100])],
                         workers=2)

The processes are started fresh (``spawn``: no state, threads or locks copied from this process) and get the
function and its arguments by pickling: a block's function must be a module-level function and its arguments
plain data (NumPy arrays, numbers, dataclasses of them). ``scheduler="tcp://HOST:8786"`` sends the blocks to the
Dask scheduler there (``pip install 'optimizer-lab[cluster]'``; the scheduler and its workers must be able to
import Optimizer Lab); a scheduler that cannot be reached within CONNECT_SECONDS is a LabError.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from typing import Any, Callable, Iterable, Sequence

from lab.errors import LabError
from lab.limits import MAX_WORKERS

POLL_SECONDS = 0.05  # how often a wait for the workers looks at should_stop()
CONNECT_SECONDS = 10.0  # how long to try to reach a Dask scheduler


def check_workers(workers) -> int:
    """``workers`` as a whole number from 1 to MAX_WORKERS, or LabError."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise LabError(f"workers must be a whole number from 1 to {MAX_WORKERS} (MAX_WORKERS), got {workers!r}")
    return workers


def run_blocks(fn: Callable[..., Any], blocks: Sequence[tuple], workers: int = 1,
               should_stop: Callable[[], bool] | None = None,
               done: Callable[[int, Any], Any] | None = None, scheduler: str | None = None,
               skip: Iterable[int] = ()) -> list | None:
    """``[fn(*block) for block in blocks]`` in order; ``done(i, result)`` as block i finishes (in this process);
    None when ``should_stop()`` said so (checked between blocks, and every POLL_SECONDS while workers run). The
    blocks whose indices are in ``skip`` (a resumed map's finished ones) are not run: their results stay None."""
    workers = check_workers(workers)
    results: list = [None] * len(blocks)
    skipped = set(skip)
    todo = [i for i in range(len(blocks)) if i not in skipped]
    if scheduler is not None:
        return _on_cluster(fn, blocks, todo, scheduler, should_stop, done, results)
    if workers == 1 or len(todo) < 2:
        for i in todo:
            if should_stop is not None and should_stop():
                return None
            results[i] = fn(*blocks[i])
            if done is not None:
                done(i, results[i])
        return results
    pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                  mp_context=multiprocessing.get_context("spawn"))
    finished_all = False
    try:
        futures = {pool.submit(fn, *blocks[i]): i for i in todo}
        pending = set(futures)
        while pending:
            if should_stop is not None and should_stop():
                return None
            finished, pending = cf.wait(pending, timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
            for f in finished:
                i = futures[f]
                results[i] = f.result()
                if done is not None:
                    done(i, results[i])
        finished_all = True
        return results
    finally:
        if not finished_all:  # cancelled, interrupted or failed: the blocks still running are not waited for
            for process in list(getattr(pool, "_processes", {}).values()):  # (the executor has no public way)
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _on_cluster(fn, blocks, todo, address: str, should_stop, done, results) -> list | None:
    """The blocks on the Dask cluster whose scheduler is at ``address``."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise LabError("--scheduler needs Dask's distributed scheduler: pip install 'optimizer-lab[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        text = " ".join(str(exc).split())[:160]
        raise LabError(f"--scheduler {address!r}: no Dask scheduler could be reached there within "
                       f"{CONNECT_SECONDS:g} s ({text or type(exc).__name__})") from None
    futures = []
    try:
        futures = [client.submit(fn, *blocks[i], pure=False) for i in todo]
        index = {f.key: i for i, f in zip(todo, futures)}
        for future in as_completed(futures, loop=client.loop):
            if should_stop is not None and should_stop():
                return None
            i = index[future.key]
            try:
                results[i] = future.result()
            except (RuntimeError, ImportError) as exc:
                if "deserializ" not in str(exc) and not isinstance(exc, ImportError):
                    raise
                raise LabError(f"--scheduler {address!r}: the cluster cannot import Optimizer Lab (start its scheduler "
                               "and workers with PYTHONPATH set to its folder, or install it there)") from None
            if done is not None:
                done(i, results[i])
        return results
    finally:
        client.cancel(futures)
        client.close()


def split(n: int, parts: int) -> list[slice]:
    """``parts`` (at most n) contiguous slices of range(n), as equal as can be, in order."""
    parts = max(1, min(int(parts), n))
    edges = [round(k * n / parts) for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


__all__ = ["CONNECT_SECONDS", "check_workers", "run_blocks", "split"]
