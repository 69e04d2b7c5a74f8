"""A worker object in a QThread of its own, owned by an object in the GUI thread: one place for the thread's life.

``ThreadOwner`` moves its worker (which must have no parent: ``moveToThread`` silently fails with one) to a new
thread, starts it, and registers for ``shutdown`` at the application's ``aboutToQuit`` and, as a last resort, at
interpreter exit (``widgets.work.live_threads``), so no worker outlives its QThread. A subclass declares the signal
``_requested``, connected here to the worker's ``run``: emitting it hands the worker its work. ``JobOwner`` adds
one job at a time: a job is any object with ``stop`` and ``done`` events; ``stop`` takes it back from the worker.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread

from widgets.work import live_threads


class ThreadOwner(QObject):
    def __init__(self, worker: QObject, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = worker
        worker.moveToThread(self.thread)
        self._requested.connect(worker.run)  # the subclass's request signal: queued, run in the worker thread
        self.thread.finished.connect(worker.deleteLater)
        self.thread.start()
        self._closed = False
        live_threads.register(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

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


class JobOwner(ThreadOwner):
    """One job at a time: ``_submit`` stops the current one and hands a new one to the worker's ``run``."""

    def __init__(self, worker: QObject, name: str, parent: QObject | None = None):
        super().__init__(worker, name, parent)
        self._job = None
        self._next_id = 0

    @property
    def busy(self) -> bool:
        """A job is queued or running."""
        return self._job is not None and not self._job.done.is_set()

    def _submit(self, make_job: Callable[[int], object]) -> int:
        """Stop the current job, then queue ``make_job(job_id)`` for the worker; the new job's id."""
        if self._closed:
            raise RuntimeError(f"the {self.thread.objectName()} thread is shut down")
        self.stop()
        self._next_id += 1
        self._job = make_job(self._next_id)
        self._requested.emit(self._job)
        return self._next_id

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the current job to stop and wait until the worker has let go of it; True if it has."""
        job = self._job
        if job is None:
            return True
        job.stop.set()
        return job.done.wait(timeout)

    def _before_quit(self) -> None:
        self.stop()


__all__ = ["JobOwner", "ThreadOwner"]
