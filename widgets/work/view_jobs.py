"""Small computations for the views, off the GUI thread: one worker thread, the newest request per key wins.

A view ``submit``s a key and a pure function (NumPy on copies, no Qt); the worker runs it as a ``Job`` and
``on_done(result)`` runs in the GUI thread. While a key's job runs, a newer request for the same key replaces
any waiting one, so a view that asks at 4 Hz never builds a queue. Used for the data plot's decision regions,
the 2-D slice of a high-dimensional loss, the minibatch-loss curves, formula checks and background exports.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from widgets.work.gil import gui_busy
from widgets.work.owner import ThreadOwner


class ViewJobs(ThreadOwner):
    """``submit(key, fn, on_done)``: run ``fn()`` in the worker thread, then ``on_done(result)`` in the GUI thread."""

    finished = Signal(object)               # key, after its on_done ran
    failed = Signal(object, str)            # key, message

    def __init__(self, parent: QObject | None = None):
        super().__init__("view-jobs", parent)
        self._relay(finished=self._on_done, errored=self._on_failed, aborted=self._on_aborted)
        self._running: dict[Any, tuple[int, Callable | None]] = {}   # key -> (job id, on_done) in flight
        self._waiting: dict[Any, tuple[Callable, Callable]] = {}
        self._keys: dict[int, Any] = {}      # job id -> key, while in flight

    def busy(self, key=None) -> bool:
        return bool(self._running) if key is None else key in self._running or key in self._waiting

    def submit(self, key, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        if self._closed:
            return
        if key in self._running:
            self._waiting[key] = (fn, on_done)
            return
        job = self._hand_over(lambda should_stop, progress: fn())
        self._running[key] = (job.job_id, on_done)
        self._keys[job.job_id] = key

    def cancel(self, key) -> None:
        """Forget ``key``'s waiting request and ignore the result of the one in flight."""
        self._waiting.pop(key, None)
        if key in self._running:
            job_id, _ = self._running[key]
            self._running[key] = (job_id, None)

    def _take(self, job_id: int):
        """The key of job ``job_id`` and its on_done, if it is still the key's job in flight; starts the key's
        waiting request."""
        key = self._keys.pop(job_id, None)
        entry = self._running.get(key)
        if entry is None or entry[0] != job_id:
            return None, None
        self._running.pop(key, None)
        if key in self._waiting and not self._closed:
            fn, on_done = self._waiting.pop(key)
            self.submit(key, fn, on_done)
        return key, entry[1]

    @Slot(object, int)
    def _on_done(self, result, job_id: int) -> None:
        key, on_done = self._take(job_id)
        if on_done is not None and not self._closed:
            with gui_busy():  # the worker threads wait while the GUI thread draws (widgets/work/gil.py)
                on_done(result)
            self.finished.emit(key)

    @Slot(str, int)
    def _on_failed(self, message: str, job_id: int) -> None:
        key, _ = self._take(job_id)
        if key is not None:
            self.failed.emit(key, message)

    @Slot(object, int)
    def _on_aborted(self, result, job_id: int) -> None:
        self._take(job_id)

    def _before_quit(self) -> None:
        """Stop taking requests; the running one ends (``shutdown`` then stops the thread)."""
        self._waiting.clear()


__all__ = ["ViewJobs"]
