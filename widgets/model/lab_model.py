"""The window's model: the current experiment, the race built from it, and the racers' records as the window has them.

Views take the model and subscribe to its signals; a user's action calls a model method, never a sibling view.
The model owns the ``RaceRunner``: while a job runs the race belongs to the worker thread, and the model only
reads the copies that arrive in ``progress`` messages (``RacerTrace``). Any change to the set-up (objective,
its parameters, the start, racers, max steps) stops the worker, rebuilds the race and, if it was running,
runs the new race.
"""
from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from lab.errors import LabError
from lab.experiment import Experiment
from lab.objectives import make_objective, objective_spec
from lab.objectives.base import Objective
from lab.optimizers import OPTIMIZERS, optimizer_spec
from lab.presets import LABELS, LECTURE_SET, lecture_set, suggest
from lab.race import RUNNING, Race, RacerSpec
from lab.stochastic import check_noise
from widgets.model import export_adapter
from lab.views.growing_array import GrowingArray
from lab.views.decimate import Envelope
from widgets.work.gil import gui_busy
from lab.views.snapshot import PointInfo, Progress, collect
from widgets.style import PALETTE, color_for
from widgets.work.race_job import RaceRunner, RunResult

DEFAULT_OBJECTIVE = "rosenbrock"
DEFAULT_STEPS = 5000
MAX_STEPS_LIMIT = 1_000_000
SPEED_MAX = 0.0  # steps per second: 0 means as fast as possible
POSITION_ROWS_RESERVED = 4_000_000
"""Position rows × dimension reserved per racer up front (address space only until written)."""


def default_experiment(objective: str = DEFAULT_OBJECTIVE) -> Experiment:
    """The lecture set on ``objective`` from its default start, coloured from the palette."""
    obj = make_objective(objective)
    racers = [RacerSpec(r.optimizer, r.hyperparameters, r.label, PALETTE[i % len(PALETTE)])
              for i, r in enumerate(lecture_set(obj))]
    return Experiment(objective, obj.start.tolist(), racers, {}, steps=DEFAULT_STEPS)


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


