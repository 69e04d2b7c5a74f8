"""The menu bar's menus by title, made once: every feature that adds to View, Racers, … asks here."""
from __future__ import annotations

from PySide6.QtWidgets import QMenu

from widgets.style import FONT_PT, font


def window_menu(window, title: str) -> QMenu:
    """The menu bar's menu called ``title`` ("&View" and "View" are the same menu), made before Help if missing."""
    bar = window.menuBar()
    plain = title.replace("&", "")
    for action in bar.actions():
        if action.menu() is not None and action.text().replace("&", "") == plain:
            return action.menu()
    help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_menu is None:
        menu = bar.addMenu(title)
    else:
        menu = QMenu(title, bar)
        bar.insertMenu(help_menu, menu)
    menu.setFont(font(FONT_PT))
    return menu


__all__ = ["window_menu"]
