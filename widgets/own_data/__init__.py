"""Your own data in the window (issue 20): File → Open data… / Save data…, points by clicking in the data plot
(a class selector under it), Ctrl+Z, and axis labels that say whether the loss sees standardised features.

``install_own_data(window)`` adds all of it to a ``MainWindow`` (its model, jobs, data panel and contour view).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from widgets.own_data.editor import DataEditor, click_action
from widgets.style import FONT_PT, INK, font

CSV_FILTER = "CSV data (*.csv);;All files (*)"


class OwnDataControls(QObject):
    """The class selector and hint under the data plot, the clicks on it, the File menu's data actions."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.plot = window.data_panel.plot
        self.editor = DataEditor(self.model, window.jobs, self)
        self._labelled = False  # the contour's axes carry our labels
        self.row = QWidget()
        self.row.setObjectName("ownDataRow")
        v = QVBoxLayout(self.row)
        v.setContentsMargins(2, 0, 2, 0)
        v.setSpacing(0)
        h = QHBoxLayout()
        v.addLayout(h)
        self.prefix = QLabel("click adds")
        self.selector = QComboBox()
        self.selector.setObjectName("classSelector")
        self.selector.setToolTip("the class of a point added by a click (Shift+click: the second class)")
        self.second = QLabel()
        self.hint = QLabel()
        self.hint.setObjectName("ownDataHint")
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hint.setWordWrap(True)
        for w in (self.prefix, self.selector, self.second, self.hint):
            w.setFont(font(FONT_PT - 2))
        h.addWidget(self.prefix)
        h.addWidget(self.selector)
        h.addWidget(self.second, 1)
        v.addWidget(self.hint)
        window.data_panel.layout().insertWidget(1, self.row)
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.model.objectiveChanged.connect(self._on_objective_changed)
        self._on_objective_changed()

    # ----- clicks --------------------------------------------------------------------------------------------------
    def click(self, xy, button, modifiers) -> None:
        """What a click at data coordinates ``xy`` does (tests call it with the plot's coordinates)."""
        action, cls = click_action(button, modifiers)
        if action == "add":
            self.editor.add(xy, self.selector.currentIndex() if cls < 0 else min(cls, self.selector.count() - 1))
        elif action == "remove":
            (x0, x1), (y0, y1) = self.plot.plot.getViewBox().viewRange()
            self.editor.remove_nearest(xy, (x1 - x0, y1 - y0))

    @Slot(object)
    def _on_click(self, ev) -> None:
        vb = self.plot.plot.getViewBox()
        pos = ev.scenePos()
        if not self.plot.active or not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        ev.accept()
        self.click((p.x(), p.y()), ev.button(), ev.modifiers())

    # ----- labels --------------------------------------------------------------------------------------------------
    @Slot()
    def _on_objective_changed(self) -> None:
        obj = self.model.objective
        on = self.plot.active
        self.row.setVisible(on)
        classes = tuple(getattr(obj, "class_names", ())) if on and obj.task != "regression" else ()
        current = self.selector.currentIndex()
        if tuple(self.selector.itemText(i) for i in range(self.selector.count())) != classes:
            self.selector.clear()
            self.selector.addItems(list(classes))
            self.selector.setCurrentIndex(max(0, min(current, len(classes) - 1)))
        for w in (self.prefix, self.selector, self.second):
            w.setVisible(bool(classes))
        self.second.setText(f"· Shift+click: {classes[1]}" if len(classes) > 1 else "")
        own = getattr(obj, "own", None) if on else None
        self.hint.setText((f"the loss sees z = (x − mean)/std of {', '.join(obj.columns[:2 if classes else 1])} · "
                           if own is not None and own.standardize else "") +
                          ("click: add a point · " if not classes else "") + "right-click: remove · Ctrl+Z: undo")
        self.hint.setToolTip(self.hint.text())
        self._label_axes(obj if on else None)

    def _label_axes(self, obj) -> None:
        """The data plot's axes name the file's columns (in its units); the contour's say what the weights
        multiply, and whether the loss sees those columns standardised."""
        own = getattr(obj, "own", None)
        contour = self.window.contour.getPlotItem()
        style = {"font-size": f"{FONT_PT - 1}pt", "color": INK}
        if own is None or obj.dim != 2:
            if self._labelled:  # ours, not the slice view's (a network's contour labels its own axes)
                for name in ("bottom", "left"):
                    contour.getAxis(name).setLabel("")
                    contour.getAxis(name).showLabel(False)
                self._labelled = False
            if own is None:
                return
        cols = obj.columns  # the data plot: the file's units; the contour: weights on z or on the raw column
        self.plot.plot.setLabel("bottom", cols[0], **style)
        self.plot.plot.setLabel("left", cols[1], **style)
        if obj.dim != 2:
            return
        self._labelled = True
        z = "z" if own.standardize else ""
        if obj.task == "regression":
            contour.setLabel("bottom", f"w: slope on {z}({cols[0]})" if z else f"w: slope on {cols[0]}", **style)
            contour.setLabel("left", "b: intercept", **style)
        else:
            for axis, name, col in (("bottom", "w₁", cols[0]), ("left", "w₂", cols[1])):
                contour.setLabel(axis, f"{name} on z({col})" if z else f"{name} on {col}", **style)


def install_own_data(window) -> OwnDataControls:
    """Add File → Open data… / Save data… / Undo data edit (Ctrl+Z) and the data plot's clicks to ``window``."""
    controls = OwnDataControls(window)
    window.own_data = controls
    file_menu = window.menuBar().actions()[0].menu()
    before = next(a for a in file_menu.actions() if a.objectName() == "exportTrajectoriesAction")

    def add(text, slot, name, shortcut=None) -> QAction:
        a = QAction(text, window)
        a.setObjectName(name)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(slot)
        file_menu.insertAction(before, a)
        return a

    def open_data() -> None:
        path = window._ask_path("Open data (CSV)", CSV_FILTER, save=False)
        if path:
            controls.editor.open_data(path)

    def save_data() -> None:
        path = window._ask_path("Save data (CSV)", CSV_FILTER, save=True,
                                suggested=f"{window.model.experiment.objective}-data.csv")
        if path:
            controls.editor.save_data(path if "." in path.rsplit("/", 1)[-1] else path + ".csv")

    add("Open &data… (CSV)", open_data, "openDataAction", "Ctrl+Shift+O")
    add("Save data… (CSV)", save_data, "saveDataAction")
    add("Undo data edit", controls.editor.undo, "undoDataAction", QKeySequence.StandardKey.Undo)
    file_menu.insertSeparator(before)
    return controls


__all__ = ["OwnDataControls", "install_own_data"]
