"""The gradient check, in the window: at the selected racer's point at the step shown (or a point Ctrl+clicked on
the contour, or given to ``show_at``), the analytic gradient and Hessian beside their centred differences and the
relative errors — the numbers ``python main.py eval`` prints — and the relative error over h = 1e-1 … 1e-12
(too large an h: truncation; too small: rounding). All of it from ``lab.gradcheck.check_at``, in the view-jobs
thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from lab.cli.common import fmt_point
from lab.gradcheck import check_at
from widgets.panels.tables import number
from widgets.steps.lines_view import LinesView
from widgets.style import FONT_PT, font

GOOD = 1e-6  # a relative error below this: the derivatives agree (the lecture's rule of thumb)
ERROR_TIP = ("err: the relative error ‖a − n‖ / max(‖a‖, ‖n‖) of the analytic (a) and numerical (n) derivatives;\n"
             "below 1e-6 they agree. Ctrl+click the contour to check another point.")


def vector_text(values, digits: int = 7) -> str:
    return fmt_point(values, digits).replace("-", "−")


def matrix_text(rows, digits: int = 6) -> str:
    """'[a, b; b, c]' for a small matrix (rows split by ';'), its shape for a larger one."""
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
        self.text = LinesView("gradientCheckText")
        self.text.setToolTip(ERROR_TIP)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        self.pinned: np.ndarray | None = None  # a point given by show_at / Ctrl+click
        self.report: dict | None = None       # check_at's answer on screen
        self._answer = None                   # ... or why there is none
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
        return (x, f"{trace.label}, step {k:,}") if np.all(np.isfinite(x)) else (None, trace.label)

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
            self._show(self._answer, where)
            return
        if key == self._pending:
            return
        self._pending = key
        if self.jobs is None:
            self._on_result((key, where, _check(objective, x)))
        else:
            self.jobs.submit((self, "check"), lambda: (key, where, _check(objective, x)), self._on_result)

    def _on_result(self, answer) -> None:
        key, where, report = answer
        if key != self._pending:
            return  # the point moved on meanwhile
        self._pending, self._shown_key = None, key
        self._show(report, where)

    def _show(self, report, where: str) -> None:
        self._answer = report
        self.report = report if isinstance(report, dict) else None
        self.title.setText(f"<b>Gradient check</b> — {where}")
        self.text.set_lines(report_lines(report) if isinstance(report, dict) else [report])


def _check(objective, x):
    """check_at's report, or why there is none (an objective that raises there)."""
    try:
        return check_at(objective, x)
    except Exception as exc:
        return f"No check here: the objective failed at this point ({type(exc).__name__}: {exc})"


def report_lines(report: dict) -> list[str]:
    """The check as lines: x; ∇f and ∇²f, analytic and centred difference, and their relative errors; the
    relative error over h (the smallest marked)."""
    def verdict(error) -> str:
        return "" if error is None else "  ✓ agree" if error < GOOD else "  ✗ differ"

    lines = [f"x = {vector_text(report['x'])}",
             f"analytic / centred (h={report['h']:g}):",
             f"∇f   {vector_text(report['grad'])}",
             f"     {vector_text(report['numeric_grad'])}",
             f"err  {number(report['grad_error'], 2)}{verdict(report['grad_error'])}"]
    if report["hessian"] is not None:
        lines += [f"∇²f  {matrix_text(report['hessian'])}",
                  f"     {matrix_text(report['numeric_hessian'])}",
                  f"err  {number(report['hessian_error'], 2)}{verdict(report['hessian_error'])}"]
    else:
        lines.append(f"∇²f: {len(report['x'])} parameters — python main.py eval checks it")
    rows = report["over_h"]
    best = min(range(len(rows)), key=lambda r: rows[r]["grad_error"]) if rows else -1
    lines += ["", "err of (f(x+h) − f(x−h))/2h by h:", "    h  ∇f        ∇²f"]
    for r, row in enumerate(rows):
        line = f"{_power(row['h']):>5}  {number(row['grad_error'], 2):<9} {number(row['hessian_error'], 2):<8}"
        lines.append((line + (" ← least" if r == best else "")).rstrip())
    lines += ["large h: truncation error (∝ h²)", "small h: rounding error (∝ 1/h)"]
    return lines


def _power(h: float) -> str:
    """1e−6 for 10⁻⁶ (h of the table, a power of ten); other values as they are."""
    k = round(float(np.log10(h)))
    return (f"1e{k}" if np.isclose(h, 10.0 ** k) else f"{h:g}").replace("-", "−")


__all__ = ["GradientCheckPanel"]
