"""View → Log step axis: the step plots' x axis as log₁₀(1 + step), so Newton's and L-BFGS's few steps spread out
instead of standing in a vertical line at step 0. Remembered between runs (settings key ``view/log_steps``)."""
from __future__ import annotations

from widgets.menus import window_menu

from PySide6.QtGui import QAction

from widgets import settings as lab_settings

KEY = "view/log_steps"


def view_menu(window):
    """The window's View menu (widgets/menus.py: made once, whoever asks first)."""
    return window_menu(window, "&View")


def set_log_steps(window, on: bool) -> None:
    for plot in (window.loss_plot, window.grad_plot, window.curvature.kappa_plot):
        plot.set_log_x(bool(on))
    s = lab_settings.open_settings()
    if s is not None:
        lab_settings.write(s, KEY, bool(on))


def install_step_axis(window) -> QAction:
    action = QAction("&Log step axis", window)
    action.setObjectName("logStepAxisAction")
    action.setCheckable(True)
    action.setToolTip("the step plots' x axis as log₁₀(1 + step): a few steps spread out")
    view_menu(window).addAction(action)
    s = lab_settings.open_settings()
    on = False
    if s is not None:
        try:
            on = str(s.value(KEY, "false")).lower() == "true"
        except Exception:
            on = False
    action.setChecked(on)
    if on:
        for plot in (window.loss_plot, window.grad_plot, window.curvature.kappa_plot):
            plot.set_log_x(True)
    action.toggled.connect(lambda checked: set_log_steps(window, checked))
    window.log_steps_action = action
    return action


__all__ = ["install_step_axis", "set_log_steps", "view_menu"]
