"""The step the views show: the live end of the race, or a recorded step k the user wound back to (the timeline).

``ViewStep`` is the one place that says which step is on screen (``step``, ``live``, ``viewStepChanged``). At
the live end the views draw the racers' records as they arrive (``LabModel.traces``); at step k they draw
``traces``: each racer as it was at step k (``TraceAt``: its point x_k, its loss and status then). Positions and
losses are the records' own rows, there at once; the optimizer's arrows and the curvature at x_k
(``lab.views.snapshot.points_at``, which rebuilds the optimizer's state from the race's snapshots) are computed in
the view-jobs thread and arrive a moment later (``viewStepChanged`` again), never on the GUI thread: the curvature
for every racer, the arrows for the selected one (another racer selected: its arrows are computed then).
Moving the cursor pauses a running race; running again, stepping at the end or a new race go back to the live end.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from lab.race import RUNNING
from lab.views.snapshot import PointInfo, points_at
from widgets.work.gil import yield_to_gui

CACHED_STEPS = 64  # steps whose points are kept: going back and forth over them needs no new computation


class RowsUpTo:
    """The first ``n`` rows of a racer's positions, read as its ``GrowingArray`` is (``view``, ``n``)."""

    def __init__(self, rows, n: int):
        self._rows, self.n = rows, n

    @property
    def view(self) -> np.ndarray:
        return self._rows.view[: self.n]

    def __len__(self) -> int:
        return self.n


class TraceAt:
    """A racer as it was at step k (its last, if it stopped before): reads like its ``RacerTrace`` (label, colour,
    row, spec …), with the positions up to step k, and the loss, status and point of step k."""

    def __init__(self, trace, k: int, loss: float, point: PointInfo | None):
        self.trace = trace
        self.k = max(0, min(int(k), trace.steps))
        self.positions = RowsUpTo(trace.positions, self.k + 1)
        self.loss = loss
        self.point = point

    def __getattr__(self, name: str):  # everything else is the racer's own (spec, row, color, label …)
        return getattr(self.trace, name)

    @property
    def n(self) -> int:
        return self.k + 1

    @property
    def steps(self) -> int:
        return self.k

    @property
    def stopped(self) -> bool:
        """True if the racer had stopped by step k (then its status is its final one)."""
        s = self.trace.status_step
        return self.trace.status != RUNNING and s is not None and self.k >= s

    @property
    def status(self):
        return self.trace.status if self.stopped else RUNNING

    @property
    def running(self) -> bool:
        return not self.stopped

    @property
    def status_step(self):
        return self.trace.status_step if self.stopped else None

    @property
    def reason(self) -> str:
        return self.trace.reason if self.stopped else ""

    @property
    def described(self) -> str:
        return self.trace.described if self.stopped else f"running (shown at step {self.k:,})"

    @property
    def notes(self) -> list:
        return [note for note in self.trace.notes if note[0] <= self.k]


