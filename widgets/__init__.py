"""The Optimizer Lab window (PySide6 + pyqtgraph). It holds no math: it asks ``lab/`` and draws the answers."""
