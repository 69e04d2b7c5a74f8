"""The Optimizer Lab window: panels on the left, the contour plot in the middle, curves and leaderboard on the right,
curvature below. ``MainWindow()`` builds everything; ``load_experiment(path)`` is File → Open."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QMainWindow, QMessageBox, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from lab.experiment import Experiment
from widgets import settings as lab_settings
from widgets.analysis.menu import install_analysis_menu
from widgets.analysis.tune_view import install_tune
from widgets.animation.export_dialog import install_export_animation
from widgets.error_box import error_box
from widgets.file_dialogs import FileDialogs
from widgets.lessons.menu import install_lessons
from widgets.keys import KEYS_HELP, install_keys
from widgets.model import LabModel
from widgets.own_data import install_own_data
from widgets.panels.controls import Controls, RunSettings
from widgets.panels.curvature_panel import CurvaturePanel
from widgets.panels.fitting_label import FittingLabel
from widgets.panels.leaderboard import Leaderboard
from widgets.panels.objective_panel import ObjectivePanel
from widgets.panels.racers_panel import RacersPanel
from widgets.plots.contour_plot import ContourView
from widgets.plots.data_plot import DataPanel
from widgets.plots.loss_plot import GradNormPlot, LossPlot
from widgets.steps import install_steps
from widgets.plots.step_axis import install_step_axis
from widgets.style import FONT_PT, configure_pyqtgraph, font
from widgets.view_modes.modes import ViewModes, install_view_modes
from widgets.work.gc_in_gui import collect_in_gui_thread
from widgets.work.redraw_clock import RedrawClock
from widgets.work.view_jobs import ViewJobs

DEFAULT_SIZE = (1400, 900)
DEFAULT_SPEED = 500.0  # steps per second when nothing is remembered: a race you can watch
EXPORT_WAIT_MS = 600_000  # closing the window while trajectories are being written waits for them this long at most



class MainWindow(ViewModes, FileDialogs, QMainWindow):
    """The whole window. ``remember=False`` neither reads nor writes QSettings (screenshots, batch use)."""

    def __init__(self, experiment: Experiment | None = None, *, remember: bool = True, parent=None):
        super().__init__(parent)
        configure_pyqtgraph()
        collect_in_gui_thread()  # never a garbage collection in a worker thread (widgets/work/gc_in_gui.py)
        app = QApplication.instance()
        if app is not None and app.font().pointSize() < FONT_PT:
            app.setFont(font(FONT_PT))  # menus, dialogs and style-sheeted labels too: it is projected
        self.remember = remember
        self.setWindowTitle("Optimizer Lab")
        self.setFont(font(FONT_PT))
        store = lab_settings.open_settings() if remember else None
        remembered = lab_settings.remembered_experiment(store) if experiment is None and store is not None else None
        self.model = LabModel(experiment, self)
        self.clock = RedrawClock(self)
        self.last_error = ""
        self._error_box: QMessageBox | None = None

        self.jobs = ViewJobs(self)  # the views' own computations (slices, decision regions), off the GUI thread
        self.controls = Controls(self.model)
        self.objective_panel = ObjectivePanel(self.model, jobs=self.jobs)
        self.racers_panel = RacersPanel(self.model)
        self.run_settings = RunSettings(self.model)  # the experiment's gradient noise and seed
        self.contour = ContourView(self.model, self.clock, jobs=self.jobs)
        self.loss_plot = LossPlot(self.model, self.clock)
        self.data_panel = DataPanel(self.model, self.loss_plot, self.jobs)
        self.grad_plot = GradNormPlot(self.model, self.clock)
        self.leaderboard = Leaderboard(self.model, self.clock)
        self.curvature = CurvaturePanel(self.model, self.clock)
        self._build_layout()
        self._build_menus()
        install_steps(self)  # the timeline, the explain panel, the gradient check (widgets/steps/)
        install_view_modes(self)  # View menu: presenter mode and zoom, contour / surface in 3-D (view_modes/)

        self.model.messageShown.connect(self._on_message)
        self.model.errorOccurred.connect(self._on_error)
        self.model.experimentLoaded.connect(self._on_experiment_file)
        self.model.experimentSaved.connect(self._on_experiment_file)
        self.model.runningChanged.connect(self._on_running_changed)
        self._told: set = set()    # racers whose divergence / error the status bar has said
        self._fresh: list = []     # ... of them, those since the last run ended
        self.model.raceReset.connect(self._on_race_reset_news)
        self.model.raceAdvanced.connect(self._on_race_news)
        self.model.runEnded.connect(self._on_run_ended_news)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.model.shutdown)

        self.resize(*DEFAULT_SIZE)
        self.model.set_speed(DEFAULT_SPEED)
        if store is not None:
            self._restore(store)
        self.statusBar().setFont(font(FONT_PT))
        refused = lab_settings.refused() if remember else ""
        self.statusBar().showMessage(f"Settings ignored: {refused}" if refused else
                                     "Ready — Space: run / pause   →: one step   R: reset", 0)
        self.jobs.failed.connect(self._on_job_failed)
        if remembered is not None:  # the window first: the remembered experiment is read and derived in the
            race = self.model.race  # view-jobs thread afterwards, if the user has not changed this race meanwhile
            QTimer.singleShot(0, self, lambda: self._load_remembered(remembered, race))

    # ----- layout and menus ------------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(4, 0, 4, 4)
        lv.addWidget(self.racers_panel, 1)
        lv.addWidget(self.run_settings)
        scroll = QScrollArea()
        scroll.setObjectName("setupArea")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(290)

        board = QWidget()
        bv = QVBoxLayout(board)
        bv.setContentsMargins(4, 2, 2, 2)
        bv.setSpacing(2)
        rate = FittingLabel()  # as much of its text as fits, never cut; it never re-lays out the window
        rate.setObjectName("leaderboardRate")
        self.leaderboard.rateChanged.connect(lambda text: rate.setText(f"<b>Leaderboard</b> — {text}"))
        rate.setText("<b>Leaderboard</b>")
        bv.addWidget(rate)
        bv.addWidget(self.leaderboard)

        # curves against step, one above the other so they share the step axis
        self.curves_split = QSplitter(Qt.Orientation.Vertical)
        for w in (self.loss_plot, self.grad_plot, self.curvature.kappa_plot):
            self.curves_split.addWidget(w)
        self.curves_split.setSizes([200, 150, 210])  # κ holds the step axis: it needs the room for three labels

        self.top_split = QSplitter(Qt.Orientation.Horizontal)
        self.top_split.addWidget(self.contour)
        self.top_split.addWidget(self.data_panel)  # data-driven objectives only
        self.top_split.addWidget(self.curves_split)
        self.top_split.setSizes([580, 0, 502])
        self.data_panel._on_objective_changed()
        self.model.objectiveChanged.connect(self._on_data_panel)
        self._on_data_panel()

        self.bottom_split = QSplitter(Qt.Orientation.Horizontal)
        self.bottom_split.addWidget(board)
        self.bottom_split.addWidget(self.curvature)
        self.bottom_split.setSizes([458, 624])

        self.right_split = QSplitter(Qt.Orientation.Vertical)
        self.right_split.addWidget(self.top_split)
        self.right_split.addWidget(self.bottom_split)
        self.right_split.setSizes([500, 270])
        self.right_split.setStretchFactor(0, 2)  # a smaller window takes 2 of each 3 pixels from the plots, 1 from the
        self.right_split.setStretchFactor(1, 1)  # tables (with the plots alone stretching, at 720 high they kept 260)

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(scroll)
        self.main_split.addWidget(self.right_split)
        self.main_split.setSizes([318, 1082])
        self.main_split.setStretchFactor(1, 1)

        central = QWidget()
        cv = QVBoxLayout(central)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.setSpacing(0)
        cv.addWidget(self.controls)
        cv.addWidget(self.objective_panel)
        cv.addWidget(self.main_split, 1)
        self.setCentralWidget(central)

    def _action(self, menu, text: str, slot, shortcut=None, name: str = "", tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if name:
            a.setObjectName(name)
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setFont(font(FONT_PT))
        f = bar.addMenu("&File")
        self._action(f, "&Open experiment…", self._on_open, QKeySequence.StandardKey.Open, "openAction")
        self._action(f, "&Save experiment", self._on_save, QKeySequence.StandardKey.Save, "saveAction")
        self._action(f, "Save experiment &as…", self._on_save_as, QKeySequence.StandardKey.SaveAs, "saveAsAction")
        f.addSeparator()
        self._action(f, "&Export trajectories… (CSV, NPZ, JSON)", self._on_export_trajectories, "Ctrl+E",
                     "exportTrajectoriesAction")
        self._action(f, "Export &plots… (PNG, SVG)", self._on_export_plots, "Ctrl+Shift+E", "exportPlotsAction")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction")

        r = bar.addMenu("&Run")
        self.run_action = self._action(r, "Run / pause", self.model.toggle_run, Qt.Key.Key_Space, "runAction")
        self._action(r, "One step", self.model.step, Qt.Key.Key_Right, "stepAction")
        self._action(r, "Reset", self.model.reset, Qt.Key.Key_R, "resetAction")

        rc = bar.addMenu("R&acers")
        self._action(rc, "Add racer", lambda: self.model.add_racer(), "Ctrl+N", "addRacerAction")
        self._action(rc, "Duplicate selected", lambda: self.model.duplicate_racer(self.model.selected_row),
                     "Ctrl+D", "duplicateRacerAction")
        self._action(rc, "Remove selected", lambda: self.model.remove_racer(self.model.selected_row),
                     None, "removeRacerAction")
        self._action(rc, "Lecture set", self.model.use_lecture_set, "Ctrl+L", "lectureSetAction")

        install_export_animation(self)  # File → Export animation… (widgets/animation/export_dialog.py)
        install_analysis_menu(self)  # Analysis → Convergence map… / Learning-rate sweep… (analysis/menu.py)
        install_lessons(self)  # Lessons menu, File → Open lesson…, the caption with Next / Back (lessons/menu.py)
        install_tune(self)  # Racers → Tune learning rates… (analysis/tune_view.py)
        install_keys(self)  # text fields keep Space and the letters; Esc or a click on a plot gives them back
        install_step_axis(self)  # View → Log step axis (plots/step_axis.py)
        install_own_data(self)  # File → Open data… / Save data…, points by clicking (own_data/)
        h = bar.addMenu("&Help")
        self._action(h, "Keys and symbols", self._on_help, QKeySequence.StandardKey.HelpContents, "helpAction")
        for menu in (f, r, rc, h):
            menu.setFont(font(FONT_PT))

    @Slot()
    def _on_data_panel(self) -> None:
        """Give the data plot room beside the contour when the objective has data (and take it back)."""
        shown = not self.data_panel.isHidden()
        if shown != getattr(self, "_data_shown", None):
            self._data_shown = shown
            total = max(sum(self.top_split.sizes()), 1082)  # before the first layout the sizes are nominal
            self.top_split.setSizes([int(total * 0.40), int(total * 0.22), total - int(total * 0.62)] if shown
                                    else [int(total * 0.54), 0, total - int(total * 0.54)])

    # ----- public ----------------------------------------------------------------------------------------------
    def load_experiment(self, path) -> bool:
        """What File → Open does: read the experiment file and rebuild the race (a message box on a bad file)."""
        return self.model.load(path)

    def _load_remembered(self, text: str, race) -> None:
        """Read the remembered experiment in the view-jobs thread; one that is not usable is dropped with a note.
        A file opened meanwhile wins (the same key: its request runs after this one); so does a race the user has
        already changed, stepped or run (the remembered one would pull it away)."""
        self.jobs.submit("open", lambda: lab_settings.read_remembered(text), lambda r: self._on_remembered(r, race))

    def _on_remembered(self, result, race) -> None:
        if isinstance(result, str):
            self.statusBar().showMessage(result, 0)
        elif self.model.race is not race or self.model.running or self.model.step_count:
            self.statusBar().showMessage("The remembered experiment was not restored: the race had changed", 0)
        else:
            self.model.set_experiment(*result)

    @Slot(object, str)
    def _on_job_failed(self, key, message: str) -> None:
        if key == "open":  # not a LabError (those are results): say it, the experiment stays as it was
            self._on_error(f"the experiment could not be opened: {message}")

    def refresh_now(self) -> None:
        """Draw everything the model has, now (tests and screenshots; normally the redraw clock does it)."""
        self.contour.grid_now()
        self.clock.flush()
        if self.data_panel.plot.active:  # the data plot and the slice at the racers' last points, computed here
            self.data_panel.plot.request_now(wait=True)
        if self.contour.slice is not None and self.contour.slice.active:
            self.contour.slice.request_now(wait=True)

    @property
    def plots(self) -> dict:
        return {"contour": self.contour, "loss": self.loss_plot, "gradient-norm": self.grad_plot,
                "condition": self.curvature.kappa_plot}

    # ----- slots -----------------------------------------------------------------------------------------------
    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 0)

    @staticmethod
    def _fate(traces) -> str:
        """'SGD diverged at step 3 (loss is not finite)', for at most three racers."""
        said = [f"{t.label} {t.status} at step {t.status_step}" + (f" ({t.reason.splitlines()[0][:80]})"
                                                                   if t.reason else "") for t in traces[:3]]
        return "; ".join(said) + (f"; {len(traces) - 3} more stopped" if len(traces) > 3 else "")

    @Slot()
    def _on_race_reset_news(self) -> None:
        self._told.clear()
        self._fresh.clear()

    @Slot(object)
    def _on_race_news(self, _progress) -> None:
        """A racer that just diverged or failed is said in the status bar (the leaderboard marks it too)."""
        new = [t for t in self.model.traces if t.status in ("diverged", "error", "stationary") and t not in self._told]
        if new:
            self._told.update(new)
            self._fresh.extend(new)
            self.statusBar().showMessage(self._fate(new), 0)

    @Slot(object)
    def _on_run_ended_news(self, result) -> None:
        """The run's end message ('Race over ...', 'Step 5') keeps the news of racers that stopped badly."""
        bad = ([t for t in self.model.traces if t.status in ("diverged", "error", "stationary")] if result.race_done
               else self._fresh)
        self._fresh = []
        if bad:
            now = self.statusBar().currentMessage()
            self.statusBar().showMessage((now + " — " if now else "") + self._fate(bad), 0)

    @Slot(str)
    def _on_error(self, text: str) -> None:
        """A non-blocking message box (the race and the window go on) that says what and where."""
        self.last_error = text
        self.statusBar().showMessage(text.splitlines()[0], 0)
        self._error_box = error_box(self, text, self._error_box)

    @Slot(str)
    def _on_experiment_file(self, path: str) -> None:
        self.setWindowTitle(f"Optimizer Lab — {Path(path).name}")

    @Slot(bool)
    def _on_running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.run_action):
            self.run_action.setText("Pause" if running else "Run")

    @Slot()
    def _on_help(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "Optimizer Lab — keys", KEYS_HELP,
                          QMessageBox.StandardButton.Ok, self)
        box.setFont(font(FONT_PT))
        box.open()

    # ----- settings and closing --------------------------------------------------------------------------------
    def _restore(self, store) -> None:
        try:
            geometry = lab_settings.read_bytes(store, "window/geometry")
            if geometry is not None:
                self.restoreGeometry(geometry)
            for key, splitter in self._splitters().items():
                state = lab_settings.read_bytes(store, f"window/{key}")
                if state is not None:
                    splitter.restoreState(state)
            speed = lab_settings.read_float(store, "run/speed", DEFAULT_SPEED, 0.0, 1e9)
            self.model.set_speed(speed)
            path = lab_settings.read_text(store, "experiment/path")
            if path:
                self.model.path = path
        except Exception as exc:  # settings never stop the window from opening
            self.statusBar().showMessage(f"Settings ignored: {exc}", 0)

    def _splitters(self) -> dict:
        return {"main_split": self.main_split, "right_split": self.right_split, "top_split": self.top_split,
                "curves_split": self.curves_split, "bottom_split": self.bottom_split}

    def save_settings(self) -> None:
        if not self.remember:
            return
        store = lab_settings.open_settings()
        if store is None:  # a FIFO, a device, a file too big: never opened
            return
        lab_settings.write(store, "window/geometry", self.saveGeometry())
        for key, splitter in self._splitters().items():
            lab_settings.write(store, f"window/{key}", splitter.saveState())
        lab_settings.write(store, "run/speed", float(self.model.speed))
        lab_settings.write(store, "experiment/json", self.model.experiment.to_json())
        if self.model.path:
            lab_settings.write(store, "experiment/path", self.model.path)
        store.sync()

    def closeEvent(self, event) -> None:
        try:
            self.save_settings()
        finally:
            self.clock.stop()
            self.model.shutdown()
            if self.model.exporting:  # an export in flight is let finish: its file is written, never abandoned
                wait = QEventLoop()
                self.model.exportFinished.connect(wait.quit)
                QTimer.singleShot(EXPORT_WAIT_MS, wait.quit)
                wait.exec()
            self.jobs.shutdown()
        super().closeEvent(event)


__all__ = ["MainWindow"]
