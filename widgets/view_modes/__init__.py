"""How the window is shown rather than what it holds: presenter mode (editing panels hidden, a zoom for fonts and
lines), the plot beside the curves (contour or the surface in 3-D). ``names`` is Qt-free (the command line's
choices); ``modes.ViewModes`` is the window's part (``set_presenter``, ``show_view``, ``set_zoom``)."""
