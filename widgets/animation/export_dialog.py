"""File → Export animation…: a dialog (format, size, frames, fps, timeline, view, file), then the export in the
background (``ExportJob``) with a progress dialog and Cancel; at the end the status bar says where the file went,
and a box offers to show its folder. ``install_export_animation(window)`` adds the menu entry."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressDialog, QPushButton,
                               QSpinBox, QWidget)

from lab.animation.options import (DEFAULT_FPS, DEFAULT_FRAMES, DEFAULT_SIZE, VIEWS, AnimationOptions)
from lab.animation.schedule import TIMELINES
from lab.errors import LabError
from lab.limits import MAX_ANIMATION_SIZE, MAX_FPS, MAX_FRAMES, MIN_ANIMATION_SIZE
from widgets.animation.export_job import ExportJob
from widgets.style import FONT_PT, font

FORMAT_NAMES = {".mp4": "MP4 video (H.264)", ".gif": "GIF (loops)"}
FIELD_NAMES = {"--out": "File", "--frames": "Frames", "--fps": "Frames per second", "--size": "Size",
               "--timeline": "Timeline", "--view": "View"}
"""The checks' messages name the command line's options; the dialog says its own fields' names instead."""


class ExportAnimationDialog(QDialog):
    """The options of one animation; ``options()`` reads them (LabError, shown in the dialog, when one is bad)."""

    def __init__(self, window, views: list[str], presenter: bool):
        super().__init__(window)
        self.setWindowTitle("Export animation")
        self.setFont(font(FONT_PT))
        self.setMinimumWidth(620)
        form = QFormLayout(self)
        self.format = QComboBox(objectName="animationFormat")
        for suffix, name in FORMAT_NAMES.items():
            self.format.addItem(name, suffix)
        self.width_box, self.height_box = (QSpinBox(objectName=n) for n in ("animationWidth", "animationHeight"))
        for box, low, high, value in ((self.width_box, MIN_ANIMATION_SIZE[0], MAX_ANIMATION_SIZE[0], DEFAULT_SIZE[0]),
                                      (self.height_box, MIN_ANIMATION_SIZE[1], MAX_ANIMATION_SIZE[1], DEFAULT_SIZE[1])):
            box.setRange(low, high)
            box.setValue(value)
        size = QWidget()
        row = QHBoxLayout(size)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.width_box)
        row.addWidget(QLabel("×"))
        row.addWidget(self.height_box)
        self.frames = QSpinBox(objectName="animationFrames")
        self.frames.setRange(2, MAX_FRAMES)
        self.frames.setValue(DEFAULT_FRAMES)
        self.fps = QDoubleSpinBox(objectName="animationFps")
        self.fps.setRange(0.1, MAX_FPS)
        self.fps.setValue(DEFAULT_FPS)
        self.timeline = QComboBox(objectName="animationTimeline")
        self.timeline.addItems(list(TIMELINES))
        self.timeline.setToolTip("linear: steps evenly spaced; log: evenly spaced in log(1 + step), so the first "
                                 "steps get frames of their own")
        self.view = QComboBox(objectName="animationView")
        self.view.addItems(views)
        self.presenter = QCheckBox("presenter mode", objectName="animationPresenter")
        self.presenter.setVisible(presenter)
        self.path = QLineEdit(objectName="animationPath")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._on_choose)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        self.problem = QLabel(objectName="animationProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self._on_export)
        buttons.rejected.connect(self.reject)
        for label, field in (("Format", self.format), ("Size (pixels)", size), ("Frames", self.frames),
                             ("Frames per second", self.fps), ("Timeline", self.timeline), ("View", self.view),
                             ("", self.presenter), ("File", where)):
            form.addRow(label, field)
        form.addRow(self.problem)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._on_format)
        self.ask_path = lambda suggested: QFileDialog.getSaveFileName(self, "Export animation", suggested,
                                                                      "MP4 (*.mp4);;GIF (*.gif)")[0]

    def suffix(self) -> str:
        return self.format.currentData()

    @Slot()
    def _on_format(self) -> None:
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(self.suffix())))

    @Slot()
    def _on_choose(self) -> None:
        path = self.ask_path(self.path.text())
        if path:
            if Path(path).suffix.lower() in FORMAT_NAMES:
                self.format.setCurrentIndex(self.format.findData(Path(path).suffix.lower()))
            else:
                path += self.suffix()
            self.path.setText(path)

    def options(self) -> AnimationOptions:
        text = self.path.text().strip()
        if not text:
            raise LabError("choose the file to write")
        out = Path(text) if Path(text).suffix.lower() == self.suffix() else Path(text + self.suffix())
        return AnimationOptions(out=out, frames=self.frames.value(), fps=self.fps.value(),
                                size=(self.width_box.value(), self.height_box.value()),
                                timeline=self.timeline.currentText(), view=self.view.currentText(),
                                presenter=self.presenter.isVisible() and self.presenter.isChecked()).check()

    @Slot()
    def _on_export(self) -> None:
        try:
            self.chosen = self.options()
        except LabError as exc:
            text = str(exc)
            for option, field in FIELD_NAMES.items():
                text = text.replace(option, field)
            self.problem.setText(text)
            self.adjustSize()
            return
        self.accept()


