"""Leaderboard: racers ranked by current loss, with status (running, converged / diverged at step k), steps and speed."""
from __future__ import annotations

import math

from PySide6.QtCore import Signal, Slot

from lab.engine.status import standing
from widgets.model import LabModel, RacerTrace
from widgets.panels.tables import LiveTable, number, swatch
from widgets.work.redraw_clock import RedrawClock

SHORT_STATUS = {"running": "running", "converged": "converged", "diverged": "diverged", "max_steps": "max steps",
                "error": "error", "stationary": "stationary"}


def short_status(t: RacerTrace) -> str:
    """'running', 'converged', 'diverged', 'max steps', 'error': the Steps column beside it says at which step
    (a stopped racer's steps are the step it stopped at); the tooltip says it in full, with the reason."""
    return SHORT_STATUS.get(t.status, t.status)


def rank_key(t: RacerTrace, min_value):
    """Finite losses first, lowest first; then stationary racers (at a saddle point or a maximum: they do not lead,
    whatever their loss); then the rest (NaN, ∞) in table order."""
    loss = t.loss
    return (standing(t.status, loss), loss if math.isfinite(loss) else 0.0, t.row)


class Leaderboard(LiveTable):
    """The ranking. Every running racer steps at the race's rate (they step in lockstep), so the steps per second
    are one number, sent in ``rateChanged`` for the box's title rather than repeated on every row."""

    rateChanged = Signal(str)

    HEADERS = ["Racer", "f − f*", "Status", "step"]

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(self.HEADERS, "leaderboard", model, clock, parent)
        self.verticalHeader().show()  # the rank: 1, 2, 3, …
        self.setToolTip("ranked by the current loss; a stopped racer's step is where it stopped; hover a status "
                        "for the reason")
        model.runningChanged.connect(self._on_changed)
        model.view_step.viewStepChanged.connect(self._on_changed)  # the timeline: the ranking as of step k
        self.cellClicked.connect(self._on_cell_clicked)
        self._order: list[RacerTrace] = []
        self.rate_text = ""
        self._on_changed()

    @Slot(int, int)
    def _on_cell_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._order):
            self.model.select(self._order[row].row)

    def refresh(self) -> None:
        m = self.model
        f_star = m.objective.min_value
        header = self.horizontalHeaderItem(1)
        header.setText("f − f*" if f_star is not None else "f")
        ranked = sorted(m.view_step.traces, key=lambda t: rank_key(t, f_star))
        self._order = ranked
        self.setRowCount(len(ranked))
        for i, t in enumerate(ranked):
            loss = t.loss - f_star if (f_star is not None and math.isfinite(t.loss)) else t.loss
            tip = t.described + ("\n" + "\n".join(f"step {k}: {text}" for k, text in t.notes[-3:]) if t.notes else "")
            bad = t.status in ("diverged", "error")
            self.set_cell(i, 0, t.label, icon=swatch(t.color), tip=f"{t.spec.optimizer} {t.spec.hyperparameters}")
            self.set_cell(i, 1, number(loss), align_right=True)
            self.set_cell(i, 2, short_status(t), tip=tip, color="#B03A00" if bad else
                          "#006B4F" if t.status == "converged" else "#8A5A00" if t.status == "stationary" else None)
            self.set_cell(i, 3, f"{t.steps:,}", align_right=True)
        self.fit_widths(icon_col=0)
        self.rate_text = (f"step {m.view_step.step:,} of {m.step_count:,}" if not m.view_step.live else
                          f"all racers step together, {m.steps_per_second:,.0f} steps/s"
                          if m.running and m.steps_per_second else
                          "race over" if m.done else "paused" if m.step_count else "ready: press Run (Space)")
        self.rateChanged.emit(self.rate_text)
