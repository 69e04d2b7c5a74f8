"""Python's cyclic garbage collector runs only in the GUI thread while the window's worker threads live.

Left automatic, a collection starts in whichever thread happens to allocate: a race worker could then destroy a
Qt object of an earlier window (a menu, an action) while the GUI thread destroys another. Seen: the worker, inside
``~QObject``, waited for the GIL while holding Qt's lock; the GUI thread, holding the GIL, waited for that lock in
shiboken's deletion of a menu — both for ever (a GUI test run hung). pyqtgraph's ``GarbageCollector`` turns
automatic collection off and collects on a timer in the GUI thread instead, generation by generation against the
usual thresholds (Qt's documented rule: Qt objects are deleted in their own thread).
"""
from __future__ import annotations

import gc

INTERVAL = 0.1  # seconds between two checks of the collector's counts (a generation-0 collection: well under 1 ms)

_collector = None


def collect_in_gui_thread() -> None:
    """From now on, cyclic garbage is collected by a timer in this (the GUI) thread only. Call it from the GUI
    thread once a QApplication exists; later calls do nothing. ``release()`` gives collection back to Python."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=INTERVAL)


def release() -> None:
    """Automatic collection again (tests, after a window and its threads are gone), after one full collection here."""
    global _collector
    if _collector is not None:
        _collector.timer.stop()
        _collector = None
    gc.collect()
    gc.enable()


__all__ = ["INTERVAL", "collect_in_gui_thread", "release"]
