"""The custom objective's formula field: checked on every keystroke, compiled off the GUI thread before use.

Each edit runs ``lab.expression.check_expression`` (the whitelist reader, no sympy, tens of microseconds): a
refused formula turns the field red with "column N: what" under it and in its tooltip. A formula that passes
applies by itself once typing pauses for ``PAUSE_MS``, as Enter does. Finishing the edit (Enter, leaving the
field, the pause) with a refused formula changes nothing: the race keeps the last good objective.
A formula that passes is compiled once in the view-jobs thread (sympy's first derivation takes a few hundred
milliseconds; the model's own objective of the same text reuses it: lab.objectives.custom), and only then
handed to the model, which rebuilds the race and the contour. What only sympy can refuse (1/(x - x)) is shown the same way.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer, Signal

from lab.errors import LabError
from lab.expression import check_expression
from lab.params import Param
from widgets.panels.param_field import ParamField


PAUSE_MS = 700
"""A formula that passes the check applies this long after the last keystroke."""


def _compile(text: str):
    from lab.objectives import make_objective

    try:
        make_objective("custom", expr=text).compile()
    except LabError as exc:
        return str(exc).removeprefix("objective 'custom' parameter expr: ")
    return None


class ExpressionField(ParamField):
    """A ``ParamField`` for the formula ``expr``: live validation, and a background compile before ``accepted``."""

    checked = Signal(str)  # the message now shown ("" when the formula passes)

    def __init__(self, param: Param, value=None, owner: str = "", jobs=None, parent=None):
        super().__init__(param, value, owner, parent)
        self.jobs = jobs
        self.setObjectName("expressionField")
        self.editor.setObjectName("expressionEditor")
        self.editor.setPlaceholderText("a formula in x and y, e.g. sin(x)*cos(y) + 0.1*(x**2 + y**2)")
        self.editor.textEdited.connect(self._on_text_edited)
        self.pause = QTimer(self)
        self.pause.setSingleShot(True)
        self.pause.setInterval(PAUSE_MS)
        self.pause.timeout.connect(self._on_editing_finished)
        self.error.setWordWrap(False)  # one line under the field: "column N: what"; the hint in the tooltip

    def _show_error(self, message: str) -> None:
        super()._show_error(message)
        self.error.setText(message.split(": use ")[0])  # the whole message stays in the tooltip

    def _on_text_edited(self, text: str) -> None:
        err = check_expression(text)
        if err is None:
            self._clear_error()
            self.checked.emit("")
            self.pause.start()  # applies when typing pauses
        else:
            self.pause.stop()
            self._show_error(str(err))
            self.checked.emit(str(err))

    def _on_editing_finished(self) -> bool:
        self.pause.stop()
        text = self.editor.text()
        err = check_expression(text)
        if err is not None:
            self._show_error(str(err))
            self.checked.emit(str(err))
            return False
        self._clear_error()
        if text.strip() == str(self._value).strip():
            return True
        if self.jobs is None:
            return self._compiled(text, _compile(text))
        self.jobs.submit(self, lambda: _compile(text), lambda problem: self._compiled(text, problem))
        return True

    def _compiled(self, text: str, problem: str | None) -> bool:
        try:
            if self.editor.text() != text:  # typed on meanwhile: that edit decides
                return False
        except RuntimeError:  # the field is gone (another objective was chosen meanwhile)
            return False
        if problem is not None:
            self._show_error(problem)
            self.checked.emit(problem)
            return False
        self._value = text
        self.checked.emit("")
        self.accepted.emit(self.param.name, text)
        return True


__all__ = ["ExpressionField"]
