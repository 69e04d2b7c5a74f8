"""Keys while typing: a text field keeps the keys it types with (Space is a space, R an R, → moves the cursor),
though the same keys run, reset and step the race elsewhere; Esc, or a click on a plot, gives them back.

Qt asks the focused widget first whether it wants a key that is also a window shortcut (a ``ShortcutOverride``
event); a line edit says no for Space, so Space ran the race. Here a filter, put on each text field as it
takes the focus, says yes for every key without Ctrl / Alt / Meta. A plot takes the focus when clicked
(pyqtgraph's views are StrongFocus), so a click there ends the edit and the keys are the race's again.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

COMMAND = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
           | Qt.KeyboardModifier.MetaModifier)

KEYS_HELP = """<h3>Keys</h3>
<table cellpadding=4>
<tr><td><b>Space</b></td><td>run / pause</td></tr>
<tr><td><b>← →</b></td><td>the timeline: one step back / on (→ at the last step: the race steps); Shift: ten; Home / End</td></tr>
<tr><td><b>R</b></td><td>reset: every racer back to the start</td></tr>
<tr><td><b>F5</b></td><td>presenter mode; <b>Ctrl+= Ctrl+− Ctrl+0</b>: its zoom</td></tr>
<tr><td><b>PgDn PgUp</b></td><td>a lesson's next / previous page</td></tr>
<tr><td><b>Ctrl+1 … 5</b></td><td>Curvature, Explain, Gradient check; the contour, the surface in 3-D (drag: turn)</td></tr>
<tr><td><b>Ctrl+click</b></td><td>on the contour: the gradient check at that point</td></tr>
</table>
<h3>On the contour plot</h3>
<p>Click or drag the cross to move the start. Wheel: zoom; drag: pan.<br>
At the selected racer (click it in a table): <b>−∇f</b> (direction of steepest descent), <b>v</b> (velocity,
where the method has one), the Nesterov <b>lookahead</b> point, and the Hessian's eigenvector directions
<b>λ₁ λ₂</b> (dashed; longer where the curvature is smaller).</p>"""
"""What Help → Keys shows."""


def is_text_field(widget) -> bool:
    """A widget one types text into (an editable combo box's line edit is a QLineEdit)."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    return isinstance(widget, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit))


class TypingKeys(QObject):
    """The text fields' event filter (``install_keys``)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, ev) -> bool:
        kind = ev.type()
        if kind == QEvent.Type.ShortcutOverride and is_text_field(obj):
            if not ev.modifiers() & COMMAND and ev.key() != Qt.Key.Key_Escape:
                ev.accept()  # the field takes it as typing; no shortcut fires
                return True
        elif kind == QEvent.Type.KeyPress and ev.key() == Qt.Key.Key_Escape and is_text_field(obj):
            self.give_back()
            return True
        return False

    def _on_focus_changed(self, old, new) -> None:
        if new is not None and is_text_field(new) and new.window() is self.window:
            new.removeEventFilter(self)  # once per field
            new.installEventFilter(self)

    def give_back(self) -> None:
        """The focus leaves the text field (which finishes its edit): the race's keys work again."""
        field = QApplication.focusWidget()
        if field is not None:
            field.clearFocus()
        self.window.setFocus(Qt.FocusReason.OtherFocusReason)


def install_keys(window) -> TypingKeys:
    window.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # somewhere for the focus to go that types nothing
    keys = TypingKeys(window)
    QApplication.instance().focusChanged.connect(keys._on_focus_changed)
    window.typing_keys = keys
    return keys


__all__ = ["KEYS_HELP", "TypingKeys", "install_keys", "is_text_field"]