class AnimationExport(QObject):
    """The window's side: opens the dialog, runs one ExportJob at a time with a progress dialog, says the end."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.job: ExportJob | None = None
        self.dialog: ExportAnimationDialog | None = None
        self.progress: QProgressDialog | None = None
        self.done_box: QMessageBox | None = None
        window.installEventFilter(self)  # closing the window stops an export first (its temporary is removed)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close and self.job is not None and self.job.running:
            self.job.stop_now()
        return False

    def views(self) -> list[str]:
        """The views this window can draw: 'surface' only where it has one (``window.surface``)."""
        return [v for v in VIEWS if v != "surface" or getattr(self.window, "surface", None) is not None]

    @Slot()
    def open_dialog(self) -> None:
        if self.job is not None and self.job.running:
            self.window.statusBar().showMessage("An animation is being exported: wait for it, or cancel it", 0)
            return
        if self.dialog is None:
            self.dialog = ExportAnimationDialog(self.window, self.views(),
                                                callable(getattr(self.window, "set_presenter", None)))
            self.dialog.path.setText(str(Path.cwd() / f"{self.window.model.experiment.objective}-race.mp4"))
            self.dialog.accepted.connect(lambda: self.start(self.dialog.chosen))
        self.dialog.problem.clear()
        self.dialog.open()

    def start(self, options: AnimationOptions) -> ExportJob:
        """Export the window's experiment (a copy: the user's race is not touched) as ``options`` say."""
        self.job = job = ExportJob(self.window.model.experiment_copy(), options, self)
        self.progress = progress = QProgressDialog(f"Starting the drawing of {options.out.name}…", "Cancel", 0,
                                                   options.frames,
                                                   self.window)
        progress.setObjectName("animationProgress")
        progress.setWindowTitle("Export animation")
        progress.setWindowModality(Qt.WindowModality.NonModal)  # the window stays usable (the export has a copy)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(job.cancel)

        progress.setMinimumWidth(360)

        def on_progress(done: int, total: int) -> None:
            progress.setLabelText(f"Drawing {options.out.name}: frame {done} of {total}")
            progress.setValue(done)

        job.progressed.connect(on_progress)
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        progress.show()
        job.start()
        return job

    def _end(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect()
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    @Slot(str)
    def _on_finished(self, path: str) -> None:
        self._end()
        self.window.statusBar().showMessage(f"Animation written: {path}", 0)
        box = QMessageBox(QMessageBox.Icon.Information, "Export animation", f"Animation written:\n{path}",
                          QMessageBox.StandardButton.Ok, self.window)
        box.setObjectName("animationDone")
        show = box.addButton("Show folder", QMessageBox.ButtonRole.ActionRole)
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve().parent))))
        self.done_box = box
        box.open()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end()
        self.window.statusBar().showMessage(f"The animation was not written: {message}", 0)

    @Slot()
    def _on_cancelled(self) -> None:
        self._end()
        self.window.statusBar().showMessage("Animation export cancelled: nothing was written", 0)


def install_export_animation(window) -> AnimationExport:
    """File → Export animation… (after Export plots), as ``window.animation_export``."""
    export = AnimationExport(window)
    action = QAction("Export &animation… (MP4, GIF)", window)
    action.setObjectName("exportAnimationAction")
    action.triggered.connect(export.open_dialog)
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        names = [a.objectName() for a in menu.actions()] if menu is not None else []
        if "exportPlotsAction" in names:
            after = names.index("exportPlotsAction") + 1
            menu.insertAction(menu.actions()[after] if after < len(names) else None, action)
            break
    window.animation_export = export
    return export


__all__ = ["AnimationExport", "ExportAnimationDialog", "install_export_animation"]
