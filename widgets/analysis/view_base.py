"""What the convergence-map and learning-rate-sweep windows share: a run / cancel / progress strip driving a
``JobRunner``, checked fields, export buttons and error boxes (the Analysis menu is in menu.py).

A view is a separate window (``Qt.Window``) that takes the ``LabModel``: it reads the current objective and
start when Run is pressed and never writes to the model. Closing the view, or the main window it belongs to,
stops the job and ends its thread before anything is destroyed.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (QFileDialog, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QProgressBar,
                               QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from lab.errors import LabError
from lab.files import atomic_write
from lab.optimizers import optimizer_spec
from lab.params import Param
from widgets.error_box import error_box
from widgets.panels.param_field import ParamField
from widgets.plots.plot_export import png_bytes, svg_bytes
from widgets.style import FONT_PT, INK, TITLE_PT, font
from widgets.work.job import fraction_progress
from widgets.work.owner import JobRunner

PROGRESS_PER_SECOND = 20  # the progress bar moves at most this often

class HyperEditor(QWidget):
    """One checked ParamField per hyperparameter of ``optimizer`` (except ``skip``), two to a row."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.fields: dict[str, ParamField] = {}

    def set_optimizer(self, optimizer: str, values: dict, skip: tuple[str, ...] = ()) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.hide()  # gone now, not at the next event-loop turn
                w.deleteLater()
        self.fields = {}
        spec = optimizer_spec(optimizer)
        params = [p for p in spec.shown_params(values) if p.name not in skip]
        numbers = [p for p in params if p.kind != "bool"]
        switches = [p for p in params if p.kind == "bool"]
        rows = (len(numbers) + 1) // 2
        for i, p in enumerate(numbers + switches):
            f = ParamField(p, values.get(p.name, p.default), f"optimizer {optimizer!r}", text=p.short)
            f.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            if p.name == "schedule":  # the chosen schedule's own fields replace the last one's
                f.accepted.connect(lambda *_, o=optimizer, s=skip: self.set_optimizer(o, self.values(), s))
            f.accepted.connect(lambda *_: self.changed.emit())
            self.fields[p.name] = f
            if p.kind == "bool":
                self.grid.addWidget(f, rows + i - len(numbers), 0, 1, 4)
                continue
            r, c = divmod(i, 2)
            name = QLabel(p.short)
            name.setToolTip(p.doc)
            name.setMinimumWidth(name.sizeHint().width())  # never squeezed under its field
            self.grid.addWidget(name, r, 2 * c, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(f, r, 2 * c + 1, Qt.AlignmentFlag.AlignTop)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(3, 1)

    @property
    def invalid(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.invalid]

    def values(self) -> dict:
        return {name: f.value for name, f in self.fields.items()}


def int_field(name: str, default: int, lo: int, hi: int, doc: str) -> ParamField:
    f = ParamField(Param(name, default, lo=lo, hi=hi, kind="int", doc=doc), default, "")
    f.setObjectName(f"{name}Field")
    return f


def float_field(name: str, default: float, doc: str) -> ParamField:
    f = ParamField(Param(name, default, lo=0.0, lo_open=True, doc=doc), default, "")
    f.setObjectName(f"{name}Field")
    return f


def side_legend(object_name: str) -> QLabel:
    """A rich-text legend beside a figure (never over a curve, never clipped)."""
    legend = QLabel()
    legend.setObjectName(object_name)
    legend.setTextFormat(Qt.TextFormat.RichText)
    legend.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    legend.setStyleSheet(f"color: {INK}; background: white;")
    legend.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
    return legend


class OptimizerChoice:
    """For a view with one optimizer chosen in ``self.optimizer_combo`` (item data: the optimizer's name)."""

    @property
    def optimizer(self) -> str:
        return self.optimizer_combo.currentData()

    def set_optimizer(self, name: str) -> None:
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(name))


