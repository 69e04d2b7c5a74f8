"""Animations of a race (``python main.py animate``, File → Export animation…), the Qt-free part: which step each
frame shows (``schedule``), the options and their checks (``options``), the writers that stream frames into an MP4
or a GIF (``writers``), the encoding thread (``encoder``) and the progress shown on stderr (``progress``). The
drawing itself is the window's (widgets/animation/render.py)."""
