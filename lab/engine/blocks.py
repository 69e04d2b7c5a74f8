"""Work split into blocks — pure functions of (configuration, block) → arrays — run here, on N local processes or
on a Dask distributed cluster, with the same bytes whichever runs them.

    run_blocks(task, config, blocks, on_result, workers=None, scheduler=None, skip=(), progress=None)

``task(config, block)`` must be a module-level function (it is pickled to other processes) whose result depends on
``config`` and ``block`` alone: a basin map's block of start points, a sweep's optimizer and learning rates. Each
result is handed to ``on_result(index, result)`` in this process as it arrives (in any order; the caller writes it
where it belongs, so the order never shows in what is written). ``skip``: indices already done (a resumed map).

- ``workers`` None or 1: every block here, one after the other.
- ``workers`` N > 1: a pool of N processes (started with "spawn": a fresh interpreter each, never a fork of a
  process that may run numba's or Qt's threads).
- ``scheduler`` "HOST:PORT" (or "tcp://HOST:PORT"): the blocks are sent to that Dask scheduler's workers
  (``dask.distributed``, the optional extra ``[cluster]``); a scheduler that does not answer within
  ``CONNECT_SECONDS`` is one LabError, never a hang. The workers need this package installed.
Ctrl-C or an error cancels what has not started.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from lab.errors import LabError

CONNECT_SECONDS = 10.0
"""How long a Dask scheduler may take to answer before the run is refused."""

MAX_WORKERS = 256
"""The most local processes ``--workers`` may ask for."""


def check_workers(workers, scheduler) -> tuple[int | None, str | None]:
    """``workers`` as a whole number from 1 to MAX_WORKERS (or None), ``scheduler`` as a non-empty address (or None);
    not both. LabError otherwise."""
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
            raise LabError(f"--workers must be a whole number from 1 to {MAX_WORKERS}, got {workers!r}")
    if scheduler is not None:
        scheduler = str(scheduler).strip()
        if not scheduler or any(c.isspace() for c in scheduler) or not scheduler.isprintable():
            raise LabError(f"--scheduler must be an address such as tcp://HOST:8786, got {scheduler!r}")
        if workers is not None:
            raise LabError("give --workers or --scheduler, not both (the cluster's workers do the work)")
    return workers, scheduler


def run_blocks(task: Callable[[Any, Any], Any], config, blocks: Sequence, on_result: Callable[[int, Any], None], *,
               workers: int | None = None, scheduler: str | None = None, skip: Iterable[int] = (),
               progress: Callable[[int, int], Any] | None = None) -> None:
    """Run ``task(config, block)`` for every block not in ``skip``; see the module docstring."""
    workers, scheduler = check_workers(workers, scheduler)
    skipped = set(skip)
    todo = [i for i in range(len(blocks)) if i not in skipped]
    total, done = len(blocks), len(blocks) - len(todo)
    if progress is not None:
        progress(done, total)

    def finished(i: int, result) -> None:
        nonlocal done
        on_result(i, result)
        done += 1
        if progress is not None:
            progress(done, total)

    if scheduler is not None:
        _on_cluster(task, config, blocks, todo, finished, scheduler)
    elif workers is not None and workers > 1 and len(todo) > 1:
        _on_processes(task, config, blocks, todo, finished, workers)
    else:
        for i in todo:
            finished(i, task(config, blocks[i]))


def _on_processes(task, config, blocks, todo, finished, workers: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(task, config, blocks[i]): i for i in todo}
        for future in as_completed(futures):
            finished(futures[future], future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def connect(scheduler: str):
    """A dask.distributed Client on ``scheduler``, or LabError (not installed; no answer within CONNECT_SECONDS)."""
    try:
        from distributed import Client
    except ImportError:
        raise LabError("--scheduler needs Dask distributed: pip install -e \".[cluster]\"") from None
    address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LabError(f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_SECONDS:g} s "
                       f"({why[:200]})") from None


def _on_cluster(task, config, blocks, todo, finished, scheduler: str) -> None:
    from distributed import as_completed

    client = connect(scheduler)
    try:
        futures = client.map(task, [config] * len(todo), [blocks[i] for i in todo], pure=False)
        index = {future.key: i for future, i in zip(futures, todo)}
        for future in as_completed(futures, loop=client.loop):
            finished(index[future.key], future.result())
    except (RuntimeError, ModuleNotFoundError, ImportError) as exc:
        if "deserializ" in str(exc) or isinstance(exc, ImportError):
            raise LabError(f"--scheduler {scheduler}: the cluster could not load this lab's code; install it on the "
                           f"scheduler and on every worker (pip install \"optimizer-lab[cluster]\", or pip install "
                           f"-e \".[cluster]\" from a checkout)") from None
        raise
    finally:
        client.close()


__all__ = ["CONNECT_SECONDS", "MAX_WORKERS", "check_workers", "connect", "run_blocks"]
