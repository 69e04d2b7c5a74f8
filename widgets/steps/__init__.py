"""See every step: the timeline under the plots (timeline.py), the explain panel (explain_panel.py) and the gradient
check (gradcheck_panel.py), as tabs beside the curvature table, with a View menu to bring each forward.

``install_steps(window)`` puts them in the main window: ``window.timeline``, ``window.explain``,
``window.gradient_check`` (``window.gradient_check.show_at(x)`` checks any point), ``window.step_tabs``.
Ctrl+click on the contour checks the gradient at the clicked point (a plain click moves the start).
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QTabWidget

from widgets.steps.explain_panel import ExplainPanel
from widgets.steps.gradcheck_panel import GradientCheckPanel
from widgets.menus import window_menu
from widgets.steps.timeline import install_timeline
from widgets.style import FONT_PT, font

TABS = ("Curvature", "Explain", "Gradient check")


def install_steps(window) -> None:
    """The timeline, and the curvature table, the explain panel and the gradient check as tabs (bottom right)."""
    window.model.view_step.jobs = window.jobs
    window.timeline = install_timeline(window)
    window.explain = ExplainPanel(window.model, window.jobs)
    window.gradient_check = GradientCheckPanel(window.model, window.jobs)
    tabs = QTabWidget()
    tabs.setObjectName("stepTabs")
    tabs.setFont(font(FONT_PT))
    tabs.setDocumentMode(True)
    index = window.bottom_split.indexOf(window.curvature)
    window.bottom_split.replaceWidget(index, tabs)
    for widget, title in zip((window.curvature, window.explain, window.gradient_check), TABS):
        tabs.addTab(widget, title)
    tabs.setTabToolTip(0, "the Hessian H at each racer's point: eigenvalues, κ, the kind of point, lr vs its limit")
    heading = window.curvature.layout().itemAt(0).widget()  # the tab says it: its heading's line goes to the table
    if heading is not None:
        heading.hide()
    window.step_tabs = tabs

    menu = window_menu(window, "&View")
    names = ("showCurvatureAction", "showExplainAction", "showGradientCheckAction")
    for i, (title, key, name) in enumerate(zip(TABS, ("Ctrl+1", "Ctrl+2", "Ctrl+3"), names)):
        action = QAction(title, window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False, i=i: tabs.setCurrentIndex(i))
        menu.addAction(action)

    # the first time the timeline is wound back, the explanation comes forward (later, the teacher's choice stays)
    def first_rewind(_k: int) -> None:
        if not window.model.view_step.live:
            window.model.view_step.viewStepChanged.disconnect(first_rewind)
            if tabs.currentIndex() == 0:
                tabs.setCurrentWidget(window.explain)

    window.model.view_step.viewStepChanged.connect(first_rewind)

    def on_click(ev) -> None:  # Ctrl+click on the contour: the gradient check at that point
        contour = window.contour
        if (ev.button() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ControlModifier
                and contour.two_d and contour.vb.sceneBoundingRect().contains(ev.scenePos())):
            p = contour.vb.mapSceneToView(ev.scenePos())
            window.gradient_check.show_at([p.x(), p.y()])
            ev.accept()

    window.contour.scene().sigMouseClicked.connect(on_click)
    window.gradient_check.pointChosen.connect(lambda: tabs.setCurrentWidget(window.gradient_check))


def settle(window, timeout: float = 30.0) -> bool:
    """Process events until the view jobs of the step shown (its arrows, explanation, gradient check) have
    landed, at most ``timeout`` seconds (screenshots); True if they did."""
    app = QApplication.instance()
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        app.processEvents()
        if not window.jobs.busy() and window.model.view_step.ready:
            app.processEvents()
            return True
        time.sleep(0.005)
    return False


__all__ = ["TABS", "install_steps", "settle"]
