"""Animations of the race drawn with the window's own views: ``render`` (an offscreen window stepped forward to each
frame's step; ``python main.py animate`` draws with it), ``export_job`` (that command run as a child process for
the window) and ``export_dialog`` (File → Export animation…, ``install_export_animation``)."""