class LabModel(QObject):
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
        self.runner = RaceRunner(self)
        r = self.runner  # the worker's signals, relayed into the GUI thread
        r.progress.connect(self._on_progress)
        r.finished.connect(self._on_finished)
        r.aborted.connect(self._on_aborted)
        r.errored.connect(self._on_errored)
        self.experiment = experiment or default_experiment()
        if self.experiment.steps > MAX_STEPS_LIMIT:  # as set_experiment (remembered settings, main.py --experiment)
            self.experiment.steps = MAX_STEPS_LIMIT
        self._ensure_colors()
        self.objective: Objective = self.experiment.make_objective()
        self.race: Race | None = None
        self.traces: list[RacerTrace] = []
        self.step_count = 0
        self.steps_per_second = 0.0
        self.speed = SPEED_MAX
        self.selected_row = 0 if self.experiment.racers else -1
        self.running = False
        self._generation = 0
        self._sent: list[int] = []
        self._run_id = 0
        self._closed = False
        self.path: str | None = None
        self.exporting: str | None = None  # the file a background export is writing
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

    @property
    def done(self) -> bool:
        return all(not t.running for t in self.traces)

    def trace_for_row(self, row: int) -> RacerTrace | None:
        for t in self.traces:
            if t.row == row:
                return t
        return None

    @property
    def selected_trace(self) -> RacerTrace | None:
        return self.trace_for_row(self.selected_row)

    # ----- the objective and the start --------------------------------------------------------------------------
    def set_objective(self, name: str) -> bool:
        if name == self.experiment.objective:
            return True
        try:
            obj = make_objective(name)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        was = self._halt()
        self.experiment.objective, self.experiment.params = name, {}
        self.experiment.start = obj.start.tolist()
        self.objective = obj
        self.objectiveChanged.emit()
        self.startChanged.emit()
        self._rebuild(resume=was)
        self.messageShown.emit(f"Objective: {name} — {objective_spec(name).summary}  (Lecture set re-tunes the racers)")
        return True

    def set_objective_param(self, name: str, value) -> bool:
        """Set one of the objective's parameters (LabError text in ``errorOccurred`` if it is refused)."""
        spec = objective_spec(self.experiment.objective)
        try:
            value = {p.name: p for p in spec.params}[name].check(value, f"objective {spec.name!r}")
            params = dict(self.experiment.params, **{name: value})
            obj = make_objective(spec.name, **params)
        except (LabError, KeyError) as exc:
            self.errorOccurred.emit(str(exc))
            return False
        was = self._halt()
        self.experiment.params = params
        self.objective = obj
        self.objectiveChanged.emit()
        self._rebuild(resume=was)
        self.messageShown.emit(f"{spec.name}: {name} = {value:g}" if isinstance(value, float) else f"{name} = {value}")
        return True

    def set_start(self, point) -> bool:
        try:
            x = self.objective.check_point(point, "start")
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        was = self._halt()
        self.experiment.start = [float(v) for v in x]
        self.startChanged.emit()
        self._rebuild(resume=was)
        self.messageShown.emit("Start moved to (" + ", ".join(f"{v:.3g}" for v in x) + "); race reset")
        return True

    # ----- racers ------------------------------------------------------------------------------------------------
    def _used_colors(self, skip: int = -1) -> set[str]:
        return {r.color for i, r in enumerate(self.racers) if r.color and i != skip}

    def _unique_label(self, base: str, skip: int = -1) -> str:
        names = {r.name for i, r in enumerate(self.racers) if i != skip}
        if base not in names:
            return base
        k = 2
        while f"{base} {k}" in names:
            k += 1
        return f"{base} {k}"

    def _ensure_colors(self) -> None:
        racers = self.experiment.racers
        for i, r in enumerate(racers):
            if not r.color:
                used = {x.color for x in racers if x.color}
                racers[i] = RacerSpec(r.optimizer, dict(r.hyperparameters), r.label, color_for(i, used), r.enabled)

    def _set_racers(self, racers: list[RacerSpec], select: int | None = None) -> None:
        was = self._halt()
        self.experiment.racers = racers
        self._ensure_colors()
        if select is not None:
            self.selected_row = select
        if self.selected_row >= len(racers):
            self.selected_row = len(racers) - 1
        self.racersChanged.emit()
        self._rebuild(resume=was)
        self.selectionChanged.emit(self.selected_row)

    def add_racer(self, optimizer: str | None = None) -> int:
        """Add a racer (the first lecture optimizer not yet racing, tuned for this objective); returns its row."""
        present = {r.optimizer for r in self.racers}
        if optimizer is None:
            optimizer = next((o for o in LECTURE_SET if o not in present), "sgd")
        hyper = suggest(optimizer, self.objective, self.start)
        label = self._unique_label(LABELS.get(optimizer, optimizer))
        spec = RacerSpec(optimizer, hyper, label, color_for(len(self.racers), self._used_colors()))
        self._set_racers(self.racers + [spec], select=len(self.racers))
        self.messageShown.emit(f"Added {label}")
        return len(self.racers) - 1

    def remove_racer(self, row: int) -> None:
        if not 0 <= row < len(self.racers):
            return
        gone = self.racers[row].name
        racers = self.racers[:row] + self.racers[row + 1:]
        self._set_racers(racers, select=min(row, len(racers) - 1))
        self.messageShown.emit(f"Removed {gone}")

    def duplicate_racer(self, row: int) -> int:
        if not 0 <= row < len(self.racers):
            return -1
        r = self.racers[row]
        spec = RacerSpec(r.optimizer, dict(r.hyperparameters), self._unique_label(r.name),
                         color_for(row + 1, self._used_colors()), r.enabled)
        racers = self.racers[: row + 1] + [spec] + self.racers[row + 1:]
        self._set_racers(racers, select=row + 1)
        self.messageShown.emit(f"Duplicated {r.name} as {spec.label}")
        return row + 1

    def use_lecture_set(self) -> None:
        """Replace the racers by the lecture's seven, tuned for the current objective and start."""
        racers = [RacerSpec(r.optimizer, r.hyperparameters, r.label, PALETTE[i % len(PALETTE)])
                  for i, r in enumerate(lecture_set(self.objective, self.start))]
        self._set_racers(racers, select=0)
        self.messageShown.emit(f"Lecture set, tuned for {self.experiment.objective}: " +
                               ", ".join(f"{r.label} lr={r.hyperparameters['lr']:g}" for r in racers))

    def update_racer(self, row: int, **changes) -> bool:
        """Change a racer's optimizer, label, colour or on/off switch. A new optimizer gets tuned hyperparameters."""
        if not 0 <= row < len(self.racers):
            return False
        r = self.racers[row]
        fields = {"optimizer": r.optimizer, "hyperparameters": dict(r.hyperparameters), "label": r.label,
                  "color": r.color, "enabled": r.enabled}
        optimizer = changes.get("optimizer", r.optimizer)
        if optimizer != r.optimizer:
            if optimizer not in OPTIMIZERS:
                self.errorOccurred.emit(f"unknown optimizer {optimizer!r}")
                return False
            fields["hyperparameters"] = suggest(optimizer, self.objective, self.start)
            old = LABELS.get(r.optimizer, r.optimizer)
            if r.label == "" or r.label == old or r.label.startswith(old + " "):  # an automatic label follows
                changes.setdefault("label", self._unique_label(LABELS.get(optimizer, optimizer), skip=row))
        if "label" in changes:
            changes["label"] = str(changes["label"]).strip() or self._unique_label(
                LABELS.get(optimizer, optimizer), skip=row)
        fields.update(changes)
        new = RacerSpec(**fields)
        if new == r:
            return True
        racers = list(self.racers)
        racers[row] = new
        self._set_racers(racers)
        return True

    def set_hyperparameter(self, row: int, name: str, value) -> bool:
        """Set one hyperparameter, checked against its range (refused with the range in ``errorOccurred``)."""
        if not 0 <= row < len(self.racers):
            return False
        r = self.racers[row]
        try:
            value = optimizer_spec(r.optimizer).param(name).check(value, f"optimizer {r.optimizer!r}")
        except KeyError:
            self.errorOccurred.emit(f"optimizer {r.optimizer!r} has no parameter {name!r}")
            return False
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        hyper = dict(r.hyperparameters, **{name: value})
        if hyper == r.hyperparameters:
            return True
        return self.update_racer(row, hyperparameters=hyper)

    def select(self, row: int) -> None:
        if row != self.selected_row and -1 <= row < len(self.racers):
            self.selected_row = row
            self.selectionChanged.emit(row)

    # ----- running ------------------------------------------------------------------------------------------------
    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.0, float(steps_per_second))
        self.runner.set_speed(self.speed)
        self.speedChanged.emit(self.speed)

    def set_max_steps(self, steps: int) -> bool:
        steps = int(steps)
        if not 1 <= steps <= MAX_STEPS_LIMIT:
            self.errorOccurred.emit(f"max steps must be between 1 and {MAX_STEPS_LIMIT}, got {steps}")
            return False
        if steps == self.experiment.steps:
            return True
        was = self._halt()
        self.experiment.steps = steps
        self.maxStepsChanged.emit(steps)
        self._rebuild(resume=was)
        return True

    def set_noise(self, noise) -> bool:
        """The experiment's gradient-noise scale (a finite number >= 0; refused in ``errorOccurred``); the race is
        rebuilt, and resumes if it was running."""
        try:
            noise = check_noise(noise)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        return self._set_setting("noise", noise, f"Gradient noise {noise:g}")

    def set_seed(self, seed) -> bool:
        """The experiment's seed (a whole number from 0 to 2**63 - 1): minibatches and noise repeat with it."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
            self.errorOccurred.emit(f"seed must be a whole number from 0 to 2**63 - 1, got {seed!r}")
            return False
        return self._set_setting("seed", int(seed), f"Seed {int(seed)}")

    def _set_setting(self, key: str, value, message: str) -> bool:
        if getattr(self.experiment, key) == value:
            return True
        was = self._halt()
        setattr(self.experiment, key, value)
        self._rebuild(resume=was)
        self.messageShown.emit(message + "; race reset")
        return True

    def run(self) -> None:
        """Run (or resume) the race in the worker until it is done or paused. A finished race starts over."""
        if self.running or self.race is None or self._refuse_while_exporting():
            return
        if not self.traces:
            self.messageShown.emit("No racer is switched on: add one, or tick a racer's box")
            return
        if self.race.done:
            self._rebuild(resume=False)
        self._start_job(budget=self.max_steps + 1, continuous=True)
        self.messageShown.emit("Running" + ("" if self.speed == SPEED_MAX else f" at {self.speed:g} steps/s"))

    def pause(self) -> None:
        if not self.running:
            return
        self.runner.stop()
        self._set_running(False)
        self.messageShown.emit(f"Paused at step {self.race.step_count if self.race else 0}")

    def toggle_run(self) -> None:
        self.pause() if self.running else self.run()

    def step(self) -> None:
        """One step (pausing first if running)."""
        if self.running:
            self.pause()
        if self.race is None or not self.traces or self._refuse_while_exporting():
            return
        self.runner.wait()  # a previous single step still in flight lands first
        if self.race.done:
            self.messageShown.emit("The race is over: press Reset (R) to start again")
            return
        self._start_job(budget=1, continuous=False)

    def reset(self) -> None:
        self._halt()
        self._rebuild(resume=False)
        self.messageShown.emit("Reset: every racer back at the start")

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

    def _halt(self) -> bool:
        """Stop the worker (waiting for it to let go of the race); True if a run was going."""
        was = self.running
        self.runner.stop()
        self._set_running(False)
        return was

    def _rebuild(self, resume: bool) -> None:
        """A new race from the experiment; the traces start over."""
        self.runner.stop()
        self._generation += 1
        self.step_count = 0
        self.steps_per_second = 0.0
        try:
            self.race = self.experiment.build_race(self.objective)
        except LabError as exc:
            self.race = None
            self.traces = []
            self.raceReset.emit()
            self.errorOccurred.emit(str(exc))
            return
        rows = [i for i, r in enumerate(self.racers) if r.enabled]
        self.traces = [RacerTrace(self.racers[row], row, self.objective.dim, self.max_steps + 1) for row in rows]
        self._sent = [0] * len(self.traces)
        first = collect(self.race, self._sent, self._generation)
        self.raceReset.emit()
        self._apply(first)
        if resume:
            self.run()

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
    def _on_aborted(self, result: RunResult) -> None:
        if result.generation == self._generation:
            self.runEnded.emit(result)

    @Slot(object, str)
    def _on_errored(self, result: RunResult, message: str) -> None:
        if result.run_id == self._run_id:
            self._set_running(False)
        self.errorOccurred.emit("The race stopped on an error:\n" + message)
        self.runEnded.emit(result)

    def _winner(self) -> str:
        alive = [t for t in self.traces if np.isfinite(t.loss)]
        if not alive:
            return ""
        best = min(alive, key=lambda t: t.loss)
        return f": {best.label} leads with f = {best.loss:.4g}"

    # ----- files ------------------------------------------------------------------------------------------------
    def load(self, path) -> bool:
        """Open an experiment file (File → Open). On a bad file: ``errorOccurred`` and nothing changes."""
        try:
            exp = Experiment.load(path)
            obj = exp.make_objective()
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        self.set_experiment(exp, obj)
        self.path = str(path)
        self.experimentLoaded.emit(str(path))
        self.messageShown.emit(f"Opened {path}")
        return True

    def set_experiment(self, exp: Experiment, obj: Objective | None = None) -> None:
        if exp.steps > MAX_STEPS_LIMIT:  # the engine keeps every step (export), the window every position
            self.errorOccurred.emit(f"the experiment asks for {exp.steps:,} steps; the window runs at most "
                                    f"{MAX_STEPS_LIMIT:,} (about 0.4 kB a step for 8 racers): set to "
                                    f"{MAX_STEPS_LIMIT:,}. The command line runs longer races.")
            exp.steps = MAX_STEPS_LIMIT
        self._halt()
        self.experiment = exp
        self._ensure_colors()
        self.objective = obj or exp.make_objective()
        self.selected_row = 0 if exp.racers else -1
        self.objectiveChanged.emit()
        self.startChanged.emit()
        self.racersChanged.emit()
        self.maxStepsChanged.emit(exp.steps)
        self._rebuild(resume=False)
        self.selectionChanged.emit(self.selected_row)

    def save(self, path) -> bool:
        """Save the experiment (File → Save); atomic, so a failure leaves any old file as it was."""
        try:
            self.experiment.save(path)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            return False
        self.path = str(path)
        self.experimentSaved.emit(str(path))
        self.messageShown.emit(f"Saved {path}")
        return True

    def export_trajectories(self, path) -> bool:
        """Write every racer's trajectory (CSV, NPZ or JSON by the ending) now; pauses the race to read it."""
        if self.race is None or self.exporting:
            return False
        self.pause()
        self.runner.stop()
        result = export_adapter.write_or_error(path, self.experiment, self.race)
        return self._exported(result, self.race)

    def start_export(self, path, jobs) -> bool:
        """File → Export: the trajectories written in ``jobs``' thread (a million steps of CSV takes seconds), the
        window responsive meanwhile. The race is paused and cannot run or step until ``exportFinished``; a path
        that clearly cannot be written is refused at once. False if nothing was started."""
        if self.race is None or self.exporting:
            return False
        self.pause()
        self.runner.stop()
        try:
            target = export_adapter.check_writable(path)
        except LabError as exc:
            self.errorOccurred.emit(str(exc))
            self.exportFinished.emit("")
            return False
        race, experiment = self.race, copy.deepcopy(self.experiment)  # nothing steps this race until it is done
        self.exporting = str(target)
        self.messageShown.emit(f"Exporting {len(race.tracks)} trajectories, {race.step_count} steps, to {target}…")
        jobs.submit(("export", self.exporting), lambda: export_adapter.write_or_error(target, experiment, race),
                    lambda result: self._exported(result, race))
        return True

    def _exported(self, result, race) -> bool:
        self.exporting = None
        if isinstance(result, LabError):
            self.errorOccurred.emit(str(result))
            self.exportFinished.emit("")
            return False
        self.messageShown.emit(f"Exported {len(race.tracks)} trajectories, {race.step_count} steps, to {result}")
        self.exportFinished.emit(str(result))
        return True

    def _refuse_while_exporting(self) -> bool:
        if self.exporting:
            self.messageShown.emit(f"Writing {self.exporting}: the race goes on when the file is written")
        return bool(self.exporting)

    def experiment_copy(self) -> Experiment:
        return copy.deepcopy(self.experiment)

    def shutdown(self) -> None:
        """Stop the worker thread for good (window closing, application quitting)."""
        if self._closed:
            return
        self._closed = True
        self._set_running(False)
        self.runner.shutdown()


__all__ = ["LabModel", "RacerTrace", "default_experiment", "SPEED_MAX"]
