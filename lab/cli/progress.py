"""A progress bar on stderr for long subcommands: redrawn in place when stderr is a terminal, silent otherwise (the
command prints its own final line).

    bar = ProgressBar("basin", unit="point-steps")
    run(..., progress=bar)          # bar(done, total), from the work's own callbacks
    bar.close()

On a terminal: ``basin [#########.........]  47%  12.3 M point-steps/s  0:14 left``, at most ~10 redraws a second.
"""
from __future__ import annotations

import sys
import time

WIDTH = 24


def _rate(value: float) -> str:
    for scale, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= scale:
            return f"{value / scale:.1f}{suffix}"
    return f"{value:.1f} "


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds) + 0.5)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """``bar(done, total)`` redraws; ``close()`` ends the line. Does nothing unless ``stream`` is a terminal."""

    def __init__(self, title: str, unit: str = "steps", stream=None, clock=time.monotonic):
        self.title, self.unit, self.clock = title, unit, clock
        self.stream = sys.stderr if stream is None else stream
        try:
            self.live = bool(self.stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.live = False
        self.started = clock()
        self.first_done: float | None = None
        self.last_draw = -1.0
        self.drawn = False

    def line(self, done: float, total: float, label: str = "") -> str:
        """The bar's text for ``done`` of ``total`` (rate and time left from the work done since the first call)."""
        now = self.clock()
        if self.first_done is None:
            self.first_done, self.started = done, now
        share = min(1.0, done / total) if total > 0 else 1.0
        filled = int(round(share * WIDTH))
        text = f"{self.title} [{'#' * filled}{'.' * (WIDTH - filled)}] {100 * share:3.0f}%"
        elapsed = now - self.started
        if elapsed > 0 and done > self.first_done:
            rate = (done - self.first_done) / elapsed
            text += f"  {_rate(rate)}{self.unit}/s  {_clock((total - done) / rate)} left"
        return text + (f"  {label[:30]}" if label else "")

    def __call__(self, done: float, total: float, label: str = "") -> None:
        if not self.live:
            return
        text = self.line(done, total, label)
        now = self.clock()
        if now - self.last_draw < 0.1 and done < total:
            return
        self.last_draw = now
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


__all__ = ["ProgressBar"]
