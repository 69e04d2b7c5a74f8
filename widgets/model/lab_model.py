"""The window's model: the experiment being edited, the race session that runs it, and the files it comes from.

Views take the model and subscribe to its signals; a user's action calls a model method, never a sibling view.
``LabModel`` is three parts: ``ExperimentEditing`` (editing.py: objective, start, racers, settings),
``FileActions`` (file_actions.py: open, save, export) and a ``RaceSession`` (session.py: the race, its worker
thread and the racers' records), whose signals the model forwards. Any change to the set-up stops the worker,
rebuilds the race and, if it was running, runs the new race.
"""
from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import QObject, Signal

from lab.experiment import Experiment
from lab.objectives import make_objective
from lab.objectives.base import Objective
from lab.presets import lecture_set
from lab.race import Race, RacerSpec
from widgets.model.editing import MAX_STEPS_LIMIT, ExperimentEditing
from widgets.model.file_actions import FileActions
from widgets.model.session import SPEED_MAX, RaceSession
from widgets.model.traces import RacerTrace
from widgets.model.view_step import ViewStep
from widgets.style import PALETTE
from widgets.work.race_job import RaceRunner

DEFAULT_OBJECTIVE = "rosenbrock"
DEFAULT_STEPS = 5000


def default_experiment(objective: str = DEFAULT_OBJECTIVE) -> Experiment:
    """The lecture set on ``objective`` from its default start, coloured from the palette."""
    obj = make_objective(objective)
    racers = [RacerSpec(r.optimizer, r.hyperparameters, r.label, PALETTE[i % len(PALETTE)])
              for i, r in enumerate(lecture_set(obj))]
    return Experiment(objective, obj.start.tolist(), racers, {}, steps=DEFAULT_STEPS)


def _session_state(name: str) -> property:
    """A read-only attribute of the model that is the race session's attribute ``name``."""
    return property(lambda model: getattr(model.session, name), doc=f"The race session's {name}.")


class LabModel(ExperimentEditing, FileActions, QObject):
    """The current experiment and race; signals for every change the views draw."""

    objectiveChanged = Signal()        # the objective or its parameters (contour, panels)
    startChanged = Signal()
    racersChanged = Signal()           # the list of racers (table, legend)
    raceReset = Signal()               # a new race: traces replaced, plots start over
    raceAdvanced = Signal(object)      # a Progress was appended to the traces
    runningChanged = Signal(bool)
    selectionChanged = Signal(int)     # the selected racer's row (-1: none)
    speedChanged = Signal(float)
    maxStepsChanged = Signal(int)
    messageShown = Signal(str)         # for the status bar
    errorOccurred = Signal(str)        # for a message box: what and where
    runEnded = Signal(object)          # RunResult, once the model has applied the run's last rows
    experimentLoaded = Signal(str)
    experimentSaved = Signal(str)
    exportFinished = Signal(str)       # an export ended: the file written, or "" (errorOccurred said why)

    def __init__(self, experiment: Experiment | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = RaceSession(self)
        for name in ("raceReset", "raceAdvanced", "runningChanged", "speedChanged", "messageShown",
                     "errorOccurred", "runEnded"):
            getattr(self.session, name).connect(getattr(self, name))
        self.experiment = experiment or default_experiment()
        if self.experiment.steps > MAX_STEPS_LIMIT:  # as set_experiment (remembered settings, main.py --experiment)
            self.experiment.steps = MAX_STEPS_LIMIT
        self._ensure_colors()
        self.objective: Objective = self.experiment.make_objective()
        self.derive_lr_hand()
        self.selected_row = 0 if self.experiment.racers else -1
        self.path: str | None = None
        self.exporting: str | None = None  # the file a background export is writing
        self.view_step = ViewStep(self, self)  # the step the views show: the live end, or one wound back to
        self._rebuild(resume=False)

    # ----- reading ---------------------------------------------------------------------------------------------
    @property
    def racers(self) -> list[RacerSpec]:
        return self.experiment.racers

    @property
    def start(self) -> np.ndarray:
        return np.asarray(self.experiment.start, dtype=float)

    @property
    def max_steps(self) -> int:
        return self.experiment.steps

    # the race session's state, read through the model (views read the model only)
    runner: RaceRunner = _session_state("runner")
    race: Race | None = _session_state("race")
    traces: list[RacerTrace] = _session_state("traces")
    step_count: int = _session_state("step_count")
    steps_per_second: float = _session_state("steps_per_second")
    speed: float = _session_state("speed")
    running: bool = _session_state("running")
    done: bool = _session_state("done")

    def trace_for_row(self, row: int) -> RacerTrace | None:
        return self.session.trace_for_row(row)

    @property
    def selected_trace(self) -> RacerTrace | None:
        return self.trace_for_row(self.selected_row)

    def experiment_copy(self) -> Experiment:
        return copy.deepcopy(self.experiment)

    # ----- running (the race session) ----------------------------------------------------------------------------
    def set_speed(self, steps_per_second: float) -> None:
        self.session.set_speed(steps_per_second)

    def run(self) -> None:
        """Run (or resume) the race in the worker until it is done or paused. A finished race starts over."""
        if self.running or self.race is None or self._refuse_while_exporting():
            return
        self.session.run(self.experiment, self.objective, self.max_steps)

    def pause(self) -> None:
        self.session.pause()

    def toggle_run(self) -> None:
        self.pause() if self.running else self.run()

    def step(self) -> None:
        """One step (pausing first if running)."""
        if self.running:
            self.pause()
        if self.race is None or not self.traces or self._refuse_while_exporting():
            return
        self.session.step()

    def reset(self) -> None:
        self._halt()
        self._rebuild(resume=False)
        self.messageShown.emit("Reset: every racer back at the start")

    def _halt(self) -> bool:
        """Stop the worker (waiting for it to let go of the race); True if a run was going."""
        return self.session.halt()

    def _rebuild(self, resume: bool) -> None:
        """A new race from the experiment; the traces start over (and run again if ``resume``)."""
        self.session.rebuild(self.experiment, self.objective, resume)

    def shutdown(self) -> None:
        """Stop the worker thread for good (window closing, application quitting)."""
        self.session.shutdown()


__all__ = ["LabModel", "MAX_STEPS_LIMIT", "RacerTrace", "SPEED_MAX", "default_experiment"]
