"""Small computations for the views, off the GUI thread: one worker thread, the newest request per key wins.

A view ``submit``s a key and a pure function (NumPy on copies, no Qt); the worker runs it and ``done`` brings
(key, result) back into the GUI thread. While a key's job runs, a newer request for the same key replaces any
waiting one, so a view that asks at 4 Hz never builds a queue. Used for the data plot's decision regions, the
2-D slice of a high-dimensional loss and the minibatch-loss curves.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot

from widgets.work.gil import gui_busy, yield_to_gui
from widgets.work.owner import ThreadOwner


class _Worker(QObject):
    """Runs one request at a time in its thread. No parent: it is moved to the thread."""

    done = Signal(object, object, object)   # key, token, result
    failed = Signal(object, object, str)    # key, token, message

    @Slot(object, object, object)
    def run(self, key, token, fn) -> None:
        yield_to_gui()
        try:
            result = fn()
        except Exception as exc:  # a view's computation never kills the thread
            self.failed.emit(key, token, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
            return
        self.done.emit(key, token, result)


class BackgroundJobs(ThreadOwner):
    """``submit(key, fn, on_done)``: run ``fn()`` in the worker thread, then ``on_done(result)`` in the GUI thread."""

    _requested = Signal(object, object, object)
    finished = Signal(object)               # key, after its on_done ran
    failed = Signal(object, str)            # key, message

    def __init__(self, parent: QObject | None = None):
        super().__init__(_Worker(), "view-jobs", parent)
        self.worker.done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self.worker.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._running: dict[Any, tuple[int, Callable]] = {}   # key -> (token, on_done) in flight
        self._waiting: dict[Any, tuple[Callable, Callable]] = {}
        self._token = 0

    def busy(self, key=None) -> bool:
        return bool(self._running) if key is None else key in self._running or key in self._waiting

    def submit(self, key, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        if self._closed:
            return
        if key in self._running:
            self._waiting[key] = (fn, on_done)
            return
        self._token += 1
        self._running[key] = (self._token, on_done)
        self._requested.emit(key, self._token, fn)

    def cancel(self, key) -> None:
        """Forget ``key``'s waiting request and ignore the result of the one in flight."""
        self._waiting.pop(key, None)
        if key in self._running:
            token, _ = self._running[key]
            self._running[key] = (token, None)

    def _next(self, key) -> None:
        self._running.pop(key, None)
        if key in self._waiting and not self._closed:
            fn, on_done = self._waiting.pop(key)
            self.submit(key, fn, on_done)

    @Slot(object, object, object)
    def _on_done(self, key, token, result) -> None:
        entry = self._running.get(key)
        if entry is None or entry[0] != token:
            return
        on_done = entry[1]
        self._next(key)
        if on_done is not None and not self._closed:
            with gui_busy():  # the worker threads wait while the GUI thread draws (widgets/gil.py)
                on_done(result)
            self.finished.emit(key)

    @Slot(object, object, str)
    def _on_failed(self, key, token, message: str) -> None:
        entry = self._running.get(key)
        if entry is None or entry[0] != token:
            return
        self._next(key)
        self.failed.emit(key, message)

    def _before_quit(self) -> None:
        """Stop taking requests; the running one ends (``shutdown`` then stops the thread)."""
        self._waiting.clear()


__all__ = ["BackgroundJobs"]
