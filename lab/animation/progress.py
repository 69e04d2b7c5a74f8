"""How far an animation has got, on stderr: a bar (frames done, rate, time left) when stderr is a terminal, else one
plain line at the end; or, for a program driving ``python main.py animate`` (the window's File → Export
animation…), a line ``frame K/F`` per frame when the environment sets PROGRESS_ENV to 1."""
from __future__ import annotations

import os
import sys
import time

PROGRESS_ENV = "OPTIMIZER_LAB_PROGRESS_LINES"

class Progress:
    """Frames done, rate and time left as a bar on stderr when it is a terminal; else one plain line at the end."""

    WIDTH = 30

    def __init__(self, total: int, stream=None):
        self.total, self.stream = total, stream or sys.stderr
        self.started = time.perf_counter()
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.lines = os.environ.get(PROGRESS_ENV) == "1"
        self._shown = 0.0
        self._first: float | None = None

    def update(self, done: int) -> None:
        self.done = done
        if self.lines:
            self.stream.write(f"frame {done}/{self.total}\n")
            self.stream.flush()
            return
        now = time.perf_counter()
        if self.tty and (now - self._shown >= 0.1 or done in (1, self.total)):
            self._shown = now
            self.stream.write("\r" + self.line(now) + "\033[K")
            self.stream.flush()

    def line(self, now: float) -> str:
        """The bar; the rate is counted from the first frame (not from the start: building the window is not a
        frame)."""
        if self._first is None:
            self._first = now
        rate = (self.done - 1) / (now - self._first) if self.done > 1 and now > self._first else float("nan")
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        filled = self.WIDTH * self.done // max(self.total, 1)
        return (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.done}/{self.total} frames, "
                + (f"{rate:.1f} frames/s, {left:.0f} s left" if rate == rate else "-"))

    def end(self) -> None:
        took = time.perf_counter() - self.started
        if self.lines:
            return
        if self.tty:
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.done} frames in {took:.1f} s ({self.done / max(took, 1e-9):.1f} frames/s)\n")
        self.stream.flush()


__all__ = ["PROGRESS_ENV", "Progress"]
