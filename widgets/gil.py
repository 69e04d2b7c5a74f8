"""The GUI thread goes first: while it runs Python (a redraw, a paint, a progress message) the worker waits.

Python runs one thread at a time (the GIL). A worker stepping flat out and the GUI thread would otherwise take
turns every few milliseconds, and every 20 ms of drawing would take 40 ms or more: the window would stutter at
full speed. So the GUI thread marks its Python work with ``gui_busy()`` and the worker, before each step, waits
(releasing the GIL) until the GUI thread is idle — at most ``MAX_WAIT`` at a time, so a forgotten mark can never
stall the race.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

MAX_WAIT = 0.05

_idle = threading.Event()
_idle.set()
_depth = 0


@contextmanager
def gui_busy():
    """Mark a stretch of GUI-thread Python work (nestable; GUI thread only)."""
    global _depth
    _depth += 1
    _idle.clear()
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _idle.set()


def yield_to_gui() -> None:
    """In the worker: if the GUI thread is busy, wait (GIL released) until it is done, at most MAX_WAIT."""
    if not _idle.is_set():
        _idle.wait(MAX_WAIT)
