"""The race session: the race built from the experiment, the worker that steps it, and the racers' records.

``RaceSession`` owns the ``RaceRunner``: while a job runs the race belongs to the worker thread, and the session
only reads the copies that arrive in ``progress`` messages (``RacerTrace``). ``rebuild`` makes a new race from
the experiment (the traces start over); ``halt`` stops the worker and waits for it to let go of the race.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from lab.errors import LabError
from lab.race import Race
from lab.views.snapshot import Progress, collect
from widgets.model.traces import RacerTrace
from widgets.work.gil import gui_busy
from widgets.work.race_job import RaceRunner, RunResult

SPEED_MAX = 0.0  # steps per second: 0 means as fast as possible


class RaceSession(QObject):
    """The race and its worker; the signals say what the views redraw (``LabModel`` forwards them)."""

    raceReset = Signal()               # a new race: traces replaced, plots start over
    raceAdvanced = Signal(object)      # a Progress was appended to the traces
    runningChanged = Signal(bool)
    speedChanged = Signal(float)
    messageShown = Signal(str)
    errorOccurred = Signal(str)
    runEnded = Signal(object)          # RunResult, once the session has applied the run's last rows

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = RaceRunner(self)
        r = self.runner  # the worker's signals, relayed into the GUI thread
        r.progress.connect(self._on_progress)
        r.finished.connect(self._on_finished)
        r.aborted.connect(self._on_aborted)
        r.errored.connect(self._on_errored)
        self.race: Race | None = None
        self.traces: list[RacerTrace] = []
        self.step_count = 0
        self.steps_per_second = 0.0
        self.speed = SPEED_MAX
        self.running = False
        self._generation = 0
        self._sent: list[int] = []
        self._run_id = 0
        self._closed = False

    @property
    def done(self) -> bool:
        return all(not t.running for t in self.traces)

    @property
    def run_id(self) -> int:
        """The id of the last run started (``RunResult.run_id`` tells which run a message ends)."""
        return self._run_id

    def trace_for_row(self, row: int) -> RacerTrace | None:
        for t in self.traces:
            if t.row == row:
                return t
        return None

    # ----- running ------------------------------------------------------------------------------------------------
    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.0, float(steps_per_second))
        self.runner.set_speed(self.speed)
        self.speedChanged.emit(self.speed)

    def run(self, experiment, objective, max_steps: int) -> None:
        """Run (or resume) the race in the worker until it is done or paused. A finished race starts over."""
        if not self.traces:
            self.messageShown.emit("No racer is switched on: add one, or tick a racer's box")
            return
        if self.race.done:
            self.rebuild(experiment, objective, resume=False)
        self._start_job(budget=max_steps + 1, continuous=True)
        self.messageShown.emit("Running" + ("" if self.speed == SPEED_MAX else f" at {self.speed:g} steps/s"))

    def pause(self) -> None:
        if not self.running:
            return
        self.runner.stop()
        self._set_running(False)
        self.messageShown.emit(f"Paused at step {self.race.step_count if self.race else 0}")

    def step(self) -> None:
        """One step of a paused race."""
        self.runner.wait()  # a previous single step still in flight lands first
        if self.race.done:
            self.messageShown.emit("The race is over: press Reset (R) to start again")
            return
        self._start_job(budget=1, continuous=False)

    def _start_job(self, budget: int, continuous: bool) -> None:
        if self._closed:  # an event queued before the window closed (a key, a timer): the thread is gone
            return
        self._run_id = self.runner.start(self.race, budget, self.speed, self._sent, self._generation)
        if continuous:
            self._set_running(True)

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            self.runningChanged.emit(running)

    def halt(self) -> bool:
        """Stop the worker (waiting for it to let go of the race); True if a run was going."""
        was = self.running
        self.runner.stop()
        self._set_running(False)
        return was

    def rebuild(self, experiment, objective, resume: bool) -> None:
        """A new race from the experiment; the traces start over."""
        self.runner.stop()
        self._generation += 1
        self.step_count = 0
        self.steps_per_second = 0.0
        try:
            self.race = experiment.build_race(objective)
        except LabError as exc:
            self.race = None
            self.traces = []
            self.raceReset.emit()
            self.errorOccurred.emit(str(exc))
            return
        rows = [i for i, r in enumerate(experiment.racers) if r.enabled]
        self.traces = [RacerTrace(experiment.racers[row], row, objective.dim, experiment.steps + 1) for row in rows]
        self._sent = [0] * len(self.traces)
        first = collect(self.race, self._sent, self._generation)
        self.raceReset.emit()
        self._apply(first)
        if resume:
            self.run(experiment, objective, experiment.steps)

    def catch_up(self) -> None:
        """Apply the rows the race took since the last message, when it was stepped in this thread while no job
        ran (an animation steps its own window's race to each frame's step): the views draw them as after a run."""
        self._apply(collect(self.race, self._sent, self._generation))

    def shutdown(self) -> None:
        """Stop the worker thread for good (window closing, application quitting)."""
        if self._closed:
            return
        self._closed = True
        self._set_running(False)
        self.runner.shutdown()

    # ----- the worker's messages (queued into the GUI thread) ----------------------------------------------------
    def _apply(self, progress: Progress) -> None:
        for u in progress.racers:
            if u.index < len(self.traces):
                self.traces[u.index].apply(u)
        self.step_count = progress.step_count
        if progress.elapsed > 0 and progress.steps > 0:
            self.steps_per_second = progress.steps / progress.elapsed
        self.raceAdvanced.emit(progress)

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if progress.generation == self._generation:
            with gui_busy():
                self._apply(progress)

    @Slot(object)
    def _on_finished(self, result: RunResult) -> None:
        if result.generation != self._generation:
            return
        if result.run_id == self._run_id:
            self._set_running(False)
        if result.race_done:
            self.messageShown.emit(f"Race over at step {result.step_count}" + self._winner())
        elif result.steps == 1:
            self.messageShown.emit(f"Step {result.step_count}")
        self.runEnded.emit(result)

    @Slot(object)
    def _on_aborted(self, result: RunResult | None) -> None:
        if result is not None and result.generation == self._generation:
            self.runEnded.emit(result)

    @Slot(object, str)
    def _on_errored(self, result: RunResult | None, message: str) -> None:
        if result is not None and result.run_id == self._run_id:
            self._set_running(False)
        self.errorOccurred.emit("The race stopped on an error:\n" + message)
        if result is not None:
            self.runEnded.emit(result)

    def _winner(self) -> str:
        alive = [t for t in self.traces if np.isfinite(t.loss) and t.status != "stationary"]  # those do not lead
        if not alive:
            return ""
        best = min(alive, key=lambda t: t.loss)
        return f": {best.label} leads with f = {best.loss:.4g}"


__all__ = ["RaceSession", "SPEED_MAX"]
