"""The gradient check, in the window: at the selected racer's point at the step shown (or a point Ctrl+clicked on
the contour, or given to ``show_at``), the analytic gradient and Hessian beside their centred differences and the
relative errors — the numbers ``python main.py eval`` prints — and the relative error over h = 1e-1 … 1e-12
(too large an h: truncation; too small: rounding). All of it from ``lab.gradcheck.check_at``, in the view-jobs
thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from lab.cli.common import fmt_point
from lab.gradcheck import check_at
from widgets.panels.tables import ReadOnlyTable, number
from widgets.style import FONT_PT, font

GOOD = 1e-6  # a relative error below this: the derivatives agree (the lecture's rule of thumb)
ERROR_TIP = "relative error ‖a − n‖ / max(‖a‖, ‖n‖): below 1e-6 the analytic and numerical derivatives agree"


def vector_text(values, digits: int = 7) -> str:
    return fmt_point(values, digits).replace("-", "−")


def matrix_text(rows, digits: int = 6) -> str:
    if rows is None:
        return "— (too many parameters here: python main.py eval checks it)"
    if len(rows) > 3:
        return f"{len(rows)}×{len(rows)} matrix"
    return "[" + "; ".join(", ".join(number(v, digits) for v in row) for row in rows) + "]"


class GradientCheckPanel(QWidget):
    """``show_at(x)``: the check at x (it stays until the step shown or the selected racer changes); otherwise it
    follows the selected racer's point at the step shown."""

    pointChosen = Signal()  # show_at was given a point (the window brings this panel forward)

    def __init__(self, model, jobs=None, parent=None):
        super().__init__(parent)
        self.model, self.jobs = model, jobs
        self.cursor = model.view_step
        self.setObjectName("gradientCheckPanel")
        self.title = QLabel()
        self.title.setObjectName("gradientCheckTitle")
        self.title.setFont(font(FONT_PT))
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.table = ReadOnlyTable(["", "analytic", "centred difference", "rel. error"], "gradientCheckTable")
        self.h_table = ReadOnlyTable(["h", "∇f error", "∇²f error"], "gradientCheckOverH")
        self.h_table.setToolTip("the relative error of (f(x + h) − f(x − h)) / 2h against ∇f for h = 1e-1 … "
                                "1e-12:\ntoo large an h: truncation error (∝ h²); too small: rounding error (∝ 1/h)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.table, 3)
        row.addWidget(self.h_table, 2)
        layout.addLayout(row, 1)
        self.pinned: np.ndarray | None = None  # a point given by show_at / Ctrl+click
        self.report: dict | None = None       # check_at's answer on screen
        self._pending: tuple | None = None    # the (objective, point) being checked in the view-jobs thread
        self._shown_key: tuple | None = None  # ... and the one on screen
        self.cursor.viewStepChanged.connect(self._on_followed_moved)
        model.selectionChanged.connect(self._on_followed_moved)
        model.raceReset.connect(self._on_followed_moved)
        model.objectiveChanged.connect(self._on_followed_moved)
        model.runEnded.connect(self._on_changed)
        self._on_changed()

    # ----- public ----------------------------------------------------------------------------------------------
    def show_at(self, x) -> None:
        """The check at the point x (a lesson's point, a Ctrl+click), until the timeline or the selection moves."""
        x = np.asarray(x, dtype=float).reshape(-1)
        if x.shape != (self.model.objective.dim,) or not np.all(np.isfinite(x)):
            self.model.messageShown.emit(f"the gradient check needs a finite point of {self.model.objective.dim} "
                                         f"numbers, got {x.tolist()[:4]}")
            return
        self.pinned = x
        self._on_changed()
        self.pointChosen.emit()

    @property
    def point(self) -> tuple[np.ndarray | None, str]:
        """The point checked and where it is from ("SGD at step 12", "the clicked point")."""
        if self.pinned is not None:
            return self.pinned, "the chosen point"
        trace = self.cursor.selected
        if trace is None or trace.positions.n == 0:
            return None, ""
        k = min(self.cursor.step, trace.steps)
        x = np.array(trace.positions.view[k], dtype=float)
        return (x, f"{trace.label}'s point at step {k:,}") if np.all(np.isfinite(x)) else (None, trace.label)

    # ----- computing -------------------------------------------------------------------------------------------
    @Slot()
    @Slot(int)
    def _on_followed_moved(self, *_) -> None:
        self.pinned = None
        self._on_changed()

    @Slot()
    @Slot(object)
    def _on_changed(self, *_) -> None:
        x, where = self.point
        if x is None:
            self._pending = None
            self.title.setText("<b>Gradient check</b> — select a racer, or Ctrl+click the contour"
                               + (f" ({where} has no finite point)" if where else ""))
            return
        objective = self.model.objective
        key = (objective, x.tobytes())
        if key == self._shown_key:
            self._show(self.report, where)
            return
        if key == self._pending:
            return
        self._pending = key
        if self.jobs is None:
            self._on_result((key, where, check_at(objective, x)))
        else:
            self.jobs.submit((self, "check"), lambda: (key, where, check_at(objective, x)), self._on_result)

    def _on_result(self, answer) -> None:
        key, where, report = answer
        if key != self._pending:
            return  # the point moved on meanwhile
        self._pending, self._shown_key = None, key
        self._show(report, where)

    def _show(self, report: dict, where: str) -> None:
        self.report = report
        self.title.setText(f"<b>Gradient check</b> at {where}, x = {vector_text(report['x'], 6)}")
        t = self.table
        t.setRowCount(2)
        t.set_cell(0, 0, "∇f")
        t.set_cell(0, 1, vector_text(report["grad"]))
        t.set_cell(0, 2, vector_text(report["numeric_grad"]), tip=f"5-point centred difference, h = {report['h']:g}")
        t.set_cell(0, 3, number(report["grad_error"], 2), tip=ERROR_TIP, align_right=True,
                   color=None if report["grad_error"] < GOOD else "#B03A00")
        t.set_cell(1, 0, "∇²f")
        t.set_cell(1, 1, matrix_text(report["hessian"]))
        t.set_cell(1, 2, matrix_text(report["numeric_hessian"]) if report["numeric_hessian"] is not None else "—",
                   tip=f"centred differences of ∇f, h = {report['h']:g}")
        error = report["hessian_error"]
        t.set_cell(1, 3, number(error, 2), tip=ERROR_TIP, align_right=True,
                   color=None if error is None or error < GOOD else "#B03A00")
        t.fit_widths(grow_only=False)
        rows = report["over_h"]
        best = min(range(len(rows)), key=lambda r: rows[r]["grad_error"]) if rows else -1
        self.h_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            self.h_table.set_cell(r, 0, f"1e{int(round(np.log10(row['h'])))}".replace("-", "−"), align_right=True)
            self.h_table.set_cell(r, 1, number(row["grad_error"], 2), align_right=True,
                                  background="#D6F0E0" if r == best else None)
            self.h_table.set_cell(r, 2, number(row["hessian_error"], 2), align_right=True)
        self.h_table.fit_widths(grow_only=False)


__all__ = ["GradientCheckPanel"]
