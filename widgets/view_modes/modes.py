"""The window's View menu: presenter mode and its zoom, and the plot in the middle (contour or surface in 3-D).

``ViewModes`` is a mixin of ``MainWindow``; ``install_view_modes`` builds the surface tab and the menu and reads the
remembered zoom. Presenter mode hides the editing panels only (set-up column, objective strip, speed and max
steps): the plots, the leaderboard, the curvature table, the step counter, Run / Step / Reset and anything else
(a lesson's caption) stay, and fonts and lines grow by the zoom. Leaving it shows exactly what it hid.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QScrollArea, QTabWidget, QWidget

from widgets import settings as lab_settings
from widgets.plots.surface_view import SurfaceView
from widgets.steps.timeline import window_menu
from widgets.view_modes.names import VIEWS, ZOOM_DEFAULT, ZOOM_RANGE, ZOOM_STEP
from widgets.view_modes.zoom import apply_zoom, fit_legend

ZOOM_KEY = "view/presenter_zoom"
PLOTS_SHARE = 0.66  # of the right column's height in presenter mode: the rest is the tables'
SETUP_MIN_WIDTH = 318  # the set-up column's least width, in a narrow window (it was 290: the racers table cut names)
TAB_TITLES = {"contour": "Contour", "surface": "Surface in 3-D"}


class ViewModes:
    """Presenter mode, its zoom, and which plot the middle shows (a MainWindow mixin)."""

    presenter = False
    zoom = ZOOM_DEFAULT

    def set_presenter(self, on: bool) -> None:
        """Presenter mode on or off (View → Presenter mode, F5)."""
        on = bool(on)
        if on == self.presenter:
            return
        self.presenter = on
        split = self.right_split
        if on:
            self._hidden_by_presenter = [w for w in presenter_hides(self) if not w.isHidden()]
            self._sizes_before_presenter = split.sizes()
            for w in self._hidden_by_presenter:
                w.hide()
            total = sum(split.sizes())
            split.setSizes([round(total * PLOTS_SHARE), total - round(total * PLOTS_SHARE)])
        else:
            for w in getattr(self, "_hidden_by_presenter", []):
                w.show()
            self._hidden_by_presenter = []
            split.setSizes(getattr(self, "_sizes_before_presenter", split.sizes()))
        self.presenter_action.setChecked(on)
        for a in self.zoom_actions:
            a.setEnabled(on)
        if on:
            self._bottom_before_presenter = self.bottom_split.sizes()
        self._apply_zoom()
        if not on:
            self.bottom_split.setSizes(getattr(self, "_bottom_before_presenter", self.bottom_split.sizes()))
        self.statusBar().showMessage(f"Presenter mode, zoom {self.zoom:.0%} (Ctrl+= / Ctrl+− / Ctrl+0; F5 leaves)"
                                     if on else "Presenter mode off", 0)

    def set_zoom(self, factor: float) -> None:
        """Presenter mode's zoom (remembered); applied while presenter mode is on."""
        lo, hi = ZOOM_RANGE
        self.zoom = min(max(float(factor), lo), hi)
        if self.remember:
            store = lab_settings.open_settings()
            if store is not None:
                lab_settings.write(store, ZOOM_KEY, self.zoom)
                store.sync()
        self._apply_zoom()
        if self.presenter:
            self.statusBar().showMessage(f"Presenter zoom {self.zoom:.0%}", 0)

    def show_view(self, name: str) -> None:
        """Show the contour plot or the surface in 3-D (``names.VIEWS``) in the middle of the window."""
        if name not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {name!r}")
        self.plot_tabs.setCurrentWidget(self.contour if name == "contour" else self.surface)

    @property
    def current_view(self) -> str:
        return "surface" if self.plot_tabs.currentWidget() is self.surface else "contour"

    def _apply_zoom(self) -> None:
        apply_zoom(self, self.zoom if self.presenter else 1.0)
        self._fit_board()
        # the plots' layouts now, not from the event loop: when this runs as the window closes (presenter mode
        # left on closing), a layout request still queued at the interpreter's exit called back into Python
        # objects already torn down (a segmentation fault)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def _fit_board(self) -> None:
        """In presenter mode the leaderboard as wide as its columns (at the zoom, with the race's statuses), the
        tabs beside it the rest."""
        if self.presenter:
            self.leaderboard.refresh()
            total = sum(self.bottom_split.sizes())
            board = min(table_width(self.leaderboard) + 8, total)
            self.bottom_split.setSizes([board, total - board])

    def _reapply_zoom(self) -> None:
        """After a new race or objective the views rebuilt curves and labels at their usual sizes."""
        if self.presenter:
            QTimer.singleShot(0, self, self._apply_zoom)


