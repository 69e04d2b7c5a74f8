"""Leaderboard: racers ranked by current loss, with status (running, converged / diverged at step k), steps and speed."""
from __future__ import annotations

import math

from PySide6.QtCore import Signal, Slot

from widgets.model import LabModel, RacerTrace
from widgets.tables import ReadOnlyTable, number, swatch
from widgets.throttle import RedrawClock

SHORT_STATUS = {"running": "running", "converged": "converged", "diverged": "diverged", "max_steps": "max steps",
                "error": "error"}


def short_status(t: RacerTrace) -> str:
    """'running', 'converged at 117', 'diverged at 21', 'error at 3', 'max steps' (the Steps column says how many)."""
    if t.status in ("running", "max_steps"):
        return SHORT_STATUS[t.status]
    return f"{SHORT_STATUS.get(t.status, t.status)} at {t.status_step:,}"


def rank_key(t: RacerTrace, min_value):
    """Finite losses first, lowest first; then the rest (NaN, ∞) in table order."""
    loss = t.loss
    return (0, loss, t.row) if math.isfinite(loss) else (1, 0.0, t.row)


class Leaderboard(ReadOnlyTable):
    """The ranking. Every running racer steps at the race's rate (they step in lockstep), so the steps per second
    are one number, sent in ``rateChanged`` for the box's title rather than repeated on every row."""

    rateChanged = Signal(str)

    HEADERS = ["#", "Racer", "f − f*", "Status", "Steps"]

    def __init__(self, model: LabModel, clock: RedrawClock, parent=None):
        super().__init__(self.HEADERS, "leaderboard", parent)
        self.model = model
        self._dirty = True
        self.setToolTip("ranked by the current loss; hover a status for the reason")
        model.raceReset.connect(self._on_changed)
        model.raceAdvanced.connect(self._on_changed)
        model.runningChanged.connect(self._on_changed)
        clock.tick.connect(self._on_tick)
        self.cellClicked.connect(self._on_cell_clicked)
        self._order: list[RacerTrace] = []
        self._clock = clock
        self.rate_text = ""
        self._on_changed()

    @Slot()
    @Slot(object)
    @Slot(bool)
    def _on_changed(self, *_) -> None:
        self._dirty = True
        self._clock.request()

    @Slot(int, int)
    def _on_cell_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._order):
            self.model.select(self._order[row].row)

    @Slot()
    def _on_tick(self) -> None:
        if not self._dirty:
            return
        if not self._clock.flushing and (not self._clock.my_turn(3) or not self._clock.table_due(self)):
            self._clock.request()
            return
        self._dirty = False
        m = self.model
        f_star = m.objective.min_value
        header = self.horizontalHeaderItem(2)
        header.setText("f − f*" if f_star is not None else "f")
        ranked = sorted(m.traces, key=lambda t: rank_key(t, f_star))
        self._order = ranked
        self.setRowCount(len(ranked))
        for i, t in enumerate(ranked):
            loss = t.loss - f_star if (f_star is not None and math.isfinite(t.loss)) else t.loss
            tip = t.described + ("\n" + "\n".join(f"step {k}: {text}" for k, text in t.notes[-3:]) if t.notes else "")
            bad = t.status in ("diverged", "error")
            self.set_cell(i, 0, str(i + 1), align_right=True)
            self.set_cell(i, 1, t.label, icon=swatch(t.color), tip=f"{t.spec.optimizer} {t.spec.hyperparameters}")
            self.set_cell(i, 2, number(loss), align_right=True)
            self.set_cell(i, 3, short_status(t), tip=tip, color="#B03A00" if bad else
                          "#006B4F" if t.status == "converged" else None)
            self.set_cell(i, 4, f"{t.steps:,}", align_right=True)
        longest = max([t.label for t in ranked] + ["Racer"], key=len)
        self.set_widths(["88", longest, "−8.88e−88", f"converged at {m.max_steps:,}", f"{m.max_steps:,}"], icon_col=1)
        self.rate_text = (f"{m.steps_per_second:,.0f} steps/s" if m.running and m.steps_per_second else
                          "paused" if not m.done else "race over")
        self.rateChanged.emit(self.rate_text)