class AnalysisView(QWidget):
    """The shared frame. Subclasses build ``controls`` / ``figure`` and implement ``make_job``, ``draw``,
    ``clear_result`` and ``data_stem``. Signals: runStarted, runFinished(result), runAborted(partial), runErrored."""

    runStarted = Signal()
    runFinished = Signal(object)
    runAborted = Signal(object)
    runErrored = Signal(str)
    exported = Signal(str)  # the path written (data exports run in the worker: a CSV of 40 000 rows takes ~1 s)

    TITLE = "Analysis"
    NAME = "analysis"

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.model = model
        self.result = None
        self.last_error = ""
        self._error_box: QMessageBox | None = None
        self._runner: JobRunner | None = None
        self._watched: QObject | None = None
        self._export_path: Path | None = None  # set while the worker writes an export
        self._active = False
        self.setWindowTitle(f"Optimizer Lab — {self.TITLE}")
        self.setFont(font(FONT_PT))

        self.run_button = QPushButton("Run")
        self.run_button.setObjectName(f"{self.NAME}RunButton")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName(f"{self.NAME}CancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName(f"{self.NAME}Progress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%p%")
        self.status = QLabel("Press Run.")
        self.status.setObjectName(f"{self.NAME}Status")
        self.status.setWordWrap(True)
        self.export_data_button = QPushButton("Export data…")
        self.export_data_button.setToolTip("the result as .npz (every array) or .csv (one row per run)")
        self.export_data_button.clicked.connect(self._on_export_data)
        self.export_png_button = QPushButton("Export image…")
        self.export_png_button.setToolTip("the plot and its legend as .png (as on screen) or .svg")
        self.export_png_button.clicked.connect(self._on_export_image)
        for b in (self.export_data_button, self.export_png_button):
            b.setEnabled(False)

        if parent is not None:
            self.watch(parent.window())

    # ----- layout helpers for subclasses -----------------------------------------------------------------------
    def run_strip(self) -> QWidget:
        w = QWidget()
        g = QGridLayout(w)
        g.setContentsMargins(0, 6, 0, 0)
        g.addWidget(self.run_button, 0, 0)
        g.addWidget(self.cancel_button, 0, 1)
        g.addWidget(self.progress_bar, 1, 0, 1, 2)
        g.addWidget(self.status, 2, 0, 1, 2)
        row = QHBoxLayout()
        row.addWidget(self.export_data_button)
        row.addWidget(self.export_png_button)
        g.addLayout(row, 3, 0, 1, 2)
        return w

    def controls_column(self, width: int = 360) -> QVBoxLayout:
        """The left column, ``self.controls``, of fixed ``width``, headed by ``self.objective_label``; its layout."""
        self.controls = QWidget()
        self.controls.setObjectName(f"{self.NAME}Controls")
        self.controls.setFixedWidth(width)
        cv = QVBoxLayout(self.controls)
        cv.setContentsMargins(8, 8, 8, 8)
        self.objective_label = QLabel()
        self.objective_label.setWordWrap(True)
        cv.addWidget(self.objective_label)
        return cv

    def titled_figure(self) -> QVBoxLayout:
        """``self.figure`` (white, for export) with ``self.title`` (bold, wrapped) at its top, right of the controls
        column; the figure's layout."""
        self.figure = QWidget()
        self.figure.setObjectName(f"{self.NAME}Figure")
        self.figure.setAutoFillBackground(True)
        self.figure.setStyleSheet(f"#{self.NAME}Figure {{ background: white; }}")
        fv = QVBoxLayout(self.figure)
        fv.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setObjectName(f"{self.NAME}Title")
        self.title.setFont(font(TITLE_PT, bold=True))
        self.title.setWordWrap(True)
        self.title.setStyleSheet(f"color: {INK}; background: white;")
        fv.addWidget(self.title)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(self.figure, 1)
        return fv

    # ----- running ---------------------------------------------------------------------------------------------
    @property
    def runner(self) -> JobRunner:
        if self._runner is None:
            self._runner = JobRunner(f"{self.NAME}-worker", self)
            self._runner.started.connect(self._on_started)
            self._runner.progress.connect(self._on_progress)
            self._runner.finished.connect(self._on_finished)
            self._runner.aborted.connect(self._on_aborted)
            self._runner.errored.connect(self._on_errored)
        return self._runner

    @property
    def busy(self) -> bool:
        """A run or an export was started and its end (finished / aborted / errored) has not arrived yet."""
        return self._active

    @Slot()
    def run(self) -> bool:
        """Check the fields and start the job; False (and a message) if a field holds a refused value."""
        try:
            fn, note = self.make_job()
        except LabError as exc:
            self._show_error(str(exc))
            return False
        self._export_path = None
        self.progress_bar.setValue(0)
        self.status.setText(note)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._active = True
        self.runner.start(lambda should_stop, progress:
                          fn(should_stop, fraction_progress(progress, PROGRESS_PER_SECOND)))
        return True

    @Slot()
    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        self.status.setText("Cancelling…")

    def shutdown(self) -> None:
        """Stop the job and end the worker thread (a later Run starts a new one)."""
        if self._runner is not None:
            self._runner.shutdown()
            self._runner = None
        self._idle()

    def _idle(self) -> None:
        self._active = False
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    @Slot(int)
    def _on_started(self, _job_id: int) -> None:
        self.runStarted.emit()

    @Slot(object)
    def _on_progress(self, fraction: float) -> None:
        self.progress_bar.setValue(int(1000 * fraction))

    @Slot(object)
    def _on_finished(self, result) -> None:
        self._idle()
        if self._export_path is not None:
            path, self._export_path = self._export_path, None
            self.status.setText(f"Wrote {result}")
            self.exported.emit(str(path))
            return
        self.progress_bar.setValue(1000)
        self.result = result
        self.draw(result)
        for b in (self.export_data_button, self.export_png_button):
            b.setEnabled(True)
        self.runFinished.emit(result)

    @Slot(object)
    def _on_aborted(self, result) -> None:
        self._idle()
        self.status.setText("Cancelled — the last complete result stays on the plot." if self.result is not None
                            else "Cancelled.")
        self.runAborted.emit(result)

    @Slot(object, str)
    def _on_errored(self, _partial, message: str) -> None:
        self._idle()
        self.status.setText(message.splitlines()[0])
        if self._export_path is not None:
            path, self._export_path = self._export_path, None
            self._show_error(f"Could not export the {self.TITLE.lower()} to {path}:\n{message}")
        else:
            self._show_error(f"{self.TITLE} failed: {message}")
        self.runErrored.emit(message)

    # ----- export ----------------------------------------------------------------------------------------------
    def export_data(self, path) -> bool:
        """Start writing the result (BasinMap.save / LRSweep.save) to ``path`` (.npz or .csv) in the worker;
        ``exported(path)`` follows, or a message box that says what failed and where. False if refused now."""
        p = Path(path)
        if self.result is None:
            self._show_error("Nothing to export yet: press Run first.")
            return False
        if self.busy:
            self._show_error(f"Cannot export to {p} while a run is going: wait for it, or Cancel it.")
            return False
        if p.suffix.lower() not in (".npz", ".csv"):
            self._show_error(f"Could not export the {self.TITLE.lower()} to {p}:\nunknown format; use .npz or .csv")
            return False
        result = self.result
        self._export_path = p
        self.run_button.setEnabled(False)
        self.status.setText(f"Writing {p.name}…")
        self._active = True
        self.runner.start(lambda should_stop, progress: result.save(p))
        return True

    def export_image(self, path) -> bool:
        """The figure (plot and legend) as .png (what is on screen) or .svg."""
        p = Path(path)
        suffix = p.suffix.lower()
        try:
            if suffix not in (".png", ".svg"):
                shown = f"ending {suffix!r}" if suffix else "no ending"
                raise LabError(f"unknown image format ({shown}); use .png or .svg")
            data = png_bytes(self.figure) if suffix == ".png" else svg_bytes(self.figure)
            atomic_write(p, lambda fh: fh.write(data), binary=True)
        except (LabError, OSError) as exc:
            self._show_error(f"Could not export the {self.TITLE.lower()} image to {p}:\n{exc}")
            return False
        self.status.setText(f"Wrote {p}")
        return True

    @Slot()
    def _on_export_data(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.TITLE.lower()}", f"{self.data_stem()}.npz",
                                              "NPZ (*.npz);;CSV (*.csv)")
        if path:
            self.export_data(path)

    @Slot()
    def _on_export_image(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.TITLE.lower()} image", f"{self.data_stem()}.png",
                                              "PNG (*.png);;SVG (*.svg)")
        if path:
            self.export_image(path)

    def _show_error(self, text: str) -> None:
        """A non-blocking message box that says what and where."""
        self.last_error = text
        self._error_box = error_box(self, text, self._error_box)

    # ----- closing ---------------------------------------------------------------------------------------------
    def watch(self, window: QObject) -> None:
        """Stop the job when ``window`` (the main window) closes."""
        self._watched = window
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self._watched and event.type() == QEvent.Type.Close:
            self.shutdown()
            self.close()
        return False

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # ----- for subclasses --------------------------------------------------------------------------------------
    figure: QWidget

    def make_job(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, result) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def data_stem(self) -> str:
        return f"{self.model.experiment.objective}-{self.NAME}"


__all__ = ["AnalysisView", "HyperEditor", "OptimizerChoice", "float_field", "int_field"]
