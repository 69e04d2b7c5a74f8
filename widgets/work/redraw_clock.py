"""One redraw clock for all views: at most ~125 redraws a second, slower when drawing is slow.

Views ``request()`` a redraw when their model changed; ``tick`` comes once for all of them and each view redraws
what changed (tables of numbers at most every ``TABLE_INTERVAL``, one table a tick). Four rules keep the GUI
thread free for input and the plots smooth, however fast the race runs:

- Halves: the contour and the loss plot redraw on one tick, the gradient-norm and κ plots on the next
  (``my_turn``); a view that missed its half asks again and the next tick is its half. One tick and its paints
  (~9 ms at 8 racers) is one block of the GUI thread, not all four plots' ~18 ms.
- Pace: the views report what their paints cost (``note_cost``); the next tick comes (tick + paint cost) /
  ``BUSY_FRACTION`` after the last one that drew began, but only once that tick's paints are done and ``GAP_MS``
  after them: drawing takes at most that share of the GUI thread, and a tick never shares an event-loop pass
  with the previous tick's paint.
- Hold: from a tick to the end of its paints the worker waits (``widgets.work.gil.hold``, at most ``HOLD_MAX_MS``).
  Qt calls back into Python dozens of times on the way to and through the paints; with the worker running each
  call could first wait for the GIL, and a 10 ms redraw took 20.
- Tables ask for the tick when they are due, so they never make the clock tick in between.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from widgets.work import gil
from widgets.work.gil import gui_busy

MIN_INTERVAL_MS = 8      # ≤ 125 ticks a second
MAX_INTERVAL_MS = 250    # never slower than 4 ticks a second
PAINT_WAIT_MS = 100      # a tick whose paint never comes (nothing visible changed) stops being waited for
TABLE_INTERVAL = 0.25    # tables of numbers change at most 4 times a second: nobody reads faster
BUSY_FRACTION = 0.7      # drawing may use at most this share of the GUI thread
HOLD_MAX_MS = 40         # the worker waits for a tick's paints at most this long
GAP_MS = 1               # after a paint, the event loop gets at least this long before the next tick
HALVES = 2               # 0: contour and loss; 1: gradient norm and κ


class RedrawClock(QObject):
    tick = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._hold_timer = QTimer(self)  # the worker is held back from a tick to its paints, never longer than this
        self._hold_timer.setSingleShot(True)
        self._hold_timer.setInterval(HOLD_MAX_MS)
        self._hold_timer.timeout.connect(self._release)
        self._last_end = 0.0
        self._tick_start = 0.0
        self._cost_ms = 0.0
        self.interval_ms = MIN_INTERVAL_MS
        self.last_cost_ms = 0.0
        self.ticks = 0
        self.flushing = False
        self._awaiting_paint_since: float | None = None
        self._expected: set[int] = set()
        self._table_last: dict[int, float] = {}
        self._table_tick = -1  # the tick a table last refreshed on
        self._half = HALVES - 1  # the first tick is half 0's
        self._wanting: set[int] = set()  # halves with a view that changed on a tick not theirs

    def request(self, delay_ms: float = 0.0, half: int | None = None) -> None:
        """A tick, as soon as the pace allows (and not before ``delay_ms``); ``half``: for a view of that half."""
        if half is not None:
            self._wanting.add(half)
        now = time.perf_counter()
        wait = max(delay_ms, self.interval_ms - (now - self._tick_start) * 1000.0,
                   GAP_MS - (now - self._last_end) * 1000.0)
        if self._awaiting_paint_since is not None:
            waited = (now - self._awaiting_paint_since) * 1000.0
            if waited < PAINT_WAIT_MS:
                wait = max(wait, 5.0)  # the last tick's paints have not all happened yet: come back after them
            else:
                self._awaiting_paint_since = None
                self._expected.clear()
        if self._timer.isActive() and self._timer.remainingTime() <= wait:
            return
        self._timer.start(max(0, int(wait)))

    def my_turn(self, half: int) -> bool:
        """True on ``half``'s ticks (and on every tick of a flush). A view that is not due calls ``request``."""
        if self.flushing or half == self._half:
            return True
        self._wanting.add(half)
        return False

    def table_due(self, table) -> bool:
        """True (and the clock noted) if ``table`` may refresh on this tick: ``TABLE_INTERVAL`` or more since its
        last refresh, and no other table refreshed on it. If not, the clock comes back when it may."""
        now = time.perf_counter()
        wait = TABLE_INTERVAL - (now - self._table_last.get(id(table), -1e9))
        if wait > 0 or self._table_tick == self.ticks:
            self.request(max(wait * 1000.0, MIN_INTERVAL_MS))
            return False
        self._table_last[id(table)] = now
        self._table_tick = self.ticks
        return True

    def expect_paint(self, view) -> None:
        """A view changed in this tick: the next tick (and the worker) waits for its paint, if one will come (a
        hidden, minimized or collapsed view is never painted)."""
        if view.isVisible() and view.width() > 0 and view.height() > 0 and not view.window().isMinimized():
            self._expected.add(id(view))

    def note_cost(self, ms: float, view=None) -> None:
        """A view reports drawing work (its paint) done outside the tick."""
        self._cost_ms += ms
        self._expected.discard(id(view))
        if not self._expected:
            self._awaiting_paint_since = None
            self._release()
        self._last_end = time.perf_counter()
        self.interval_ms = int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS,
                                                        (self.last_cost_ms + self._cost_ms) / BUSY_FRACTION)))
        if self._timer.isActive():  # a tick armed before this paint: due an interval after the last tick began,
            due = self._tick_start + self.interval_ms / 1000.0  # and never right on the heels of this paint
            self._timer.start(max(GAP_MS, int((due - self._last_end) * 1000.0)))

    def flush(self) -> None:
        """Redraw every view now (tests, screenshots, exports)."""
        self._timer.stop()
        self.flushing = True
        try:
            with gui_busy():
                self.tick.emit()
        finally:
            self.flushing = False

    def _release(self) -> None:
        self._hold_timer.stop()
        gil.release()

    def stop(self) -> None:
        """No more ticks, and the worker is not held (the window is closing)."""
        self._timer.stop()
        self._release()

    def _on_timeout(self) -> None:
        if self._awaiting_paint_since is not None and \
                (time.perf_counter() - self._awaiting_paint_since) * 1000.0 < PAINT_WAIT_MS:
            self.request()
            return
        self._expected.clear()
        following = (self._half + 1) % HALVES  # the other half, unless only this one has something to draw
        self._half = following if following in self._wanting or not self._wanting else self._half
        self._wanting.clear()
        t0 = time.perf_counter()
        gil.hold(HOLD_MAX_MS / 1000.0)  # until this tick's paints are done (widgets/work/gil.py)
        with gui_busy():
            self.tick.emit()
        self.ticks += 1
        end = time.perf_counter()
        if not self._expected:  # nothing to paint (a table, or nothing changed): the pace is not touched
            self._release()
            return
        self._hold_timer.start()
        self._tick_start, self._last_end = t0, end
        self.last_cost_ms = (end - t0) * 1000.0
        self._cost_ms = 0.0
        self._awaiting_paint_since = end
        self.interval_ms = int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS, self.last_cost_ms / BUSY_FRACTION)))
