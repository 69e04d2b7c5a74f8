"""One redraw clock for all views: at most ~125 ticks a second, slower when drawing is slow, in turns.

Views ``request()`` a redraw when their model changed; ``tick`` comes once for all of them. Two rules keep the
GUI thread free for input, however fast the race runs and however much there is to draw:

- Turns: views belong to one of ``GROUPS`` groups and redraw on their group's ticks only (``TURNS``: the
  contour and the loss on one tick, gradient norm and κ on the next), so one tick (and the paint that follows
  it) never redraws more than two plots, and every plot redraws on every second tick.
- Pace: the views report what their paints cost (``note_cost``); the next tick comes (tick + paint cost) /
  ``BUSY_FRACTION`` after the last one began, but only once that tick's paints are done and ``GAP_MS`` after
  them: drawing takes at most that share of the GUI thread, and a tick never shares an event-loop pass with
  the previous tick's paint (one pass = one block of the GUI thread).
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from widgets.gil import gui_busy

MIN_INTERVAL_MS = 8      # ≤ 125 ticks a second
MAX_INTERVAL_MS = 250    # never slower than 4 ticks a second
PAINT_WAIT_MS = 100      # a tick whose paint never comes (nothing visible changed) stops being waited for
TABLE_INTERVAL = 0.25    # tables of numbers change at most 4 times a second: nobody reads faster
BUSY_FRACTION = 0.7      # drawing may use at most this share of the GUI thread
GAP_MS = 3               # after a paint, the event loop gets at least this long before the next tick
GROUPS = 4               # contour and leaderboard; loss; gradient norm; condition number and curvature table
# the groups that redraw on each tick of a cycle: the contour and the loss (with the leaderboard) on one, gradient
# norm and κ (with the curvature table) on the next; a tick and its paints cost ~5–8 ms at 8 racers
TURNS = ((0, 1), (2, 3))


class RedrawClock(QObject):
    tick = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
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

    def request(self) -> None:
        if self._timer.isActive():
            return
        now = time.perf_counter()
        wait = max(self.interval_ms - (now - self._tick_start) * 1000.0, GAP_MS - (now - self._last_end) * 1000.0)
        if self._awaiting_paint_since is not None:
            waited = (now - self._awaiting_paint_since) * 1000.0
            if waited < PAINT_WAIT_MS:
                wait = max(wait, 5.0)  # the last tick's paints have not all happened yet: come back after them
            else:
                self._awaiting_paint_since = None
                self._expected.clear()
        self._timer.start(max(0, int(wait)))

    def my_turn(self, group: int) -> bool:
        """True on ``group``'s ticks (and on every tick of a flush). A view that is not due calls ``request``."""
        return self.flushing or group in TURNS[self.ticks % len(TURNS)]

    def table_due(self, table) -> bool:
        """True (and the clock noted) if ``table`` last refreshed ``TABLE_INTERVAL`` or more ago."""
        now = time.perf_counter()
        if now - self._table_last.get(id(table), 0.0) < TABLE_INTERVAL:
            return False
        self._table_last[id(table)] = now
        return True

    def expect_paint(self, view) -> None:
        """A view changed in this tick: the next tick waits for its paint."""
        self._expected.add(id(view))

    def note_cost(self, ms: float, view=None) -> None:
        """A view reports drawing work (its paint) done outside the tick."""
        self._cost_ms += ms
        self._expected.discard(id(view))
        if not self._expected:
            self._awaiting_paint_since = None
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

    def _on_timeout(self) -> None:
        if self._awaiting_paint_since is not None and \
                (time.perf_counter() - self._awaiting_paint_since) * 1000.0 < PAINT_WAIT_MS:
            self.request()
            return
        self._expected.clear()
        t0 = self._tick_start = time.perf_counter()
        with gui_busy():
            self.tick.emit()
        self._last_end = time.perf_counter()
        self.last_cost_ms = (self._last_end - t0) * 1000.0
        self._cost_ms = 0.0
        self._awaiting_paint_since = self._last_end if self._expected else None
        self.ticks += 1
        self.interval_ms = int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS, self.last_cost_ms / BUSY_FRACTION)))
