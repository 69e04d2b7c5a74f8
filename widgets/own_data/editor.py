"""Points by clicking: the data plot's clicks edit the data set; the objective is rebuilt in the view-jobs thread.

Click: a point (its class from the selector under the plot; Shift+click: the second class). Right-click: the
nearest point goes. Ctrl+Z: the last edit undone. Each edit's data set (lab.views.data_edit) is built into an
objective off the GUI thread — minimum, contour and curvature follow from it — and then replaces the model's
objective; the race resets. A data set the objective refuses (one class left, one row) is said in a message box
and not applied.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from lab.errors import LabError
from lab.views import data_edit
from lab.views.data_fit import has_data
from widgets.model import LabModel
from widgets.model.file_actions import attempt
from widgets.work.view_jobs import ViewJobs

KEY = "own-data"


class DataEditor(QObject):
    """The data set's edits and their undo stack; ``applied`` after each one reaches the model."""

    applied = Signal(str)   # what was done ("added a point", ...)

    def __init__(self, model: LabModel, jobs: ViewJobs, parent=None):
        super().__init__(parent)
        self.model, self.jobs = model, jobs
        self.history: list[dict] = []   # the parameters before each applied edit (Ctrl+Z)
        self.pending: data_edit.Points | None = None  # the newest data set asked for (clicks queue on it)
        self._applying = False
        model.objectiveChanged.connect(self._on_objective_changed)

    @property
    def active(self) -> bool:
        return has_data(self.model.objective)

    def points(self) -> data_edit.Points:
        return self.pending if self.pending is not None else data_edit.points_of(self.model.objective)

    # ----- edits ---------------------------------------------------------------------------------------------------
    def add(self, xy, cls: int = 0) -> None:
        if self.active:
            self._edit(data_edit.added(self.points(), xy, cls), "Added a point")

    def remove_nearest(self, xy, scale) -> None:
        if not self.active:
            return
        p = self.points()
        i = data_edit.nearest(p, xy, scale)
        if i >= 0:
            self._edit(data_edit.removed(p, i), "Removed the nearest point")

    def undo(self) -> None:
        if not self.history or self.jobs.busy(KEY):
            return
        name, params = self.model.experiment.objective, self.history.pop()
        self.pending = None
        self.jobs.submit(KEY, lambda: attempt(lambda: data_edit.rebuilt(name, params)),
                         lambda result: self._apply(result, "Undone", push=False))

    def _edit(self, points: data_edit.Points, what: str) -> None:
        self.pending = points
        name, params = self.model.experiment.objective, dict(self.model.experiment.params)
        self.jobs.submit(KEY, lambda: attempt(lambda: data_edit.edited(name, params, points)),
                         lambda result: self._apply(result, f"{what}: {points.n} points; race reset"))

    # ----- files ---------------------------------------------------------------------------------------------------
    def open_data(self, path) -> None:
        """File → Open data…: the CSV read, checked and its objective built in the view-jobs thread."""
        if not self.active:
            self.model.errorOccurred.emit("Open data… reads a CSV file for linear_regression, logistic_regression "
                                          "or mlp: choose one of these objectives first")
            return
        name, params = self.model.experiment.objective, dict(self.model.experiment.params)
        self.model.messageShown.emit(f"Reading {path}…")
        self.jobs.submit(KEY, lambda: attempt(lambda: data_edit.opened(name, params, path)),
                         lambda result: self._apply(result, f"Opened data {path}; race reset (Lecture set "
                                                            "re-tunes the racers for it)"))

    def save_data(self, path) -> bool:
        """File → Save data…: the points as a CSV file that data=FILE reads back; the experiment then reads it."""
        if not self.active:
            self.model.errorOccurred.emit("no data to save: the objective is not a loss over a data set")
            return False
        try:
            params = data_edit.saved(self.model.experiment.objective, self.model.experiment.params,
                                     data_edit.points_of(self.model.objective), path)
        except LabError as exc:
            self.model.errorOccurred.emit(str(exc))
            return False
        self.model.experiment.params = params  # the same numbers: the objective and the race stay as they are
        self.model.messageShown.emit(f"Saved the data ({self.model.objective.n} points) to {path}")
        self.applied.emit("saved")
        return True

    # ----- results -------------------------------------------------------------------------------------------------
    def _apply(self, result, message: str, push: bool = True) -> None:
        if isinstance(result, LabError):
            self.pending = None
            self.model.errorOccurred.emit(str(result))
            self.applied.emit("")
            return
        params, obj = result
        if push:
            self.history.append(dict(self.model.experiment.params))
        self._applying = True
        try:
            self.model.set_objective_params(params, obj)
        finally:
            self._applying = False
        if not self.jobs.busy(KEY):
            self.pending = None
        self.model.messageShown.emit(message)
        self.applied.emit(message)

    @Slot()
    def _on_objective_changed(self) -> None:
        if not self._applying:  # another objective, or an experiment opened: its edits are not ours to undo
            self.history.clear()
            self.pending = None


def click_action(button, modifiers) -> tuple[str, int]:
    """('add', class) for a left click (class 1 with Shift, else -1: the selector's), ('remove', 0) for a right
    click, ('', 0) otherwise."""
    if button == Qt.MouseButton.RightButton:
        return "remove", 0
    if button == Qt.MouseButton.LeftButton:
        return "add", 1 if modifiers & Qt.KeyboardModifier.ShiftModifier else -1
    return "", 0


__all__ = ["DataEditor", "KEY", "click_action"]
