"""The one kind of work off the GUI thread: a ``Job``, run by a ``JobWorker`` in a QThread (superqt's thread_worker).

A job is a function ``fn(should_stop, progress)``. It checks ``should_stop()`` often (the race before every step,
lab.basin and lab.sweep every chunk, ~10 ms) and may report ``progress(payload)``; what it returns is its result.
``should_stop(timeout)`` waits up to ``timeout`` seconds for a stop (a paced race sleeps in it) and, first, lets
the GUI thread's Python work go first (``widgets.work.gil``).

The worker emits, with the job's id: ``started``, any number of ``progress``, then exactly one of ``finished``
(the result), ``aborted`` (stopped on request, or a result that says ``cancelled``: the partial result) or
``errored`` (a message); an aborted job never emits ``finished``. The worker is a QObject without parent, moved to
its thread by the owner (``widgets.work.owner``), which relays the signals into the GUI thread.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from lab.errors import LabError
from widgets.work.gil import yield_to_gui

JobFunction = Callable[[Callable[..., bool], Callable[[Any], None]], Any]


@dataclass
class Job:
    """One function to run, its id, and two thread-safe flags: ``stop`` (asked to stop) and ``done`` (let go)."""

    fn: JobFunction
    job_id: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def should_stop(self, timeout: float = 0.0) -> bool:
        """True once the job is asked to stop; waits up to ``timeout`` seconds for that (the GUI thread first)."""
        yield_to_gui()
        return self.stop.wait(timeout) if timeout > 0 else self.stop.is_set()


def error_message(exc: Exception) -> str:
    """A LabError's text as it is (it says what and where); anything else with its type and the traceback's end."""
    if isinstance(exc, LabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"


def fraction_progress(progress: Callable[[float], None], per_second: float) -> Callable[[int, int], None]:
    """``progress(done, total)`` for lab.basin and lab.sweep, reported as the fraction done, at most
    ``per_second`` times a second (and always at the end). Counts pass 2**31 (400² starts × 10⁶ steps)."""
    last = 0.0

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last >= 1.0 / per_second or done >= total:
            last = now
            progress(done / total if total else 0.0)
    return report


class JobWorker(QObject):
    """Runs the jobs handed to ``run``, one after another, in its thread. Create without a parent."""

    # the job's id comes last, so that a runner can relay a signal to one of its own without it (signal to signal:
    # no Python in the GUI thread between the worker and the model)
    started = Signal(int)            # job id
    progress = Signal(object, int)   # payload, job id
    finished = Signal(object, int)   # result, job id
    aborted = Signal(object, int)    # partial result (or None), job id
    errored = Signal(str, int)       # message, job id

    @Slot(object)
    def run(self, job: Job) -> None:
        try:
            if job.stop.is_set():
                self.aborted.emit(None, job.job_id)
                return
            self.started.emit(job.job_id)
            yield_to_gui()
            result = job.fn(job.should_stop, lambda payload: self.progress.emit(payload, job.job_id))
            if job.stop.is_set() or getattr(result, "cancelled", False):
                self.aborted.emit(result, job.job_id)
            else:
                self.finished.emit(result, job.job_id)
        except Exception as exc:  # never let an exception kill the thread's event loop silently
            self.errored.emit(error_message(exc), job.job_id)
        finally:
            job.done.set()


__all__ = ["Job", "JobFunction", "JobWorker", "error_message", "fraction_progress"]
