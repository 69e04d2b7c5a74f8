"""The main window's Analysis menu: Convergence map…, Learning-rate sweep… and Momentum phase diagram…, one view
of each, reused."""
from __future__ import annotations

from PySide6.QtGui import QAction

from widgets.analysis.basin_view import BasinView
from widgets.analysis.phase_view import PhaseView
from widgets.analysis.sweep_view import SweepView
from widgets.analysis.view_base import AnalysisView
from widgets.style import FONT_PT, font


def install_analysis_menu(window) -> None:
    """Analysis → Convergence map… / Learning-rate sweep… / Momentum phase diagram… on the main window; one view
    of each, reused."""
    menu = window.menuBar().addMenu("A&nalysis")
    menu.setFont(font(FONT_PT))
    views: dict[str, AnalysisView] = {}

    def opener(key: str):
        def open_view() -> None:
            view = views.get(key)
            if view is None:
                view = {"basin": BasinView, "sweep": SweepView, "phase": PhaseView}[key](window.model, window)
                views[key] = view
            view.show()
            view.raise_()
            view.activateWindow()
        return open_view

    for key, text, name in (("basin", "&Convergence map…", "basinMapAction"),
                            ("sweep", "Learning-rate &sweep…", "lrSweepAction"),
                            ("phase", "Momentum &phase diagram…", "phaseDiagramAction")):
        a = QAction(text, window)
        a.setObjectName(name)
        a.triggered.connect(opener(key))
        menu.addAction(a)
    window.analysis_views = views


__all__ = ["install_analysis_menu"]
