"""Racers → Tune learning rates…: lab.tune.tune for the current racers in the view's worker, with a progress bar and
Cancel; the table shows each racer's lr now, its tuned lr, the score and the grid neighbours'; Apply gives the racers
their tuned lr. ``install_tune(window)`` adds the menu item to the main window's Racers menu."""
from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFormLayout, QPushButton, QVBoxLayout, QWidget

from lab.errors import LabError
from lab.limits import MAX_STEPS, MAX_TUNE_RUNS
from lab.optimizers import optimizer_spec
from lab.tune import COARSE, FINE, METRICS, TuneResult, TuneSetup, check_racer, draw_starts, tune
from widgets.analysis.view_base import AnalysisView, int_field
from widgets.panels.tables import ReadOnlyTable, number, swatch
from widgets.style import FONT_PT, font

HEADERS = ["Racer", "lr now", "tuned lr", "score", "score, lr below", "score, lr above"]
EXPLAIN = (f"Each racer's lr is tried at {len(COARSE)} values from {COARSE[0]:g} to {COARSE[-1]:g}, then {FINE} "
           "around the best, its other settings fixed; the score is the median over the seeds and starts of the "
           "final loss (or the steps to |∇f| < tol). Every racer gets the same runs: a fair race.")


class TuneView(AnalysisView):
    TITLE = "Tune learning rates"
    NAME = "tune"

    def __init__(self, model, parent: QWidget | None = None):
        super().__init__(model, parent)
        self.setObjectName("tuneView")
        self._rows: list[int] = []  # the racers' rows the last result tuned, in its order
        self._pending: list[int] = []  # ... the running job's
        cv = self.controls_column(330)
        form = QFormLayout()
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("tuneMetricCombo")
        for m in METRICS:
            self.metric_combo.addItem(m.replace("_", " "), m)
        self.steps_field = int_field("steps", min(model.max_steps, MAX_STEPS), 1, MAX_STEPS,
                                     "steps of every run (the race's step budget unless changed)")
        self.seeds_field = int_field("seeds", 3, 1, MAX_TUNE_RUNS, "seeds per lr: minibatch order and gradient noise")
        self.starts_field = int_field("starts", 0, 0, MAX_TUNE_RUNS,
                                      "start points drawn in the domain (0: the race's start)")
        form.addRow("Score", self.metric_combo)
        form.addRow("Steps", self.steps_field)
        form.addRow("Seeds", self.seeds_field)
        form.addRow("Starts", self.starts_field)
        cv.addLayout(form)
        cv.addWidget(self.run_strip())
        self.apply_button = QPushButton("Apply to the racers")
        self.apply_button.setObjectName("tuneApplyButton")
        self.apply_button.setToolTip("give each tuned racer its tuned lr (racers changed since are left alone)")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        cv.addWidget(self.apply_button)
        cv.addStretch(1)
        for b in (self.export_data_button, self.export_png_button):
            b.hide()  # the result is applied, or saved with the experiment

        fv = self.titled_figure()
        self.title.setWordWrap(True)
        self.table = ReadOnlyTable(HEADERS, "tuneTable")
        fv.addWidget(self.table, 1)
        self.title.setText(EXPLAIN)
        self.title.setFont(font(FONT_PT))
        model.objectiveChanged.connect(self._on_setup_changed)
        model.startChanged.connect(self._on_setup_changed)
        model.racersChanged.connect(self._on_racers_changed)
        model.maxStepsChanged.connect(lambda steps: self.steps_field.set_value(min(steps, MAX_STEPS)))
        self._on_setup_changed()
        self.resize(1100, 560)

    @property
    def tunable_rows(self) -> list[int]:
        rows = []
        for i, r in enumerate(self.model.racers):
            try:
                check_racer(r)
            except LabError:
                continue
            if r.enabled:
                rows.append(i)
        return rows

    def _on_setup_changed(self) -> None:
        """Another objective or start: a result tuned for the last one is dropped."""
        self.result, self._rows = None, []
        self._on_racers_changed()

    def _on_racers_changed(self) -> None:
        """The table lists the racers as they are now, beside the last result (Apply skips those changed since)."""
        self.apply_button.setEnabled(self.result is not None and any(t.best is not None for t in self.result.racers))
        obj = self.model.objective
        tunable = self.tunable_rows
        skipped = [r.name for i, r in enumerate(self.model.racers) if i not in tunable]
        self.objective_label.setText(f"<b>{obj.name}</b> from ({', '.join(f'{v:.3g}' for v in self.model.start)})"
                                     + (f"<br>not tuned: {', '.join(skipped)}" if skipped else ""))
        self._fill(self.result)

    def _fill(self, result: TuneResult | None) -> None:
        racers = self.model.racers
        rows = [i for i in (self._rows if result is not None else self.tunable_rows) if i < len(racers)]
        self.table.setRowCount(len(rows))
        for k, row in enumerate(rows):
            r = racers[row]
            t = result.racers[k] if result is not None and k < len(result.racers) else None
            lr_now = {**optimizer_spec(r.optimizer).defaults(), **r.hyperparameters}.get("lr")
            self.table.set_cell(k, 0, r.name, icon=swatch(r.color or "#000000"))
            self.table.set_cell(k, 1, number(lr_now), align_right=True)
            below, above = t.neighbours() if t is not None else (None, None)
            cells = ["—" if t is None else number(t.best_lr), "—" if t is None else number(t.best_score)]
            cells += ["—" if n is None else number(n[1]) for n in (below, above)]
            tips = ["", "", *("" if n is None else f"the score at the grid's lr {n[0]:.6g}" for n in (below, above))]
            for col, (text, tip) in enumerate(zip(cells, tips), start=2):
                self.table.set_cell(k, col, text, tip=tip, align_right=True)
        self.table.fit_widths(icon_col=0, grow_only=False)

    # ----- running ---------------------------------------------------------------------------------------------
    def make_job(self):
        bad = [f.param.name for f in (self.steps_field, self.seeds_field, self.starts_field) if f.invalid]
        if bad:
            raise LabError(f"Fix the value{'s' if len(bad) > 1 else ''} in red first: {', '.join(bad)}")
        rows = self.tunable_rows
        if not rows:
            raise LabError("No racer to tune: add a racer whose optimizer the batched engine steps (every built-in "
                           "one does; a plug-in may not).")
        exp, obj = self.model.experiment_copy(), self.model.objective
        metric = self.metric_combo.currentData()
        seeds, count = int(self.seeds_field.value), int(self.starts_field.value)
        if seeds * max(count, 1) > MAX_TUNE_RUNS:
            raise LabError(f"Seeds × starts: at most {MAX_TUNE_RUNS} runs per lr, got {seeds} × {count}.")
        starts = self.model.start[None] if count == 0 else draw_starts(obj, count, exp.seed)
        tol = exp.tol if metric == "steps_to_tol" else 0.0
        setup = TuneSetup(exp.objective, dict(exp.params), starts, exp.seed, seeds, int(self.steps_field.value),
                          tol, exp.bound, exp.noise, metric)
        racers = [exp.racers[i] for i in rows]
        self._pending = rows

        def job(should_stop, progress):
            return tune(setup, racers, should_stop, lambda done, total, _label: progress(done, total))

        return job, f"Tuning {len(racers)} racer{'s' if len(racers) > 1 else ''}…"

    def draw(self, result: TuneResult) -> None:
        self._rows = self._pending
        self._fill(result)
        self.apply_button.setEnabled(any(t.best is not None for t in result.racers))
        none = [t.racer.name for t in result.racers if t.best is None]
        self.status.setText("Done: Apply sets the lrs." + (f" No lr worked for: {', '.join(none)}." if none else ""))

    def apply(self) -> int:
        """Give every tuned racer that is still as it was tuned its tuned lr; how many were changed."""
        if self.result is None:
            return 0
        result, rows, changed = self.result, list(self._rows), 0
        for row, t in zip(rows, result.racers):
            if t.best is None or row >= len(self.model.racers) or self.model.racers[row] != t.racer:
                continue
            if self.model.update_racer(row, hyperparameters=dict(t.tuned().hyperparameters)):
                changed += 1
        self.status.setText(f"Applied to {changed} racer{'' if changed == 1 else 's'}.")
        return changed


def install_tune(window) -> None:
    """Racers → Tune learning rates… on the main window (one view, reused), as ``window.tune_view`` once opened."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() is not None and
                a.text().replace("&", "") == "Racers")
    action = QAction("Tune learning rates…", window)
    action.setObjectName("tuneAction")

    def open_view() -> None:
        if getattr(window, "tune_view", None) is None:
            window.tune_view = TuneView(window.model, window)
        window.tune_view.show()
        window.tune_view.raise_()
        window.tune_view.activateWindow()

    action.triggered.connect(open_view)
    menu.addSeparator()
    menu.addAction(action)
    window.tune_view = None


__all__ = ["TuneView", "install_tune"]
