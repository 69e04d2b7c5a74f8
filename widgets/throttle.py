"""One redraw clock for all views: at most ~60 redraws a second, slower when redrawing itself is slow."""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

MIN_INTERVAL_MS = 16     # ≤ 60 Hz
MAX_INTERVAL_MS = 250    # never slower than 4 Hz
BUSY_FRACTION = 0.4      # redrawing may use at most this share of the GUI thread


class RedrawClock(QObject):
    """Views ``request()`` a redraw when their model changed; ``tick`` comes once for all of them.

    The interval adapts: if the last redraw took t ms, the next waits at least t / BUSY_FRACTION ms, so the
    GUI thread stays free for input however much there is to draw.
    """

    tick = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._last_end = 0.0
        self.interval_ms = MIN_INTERVAL_MS
        self.last_cost_ms = 0.0
        self.ticks = 0

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait = self.interval_ms - (time.perf_counter() - self._last_end) * 1000.0
        self._timer.start(max(0, int(wait)))

    def flush(self) -> None:
        """Redraw now (tests, screenshots)."""
        self._timer.stop()
        self._on_timeout()

    def _on_timeout(self) -> None:
        t0 = time.perf_counter()
        self.tick.emit()
        self._last_end = time.perf_counter()
        self.last_cost_ms = (self._last_end - t0) * 1000.0
        self.ticks += 1
        self.interval_ms = int(min(MAX_INTERVAL_MS, max(MIN_INTERVAL_MS, self.last_cost_ms / BUSY_FRACTION)))
