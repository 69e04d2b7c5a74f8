"""A save dialog with a check box: File → Save experiment as… offers to store the data in the experiment file."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFileDialog

from lab.limits import MAX_EMBED_ROWS

EMBED_CHECK = f"Store the data in the experiment file (self-contained; at most {MAX_EMBED_ROWS:,} rows)"


def ask_save_path(parent, title: str, suggested: str, filters: str, check: str, checked: bool) -> tuple[str, bool]:
    """(path or "", the check box's state): Qt's own file dialog (a native one cannot hold a check box)."""
    dialog = QFileDialog(parent, title, suggested, filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    box = QCheckBox(check)
    box.setObjectName("embedDataCheck")
    box.setChecked(checked)
    layout = dialog.layout()
    layout.addWidget(box, layout.rowCount(), 0, 1, -1)
    if suggested:
        dialog.selectFile(suggested)
    if not dialog.exec():
        return "", box.isChecked()
    files = dialog.selectedFiles()
    return (files[0] if files else ""), box.isChecked()


__all__ = ["EMBED_CHECK", "ask_save_path"]
