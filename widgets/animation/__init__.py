"""Animations of the race drawn with the window's own views: ``render`` (an offscreen window stepped to each frame's
step; ``python main.py animate`` uses it) and ``export_dialog`` (File → Export animation…)."""
