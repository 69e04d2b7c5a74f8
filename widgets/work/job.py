"""One long computation at a time in a worker thread: a convergence map, a learning-rate sweep.

``JobRunner`` owns a QThread and a ``JobWorker`` (a QObject without parent, moved to the thread). ``start(fn)``
hands the worker ``fn(should_stop, progress)``: a callable that checks ``should_stop()`` often (lab.basin and
lab.sweep check it every chunk, ~10 ms) and reports ``progress(done, total)``. A job ends with exactly one of
``finished(result)``, ``aborted(result)`` (stopped on request: Cancel, a new run, closing; the partial result)
or ``errored(message)``; an aborted job never emits ``finished``. ``progress(fraction)`` is emitted at most
``PROGRESS_PER_SECOND`` times a second. The runner lives in the GUI thread and relays the worker's signals, so
slots connected to the runner run in the GUI thread. ``shutdown()`` stops the job and ends the thread.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from widgets.work.gil import yield_to_gui
from widgets.work.owner import JobOwner

PROGRESS_PER_SECOND = 20


@dataclass
class Job:
    fn: Callable[[Callable[[], bool], Callable[[int, int], Any]], Any]
    job_id: int
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


class JobWorker(QObject):
    """Runs one job at a time in its thread. Create without a parent, then ``moveToThread``."""

    started = Signal(int)            # job id
    progress = Signal(int, float)    # job id, the fraction done (counts pass 2**31: 400² starts × 10⁶ steps)
    finished = Signal(int, object)   # job id, result
    aborted = Signal(int, object)    # job id, partial result (or None)
    errored = Signal(int, str)       # job id, message

    @Slot(object)
    def run(self, job: Job) -> None:
        last = 0.0

        def should_stop() -> bool:
            yield_to_gui()  # the GUI thread's Python work goes first (widgets/gil.py)
            return job.stop.is_set()

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.perf_counter()
            if now - last >= 1.0 / PROGRESS_PER_SECOND or done >= total:
                last = now
                self.progress.emit(job.job_id, done / total if total else 0.0)

        try:
            if job.stop.is_set():
                self.aborted.emit(job.job_id, None)
                return
            self.started.emit(job.job_id)
            result = job.fn(should_stop, progress)
            if job.stop.is_set() or getattr(result, "cancelled", False):
                self.aborted.emit(job.job_id, result)
            else:
                self.finished.emit(job.job_id, result)
        except Exception as exc:  # never let an exception kill the thread's event loop silently
            message = str(exc) if _is_lab(exc) else f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
            self.errored.emit(job.job_id, message)
        finally:
            job.done.set()


def _is_lab(exc: Exception) -> bool:
    from lab.errors import LabError

    return isinstance(exc, LabError)


class JobRunner(JobOwner):
    """Owns the worker thread; relays the current job's signals (stale jobs' signals are dropped)."""

    _requested = Signal(object)
    started = Signal()
    progress = Signal(float)  # the fraction done, 0..1
    finished = Signal(object)
    aborted = Signal(object)
    errored = Signal(str)

    def __init__(self, name: str = "analysis-worker", parent: QObject | None = None):
        super().__init__(JobWorker(), name, parent)
        queued = Qt.ConnectionType.QueuedConnection
        self.worker.started.connect(self._on_started, queued)
        self.worker.progress.connect(self._on_progress, queued)
        self.worker.finished.connect(self._on_finished, queued)
        self.worker.aborted.connect(self._on_aborted, queued)
        self.worker.errored.connect(self._on_errored, queued)

    def start(self, fn) -> int:
        """Run ``fn(should_stop, progress)`` in the worker (stopping any job still running); its id."""
        return self._submit(lambda job_id: Job(fn, job_id))

    def cancel(self) -> None:
        """Ask the job to stop, without waiting: ``aborted`` follows within a chunk (~10 ms)."""
        if self._job is not None:
            self._job.stop.set()

    def _current(self, job_id: int) -> bool:
        return self._job is not None and self._job.job_id == job_id

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        if self._current(job_id):
            self.started.emit()

    @Slot(int, float)
    def _on_progress(self, job_id: int, fraction: float) -> None:
        if self._current(job_id) and not self._job.stop.is_set():
            self.progress.emit(fraction)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result) -> None:
        if self._current(job_id):
            self.finished.emit(result)

    @Slot(int, object)
    def _on_aborted(self, job_id: int, result) -> None:
        if self._current(job_id):
            self.aborted.emit(result)

    @Slot(int, str)
    def _on_errored(self, job_id: int, message: str) -> None:
        if self._current(job_id):
            self.errored.emit(message)


__all__ = ["Job", "JobRunner", "JobWorker"]
