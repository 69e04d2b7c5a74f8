"""The GUI thread goes first: while it runs Python (a redraw, a paint, a progress message) the worker waits.

Python runs one thread at a time (the GIL). A worker stepping flat out and the GUI thread would otherwise take
turns every few milliseconds, and every 20 ms of drawing would take 40 ms or more: the window would stutter at
full speed. So the GUI thread marks its Python work with ``gui_busy()`` and the worker, before each step, waits
(releasing the GIL) until the GUI thread is idle — at most ``MAX_WAIT`` at a time, so a forgotten mark can never
stall the race.

A redraw is more than its Python: after the clock's tick Qt works out what changed and paints each view, calling
back into Python (bounding boxes, paint methods) dozens of times, and each call could wait for the worker to give
the GIL back. ``hold()`` keeps the worker waiting across that whole stretch until ``release()`` (the clock
releases when the tick's paints are done, and never holds longer than ``MAX_WAIT``).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

MAX_WAIT = 0.05

_idle = threading.Event()
_idle.set()
_depth = 0
_held = False
_held_until = 0.0


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
        if _depth == 0 and not _held:
            _idle.set()


def hold(seconds: float) -> None:
    """The GUI thread is busy from now until ``release()``, or ``seconds`` at most even if nothing releases it (a
    window closed mid-redraw); not nestable; GUI thread only."""
    global _held, _held_until
    _held, _held_until = True, time.monotonic() + seconds
    _idle.clear()


def release() -> None:
    global _held
    _held = False
    if _depth == 0:
        _idle.set()


def yield_to_gui() -> None:
    """In the worker: if the GUI thread is busy, wait (GIL released) until it is done, at most MAX_WAIT (a hold
    only until its time is up)."""
    if _idle.is_set():
        return
    wait = MAX_WAIT
    if _held and _depth == 0:
        wait = min(wait, max(0.0, _held_until - time.monotonic()))
    if wait > 0:
        _idle.wait(wait)
