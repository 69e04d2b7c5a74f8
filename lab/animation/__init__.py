"""Animations of a race (``python main.py animate``, File → Export animation…), the Qt-free part: which step each
frame shows (``schedule``), the options' checks (``options``), and the writers that stream frames into an MP4 or a
GIF (``writers``). The drawing itself is the window's (widgets/animation)."""
