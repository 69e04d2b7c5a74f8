"""The names the command line and the window share (no Qt here: ``python main.py -h`` imports this)."""
from __future__ import annotations

VIEWS = ("contour", "surface")
"""The plots the middle of the window can show: the contour plot, or the objective's surface in 3-D."""

ZOOM_DEFAULT = 1.25   # presenter mode's zoom for fonts and lines (Ctrl+0)
ZOOM_RANGE = (1.0, 2.0)
ZOOM_STEP = 0.125     # Ctrl+= / Ctrl+−
