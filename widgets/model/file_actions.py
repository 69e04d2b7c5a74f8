"""File actions: open and save an experiment, export the trajectories (now, or in the view-jobs thread).

File → Open reads in the view-jobs thread (``start_load``): the file through lab.files' reader (a FIFO, a
device or a file over MAX_EXPERIMENT_BYTES refused at once, unread), the limits of lab.limits checked as it is
parsed, and a custom formula derived there too; only the finished experiment reaches the GUI thread.

``FileActions`` is the part of ``LabModel`` that reads and writes files. A bad file or a path that cannot be
written says so in ``errorOccurred`` and changes nothing; an export pauses the race, which cannot run or step
until the file is written (``exportFinished``).
"""
from __future__ import annotations

import copy

from lab.errors import LabError
from lab.experiment import Experiment
from lab.objectives.base import Objective
from lab.objectives.own_data import embedded
from widgets.model import export_adapter
from widgets.model.editing import MAX_STEPS_LIMIT


def read_experiment(path) -> tuple[Experiment, Objective]:
    """The experiment in ``path`` and its objective, ready to race (a formula derived); LabError otherwise. Any
    thread: no Qt."""
    exp = Experiment.load(path)
    return exp, prepared(exp.make_objective())


def prepared(obj: Objective) -> Objective:
    """``obj`` with its slow first work done (a custom formula's derivatives); LabError if that fails."""
    compile_ = getattr(obj, "compile", None)
    if callable(compile_):
        compile_()
    return obj


def attempt(fn):
    """``fn()``, or the LabError it raised (a job's result: the GUI thread says it)."""
    try:
        return fn()
    except LabError as exc:
        return exc


class FileActions:
    """The model's file verbs (a part of ``LabModel``: it uses the model's signals and its race session)."""

    # ----- files ------------------------------------------------------------------------------------------------
    def load(self, path) -> bool:
        """Open an experiment file now, in this thread (scripts, tests; File → Open uses ``start_load``). On a bad
        file: ``errorOccurred`` and nothing changes."""
        return self._loaded(path, attempt(lambda: read_experiment(path)))

    def start_load(self, path, jobs) -> None:
        """File → Open: read, check and prepare the experiment in ``jobs``' thread, then use it here (or say why
        not in ``errorOccurred``); the window stays responsive meanwhile. ``jobs.finished`` says "open" when done."""
        self.messageShown.emit(f"Opening {path}…")
        jobs.submit("open", lambda: attempt(lambda: read_experiment(path)),
                    lambda result: self._loaded(path, result))

    def start_use(self, exp: Experiment, path, jobs) -> None:
        """``main.py --experiment``: an experiment already read and checked, its objective prepared (a formula
        derived) in ``jobs``' thread, then used here as File → Open's — the window is shown meanwhile."""
        self.messageShown.emit(f"Opening {path}…")
        jobs.submit("open", lambda: attempt(lambda: (exp, prepared(exp.make_objective()))),
                    lambda result: self._loaded(path, result))

    def _loaded(self, path, result) -> bool:
        if isinstance(result, LabError):
            self.errorOccurred.emit(str(result))
            return False
        exp, obj = result
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
        self.derive_lr_hand()
        self.selected_row = 0 if exp.racers else -1
        self.objectiveChanged.emit()
        self.startChanged.emit()
        self.racersChanged.emit()
        self.maxStepsChanged.emit(exp.steps)
        self._rebuild(resume=False)
        self.selectionChanged.emit(self.selected_row)

    def save(self, path, embed: bool = False) -> bool:
        """Save the experiment (File → Save); atomic, so a failure leaves any old file as it was. ``embed``: the
        data file's text stored in the experiment (data from clicks always is), at most MAX_EMBED_ROWS rows."""
        try:
            exp = self.experiment
            if embed or exp.params.get("data_csv"):
                exp = copy.copy(exp)
                exp.params = embedded(exp.params, self.objective)
            exp.save(path)
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


__all__ = ["FileActions"]