class ViewStep(QObject):
    """Which step the views show. ``step`` is k (the race's last step at the live end); ``set_step(k)`` winds the
    views to k (k at or past the end: the live end); ``traces`` / ``selected`` are the racers as of that step."""

    viewStepChanged = Signal(int)  # the step shown; again when step k's arrows and curvature have arrived

    def __init__(self, model, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.jobs = None  # the window's ViewJobs (set by widgets.steps.install_steps); without it: computed here
        self._k: int | None = None  # None: the live end
        # step -> (racer index -> its point there, the racers whose arrows are in their point)
        self._points: OrderedDict[int, tuple[dict[int, PointInfo], set[int]]] = OrderedDict()
        self._shown: tuple | None = None  # (key, list): what ``traces`` was built for, and the list
        self._version = 0  # counts the points that arrived (``traces`` is rebuilt after each)
        model.raceReset.connect(self._on_race_reset)
        model.selectionChanged.connect(self._on_selection_changed)
        model.runningChanged.connect(self._on_running_changed)

    # ----- reading ---------------------------------------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self._k is None

    @property
    def step(self) -> int:
        return self.model.step_count if self._k is None else self._k

    @property
    def ready(self) -> bool:
        """True when the views have everything of the step shown (its curvature, the selected racer's arrows)."""
        return self._k is None or self._wanted(self._k) is None

    def _selected_index(self) -> int | None:
        return next((i for i, t in enumerate(self.model.traces) if t.row == self.model.selected_row), None)

    def _wanted(self, k: int):
        """(racers, arrows_for) still to compute at step k: every racer's point once, and the selected racer's
        arrows; None when nothing is."""
        have, arrows = self._points.get(k, ({}, set()))
        sel = self._selected_index()
        need_arrows = {sel} if sel is not None and sel not in arrows else set()
        if len(have) < len(self.model.traces):
            return None, need_arrows
        return (sorted(need_arrows), need_arrows) if need_arrows else None

    @property
    def traces(self) -> list:
        """The racers as the views draw them: their records at the live end, ``TraceAt``s at step k."""
        if self._k is None:
            return self.model.traces
        points = self._points.get(self._k, ({}, set()))[0]
        key = (self._k, self._version, len(self.model.traces), self.model.step_count)
        if self._shown is None or self._shown[0] != key:
            race = self.model.race
            shown = []
            for i, t in enumerate(self.model.traces):
                k = max(0, min(self._k, t.steps))
                loss = float(race.tracks[i].losses[k]) if race is not None and i < len(race.tracks) else np.nan
                p = points[i] if i in points else (
                    PointInfo(np.array(t.positions.view[k]), None, {}) if t.positions.n else None)
                shown.append(TraceAt(t, k, loss, p))
            self._shown = (key, shown)
        return self._shown[1]

    @property
    def selected(self):
        """The selected racer as shown (None: none selected)."""
        row = self.model.selected_row
        return next((t for t in self.traces if t.row == row), None)

    # ----- moving ----------------------------------------------------------------------------------------------
    def set_step(self, k: int) -> None:
        """Show step k (clamped to 0 … the race's last step; the last step is the live end). A running race
        pauses first."""
        m = self.model
        if m.running:
            m.pause()
        end = m.step_count
        k = max(0, min(int(k), end))
        new = None if k >= end else k
        if new == self._k:
            return
        self._k = new
        if new is not None:
            self._request(new)
        self.viewStepChanged.emit(self.step)

    def go_live(self) -> None:
        """Back to the live end (the views follow the race again)."""
        if self._k is not None:
            self._k = None
            self.viewStepChanged.emit(self.step)

    def _request(self, k: int) -> None:
        """Compute what step k still lacks (the view-jobs thread; here without one)."""
        if k in self._points:
            self._points.move_to_end(k)
        wanted = self._wanted(k)
        race = self.model.race
        if wanted is None or race is None:
            return
        racers, arrows_for = wanted

        def compute():
            try:
                points = points_at(race, k, racers, arrows_for, pause=yield_to_gui)
            except Exception:  # drawing aids never stop the window: the positions alone, then
                points = {i: PointInfo(tr.positions[min(k, tr.steps)].copy(), None, {})
                          for i, tr in enumerate(race.tracks) if racers is None or i in racers}
            return race, k, arrows_for, points

        if self.jobs is None:
            self._on_points(compute())
        else:
            self.jobs.submit((self, "points"), compute, self._on_points)

    def _on_points(self, result) -> None:
        race, k, arrows_for, points = result
        if self.model.race is not race:
            return  # a point of a race that has since been replaced
        have, arrows = self._points.setdefault(k, ({}, set()))
        for i, p in points.items():
            if i in arrows_for or i not in arrows:
                have[i] = p
        arrows |= set(arrows_for)
        self._version += 1
        while len(self._points) > CACHED_STEPS:
            self._points.popitem(last=False)
        if k == self._k:
            self.viewStepChanged.emit(k)

    @Slot(int)
    def _on_selection_changed(self, _row: int) -> None:
        if self._k is not None:
            self._request(self._k)  # the newly selected racer's arrows at step k

    # ----- the race's news -------------------------------------------------------------------------------------
    @Slot()
    def _on_race_reset(self) -> None:
        self._points.clear()
        self._shown = None
        if self.jobs is not None:
            self.jobs.cancel((self, "points"))
        self.go_live()

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        if running:  # running again continues from the end: the views follow it
            if self.jobs is not None:
                self.jobs.cancel((self, "points"))
            self.go_live()


__all__ = ["CACHED_STEPS", "RowsUpTo", "TraceAt", "ViewStep"]
