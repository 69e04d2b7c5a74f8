"""The Optimizer Lab window (PySide6 + pyqtgraph). It holds no math: it asks ``lab/`` and draws the answers.

Rooms: ``main_window.py`` and ``app.py`` (the window and its start), ``model/`` (the experiment being edited,
the race session, file actions), ``plots/`` (contour, step plots, data plot, slice), ``panels/`` (objective,
racers, controls, tables, fields), ``analysis/`` (convergence map, learning-rate sweep), ``view_modes/``
(presenter mode and its zoom, contour or surface in 3-D), ``work/`` (the job worker, its threads and the redraw
clock).
"""
