"""One racer's record as the window has it, built from the worker's messages (``lab.views.snapshot.Progress``)."""
from __future__ import annotations

import numpy as np

from lab.race import RUNNING, RacerSpec
from lab.views.decimate import Envelope
from lab.views.growing_array import GrowingArray
from lab.views.snapshot import PointInfo
from widgets.style import PALETTE

POSITION_ROWS_RESERVED = 4_000_000
"""Position rows × dimension reserved per racer up front (address space only until written)."""


class RacerTrace:
    """One racer's record as the window has it, from the worker's messages: every position (the trajectory is
    drawn and redrawn from them), the loss, gradient norm and condition number as ``Envelope``s (what the plots
    draw: exact while short, then each bucket's min and max), and its current point. The exact record of every
    step is the engine's ``Track`` (read for export once the race is paused)."""

    def __init__(self, spec: RacerSpec, row: int, dim: int, rows: int = 1024):
        self.spec, self.row = spec, row
        # room for the whole race at once: untouched pages cost no memory, and a full buffer is never copied
        # into a bigger one in the GUI thread (8 racers × 8 MB at half a million steps: a 50 ms block)
        self.positions = GrowingArray(dim, capacity=max(1024, min(rows, POSITION_ROWS_RESERVED // max(dim, 1))))
        self.loss_curve = Envelope()   # what the plots draw: per bucket of steps its min and max (exact
        self.grad_curve = Envelope()   # rows while short); the engine's tracks keep every value (export)
        self.kappa_curve = Envelope()
        self.status, self.status_step, self.reason, self.described = RUNNING, None, "", RUNNING
        self.notes: list[tuple[int, str]] = []
        self.point: PointInfo | None = None

    @property
    def n(self) -> int:
        return self.positions.n

    @property
    def steps(self) -> int:
        return max(self.n - 1, 0)

    @property
    def color(self) -> str:
        return self.spec.color or PALETTE[self.row % len(PALETTE)]

    @property
    def label(self) -> str:
        return self.spec.name

    @property
    def loss(self) -> float:
        return self.loss_curve.last

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def apply(self, u) -> bool:
        """Append an update's rows (they must follow on); False if they do not (a stale message)."""
        if u.first != self.n:
            return False
        self.positions.extend(u.positions)
        steps = np.arange(u.first, u.first + len(u.losses), dtype=float)
        self.loss_curve.extend(steps, u.losses)
        self.grad_curve.extend(steps, u.grad_norms)
        self.kappa_curve.extend(u.kappa_steps, u.kappas)
        self.status, self.status_step, self.reason, self.described = u.status, u.status_step, u.reason, u.described
        self.notes.extend(u.notes)
        if u.point is not None:
            old = self.point
            if u.point.eigenvalues is None and old is not None and old.eigenvalues is not None:
                # curvature is taken less often in high dimension: keep the last one until the next
                u.point.eigenvalues, u.point.eigenvectors = old.eigenvalues, old.eigenvectors
                u.point.condition, u.point.kind, u.point.bound = old.condition, old.kind, old.bound
            self.point = u.point
        return True


__all__ = ["POSITION_ROWS_RESERVED", "RacerTrace"]
