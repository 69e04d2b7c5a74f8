"""The File menu's dialogs: open, save and save as an experiment, export trajectories and plots.

``FileDialogs`` is the part of ``MainWindow`` that asks for a path (``_ask_path``: tests replace it) and hands it
to the model, or, for the plots, writes them itself.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog

from lab.errors import LabError
from widgets.model.export_adapter import FORMATS as TRAJECTORY_FORMATS
from widgets.own_data.save_dialog import EMBED_CHECK, ask_save_path
from widgets.plots.plot_export import export_plots


class FileDialogs:
    """File → Open / Save / Save as / Export (a part of ``MainWindow``: it uses the window's model and status)."""

    save_check = False  # the save dialog's check box (``check``), as last left

    def _ask_path(self, title: str, filters: str, save: bool, suggested: str = "", check: str = "") -> str:
        if save and check:  # a dialog with a check box (widgets/own_data: store the data in the experiment)
            path, self.save_check = ask_save_path(self, title, suggested, filters, check, self.save_check)
        elif save:
            path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self, title, suggested, filters)
        return path

    @Slot()
    def _on_open(self) -> None:
        path = self._ask_path("Open experiment", "Experiment (*.json);;All files (*)", save=False)
        if path:  # read and prepared in the view-jobs thread: a slow formula or a FIFO never blocks the window
            self.model.start_load(path, self.jobs)

    @Slot()
    def _on_save(self) -> None:
        if self.model.path:
            self.model.save(self.model.path)
        else:
            self._on_save_as()

    @Slot()
    def _on_save_as(self) -> None:
        check = EMBED_CHECK if getattr(self.model.objective, "own", None) is not None else ""
        path = self._ask_path("Save experiment", "Experiment (*.json)", save=True,
                              suggested=self.model.path or f"{self.model.experiment.objective}.json", check=check)
        if path:
            if not Path(path).suffix:
                path += ".json"
            self.model.save(path, embed=bool(check) and self.save_check)

    @Slot()
    def _on_export_trajectories(self) -> None:
        filters = ";;".join(f"{f[1:].upper()} (*{f})" for f in TRAJECTORY_FORMATS)
        path = self._ask_path("Export trajectories", filters, save=True,
                              suggested=f"{self.model.experiment.objective}-trajectories.csv")
        if path:
            self.model.start_export(path, self.jobs)  # written in the background; the status bar says when

    @Slot()
    def _on_export_plots(self) -> None:
        path = self._ask_path("Export plots (one file per plot)", "PNG (*.png);;SVG (*.svg)", save=True,
                              suggested=f"{self.model.experiment.objective}.png")
        if path:
            self.export_plots(path)

    def export_plots(self, path) -> bool:
        self.refresh_now()
        try:
            written = export_plots(path, self.plots)
        except LabError as exc:
            self._on_error(str(exc))
            return False
        self._on_message(f"Exported {len(written)} plots: " + ", ".join(p.name for p in written))
        return True


__all__ = ["FileDialogs"]