def table_width(table) -> int:
    """The width ``table`` needs to show all its columns, its row numbers and a vertical scroll bar."""
    shown = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    columns = sum(table.columnWidth(c) for c in shown[:-1])  # the last one may be stretched to the edge: its own
    if shown:                                                 # width is what its texts need
        last = shown[-1]
        columns += max(table.sizeHintForColumn(last), table.horizontalHeader().sectionSizeHint(last))
    numbers = table.verticalHeader().sizeHint().width() if table.verticalHeader().isVisible() else 0
    return columns + numbers + table.verticalScrollBar().sizeHint().width() + 2 * table.frameWidth()


def presenter_hides(window) -> list[QWidget]:
    """What presenter mode hides: the editing panels only — the set-up column, the objective strip, the speed and
    max-steps controls, the data plot's click-to-edit row."""
    controls = window.controls
    captions = [w for w in controls.findChildren(QLabel) if w.text() in ("Speed", "Max steps")]
    clicks = [w for w in (window.findChild(QWidget, "ownDataRow"), window.findChild(QWidget, "ownDataHint"))
              if w is not None]  # the data plot's click-to-edit controls (widgets/own_data/)
    return [window.findChild(QScrollArea, "setupArea"), window.objective_panel, controls.speed,
            controls.speed_label, controls.max_steps] + captions + clicks


class _FitLegend(QObject):
    """The contour plot's legend takes as many columns as its width holds, whenever the plot is resized."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            fit_legend(obj.legend)
        return False


class _LeavePresenterOnClose(QObject):
    """Closing in presenter mode first shows the panels again, so the splitters are remembered as they are
    in the normal window (a hidden column would come back collapsed)."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close and getattr(obj, "presenter", False):
            obj.set_presenter(False)
        return False


def install_view_modes(window) -> None:
    """The surface tab beside the contour, the View menu, the remembered zoom."""
    tabs = QTabWidget()
    tabs.setObjectName("plotTabs")
    tabs.setDocumentMode(True)
    tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays run / pause
    split = window.top_split
    sizes = split.sizes()
    split.replaceWidget(split.indexOf(window.contour), tabs)
    window.surface = SurfaceView(window.model, window.clock)
    tabs.addTab(window.contour, TAB_TITLES["contour"])
    tabs.addTab(window.surface, TAB_TITLES["surface"])
    split.setSizes(sizes)
    window.plot_tabs = tabs
    window.bottom_split.setStretchFactor(0, 0)  # a narrow window takes the room from the curvature table (it
    window.bottom_split.setStretchFactor(1, 1)  # scrolls), not from the leaderboard's status column
    setup = window.findChild(QScrollArea, "setupArea")  # room for "Momentum" beside a 5-digit lr and the scroll bar
    setup.setMinimumWidth(max(setup.minimumWidth(), SETUP_MIN_WIDTH))

    if window.remember:
        store = lab_settings.open_settings()
        if store is not None:
            window.zoom = lab_settings.read_float(store, ZOOM_KEY, ZOOM_DEFAULT, *ZOOM_RANGE)

    menu = window_menu(window, "&View")  # the View menu the step tabs made (or a new one, before Help)
    menu.addSeparator()

    def action(text, slot, key, name, checkable=False) -> QAction:
        a = QAction(text, window)
        a.setObjectName(name)
        a.setShortcuts([QKeySequence(k) for k in key] if isinstance(key, list) else [QKeySequence(key)])
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    action("Contour plot", lambda: window.show_view("contour"), "Ctrl+4", "contourViewAction")  # Ctrl+1…3: the
    action("Surface in 3-D", lambda: window.show_view("surface"), "Ctrl+5", "surfaceViewAction")  # step tabs
    menu.addSeparator()
    window.presenter_action = action("Presenter mode", window.set_presenter, "F5", "presenterAction", True)
    window.zoom_actions = [
        action("Zoom in", lambda: window.set_zoom(window.zoom + ZOOM_STEP), ["Ctrl+=", "Ctrl++"], "zoomInAction"),
        action("Zoom out", lambda: window.set_zoom(window.zoom - ZOOM_STEP), "Ctrl+-", "zoomOutAction"),
        action("Reset zoom", lambda: window.set_zoom(ZOOM_DEFAULT), "Ctrl+0", "zoomResetAction")]
    for a in window.zoom_actions:
        a.setEnabled(False)
    window.model.raceReset.connect(window._reapply_zoom)
    window.model.runEnded.connect(lambda _result: QTimer.singleShot(0, window, window._fit_board))
    window.model.objectiveChanged.connect(window._reapply_zoom)
    window.model.raceReset.connect(lambda: QTimer.singleShot(0, window, lambda: fit_legend(window.contour.legend)))
    window._fit_legend = _FitLegend(window)
    window.contour.installEventFilter(window._fit_legend)
    window._leave_presenter_on_close = _LeavePresenterOnClose(window)
    window.installEventFilter(window._leave_presenter_on_close)


__all__ = ["ViewModes", "install_view_modes", "presenter_hides"]
