"""The window's lessons: the Lessons menu, File → Open lesson…, the caption panel with Next / Back, and the
``--lesson NAME [--page N]`` options (options.py, which imports no Qt). ``install_lessons(window)`` is in menu.py."""
