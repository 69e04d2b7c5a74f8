"""Who starts and stops the worker threads: ``ThreadOwner`` (one QThread and its ``JobWorker``) and ``JobRunner``
(one job at a time, its signals relayed into the GUI thread).

``ThreadOwner`` moves its worker (no parent: ``moveToThread`` silently fails with one) to a new thread, starts it,
and registers for ``shutdown`` at the application's ``aboutToQuit`` and, as a last resort, at interpreter exit
(``widgets.work.live_threads``), so no worker outlives its QThread. ``_hand_over(job)`` queues a job for the worker.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QThread, Qt, Signal, Slot

from widgets.work import live_threads
from widgets.work.job import Job, JobFunction, JobWorker


class ThreadOwner(QObject):
    """A QThread with a ``JobWorker`` in it; ``shutdown`` ends both (safe to call twice)."""

    _requested = Signal(object)  # a Job for the worker: queued, run in the worker thread

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = JobWorker()
        self.worker.moveToThread(self.thread)
        self._requested.connect(self.worker.run)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()
        self._closed = False
        self._next_id = 0
        live_threads.register(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _relay(self, **slots) -> None:
        """Connect the worker's signals (by name) to slots or signals of this object, queued into the GUI
        thread."""
        for name, slot in slots.items():
            getattr(self.worker, name).connect(slot, Qt.ConnectionType.QueuedConnection)

    def _hand_over(self, fn: JobFunction) -> Job:
        """A new job (the next id) for ``fn``, queued for the worker."""
        if self._closed:
            raise RuntimeError(f"the {self.thread.objectName()} thread is shut down")
        self._next_id += 1
        job = Job(fn, self._next_id)
        self._requested.emit(job)
        return job

    def _before_quit(self) -> None:
        """Let go of the work (called once, by ``shutdown``, before the thread is asked to quit)."""

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Let go of the work, quit the thread's event loop and wait for the thread to end (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        live_threads.forget(self)
        self._before_quit()
        self.thread.quit()
        self.thread.wait(timeout_ms)


class JobRunner(ThreadOwner):
    """One job at a time: ``start(fn)`` stops the current job first. The worker's signals are relayed into the GUI
    thread, so slots connected to the runner run there, in the order the worker emitted them. Connect to these,
    not to ``runner.worker``'s: a plain Python callable connected to the worker's signal would run in the worker
    thread. A stale job's signals, and progress after a stop, are dropped unless ``RELAY_STALE`` (the race's
    runner relays every message: its model tells runs apart itself, and must get every row the worker sent)."""

    RELAY_STALE = False

    started = Signal(int)             # job id
    progress = Signal(object)         # the job's payload
    finished = Signal(object)         # result
    aborted = Signal(object)          # partial result (or None)
    errored = Signal(object, str)     # partial result (or None), message

    def __init__(self, name: str = "analysis-worker", parent: QObject | None = None):
        super().__init__(name, parent)
        self._job: Job | None = None
        if self.RELAY_STALE:  # the hot path (the race's progress) goes signal to signal
            self._relay(started=self.started, progress=self.progress, finished=self.finished)
        else:
            self._relay(started=self._on_started, progress=self._on_progress, finished=self._on_finished)
        self._relay(aborted=self._on_aborted, errored=self._on_errored)

    @property
    def job(self) -> Job | None:
        return self._job

    @property
    def busy(self) -> bool:
        """A job is queued or running."""
        return self._job is not None and not self._job.done.is_set()

    def start(self, fn: JobFunction) -> int:
        """Run ``fn(should_stop, progress)`` in the worker (stopping any job still running); its id."""
        self.stop()
        self._job = self._hand_over(fn)
        return self._job.job_id

    def cancel(self) -> None:
        """Ask the job to stop, without waiting: ``aborted`` follows within a chunk (~10 ms)."""
        if self._job is not None:
            self._job.stop.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the current job to stop and wait until the worker has let go of it; True if it has."""
        job = self._job
        if job is None:
            return True
        job.stop.set()
        return job.done.wait(timeout)

    def wait(self, timeout: float = 5.0) -> bool:
        """Wait (without stopping it) until the current job ends; True if it has."""
        job = self._job
        return job is None or job.done.wait(timeout)

    def _before_quit(self) -> None:
        self.stop()

    def _current(self, job_id: int) -> bool:
        return self.RELAY_STALE or self._job is not None and self._job.job_id == job_id

    def _partial(self, job_id: int, reason: str):
        """What a job that errored, or was stopped before it began, leaves: None here (the race's runner says
        how far it got)."""
        return None

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        if self._current(job_id):
            self.started.emit(job_id)

    @Slot(object, int)
    def _on_progress(self, payload, job_id: int) -> None:
        if self._current(job_id) and not self._job.stop.is_set():
            self.progress.emit(payload)

    @Slot(object, int)
    def _on_finished(self, result, job_id: int) -> None:
        if self._current(job_id):
            self.finished.emit(result)

    @Slot(object, int)
    def _on_aborted(self, result, job_id: int) -> None:
        if self._current(job_id):
            self.aborted.emit(result if result is not None else self._partial(job_id, "stopped"))

    @Slot(str, int)
    def _on_errored(self, message: str, job_id: int) -> None:
        if self._current(job_id):
            self.errored.emit(self._partial(job_id, "error"), message)


__all__ = ["JobRunner", "ThreadOwner"]
