"""File → Export plots: each plot as PNG (what is on screen) or SVG, written atomically next to each other."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice

from lab.errors import LabError
from lab.files import atomic_write

PLOT_FORMATS = (".png", ".svg")


def png_bytes(widget) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buf, "PNG"):
        raise LabError("could not encode the plot as PNG")
    buf.close()
    return bytes(data)


def svg_bytes(widget) -> bytes:
    """The widget painted into Qt's SVG generator: lines, markers and text as vectors, the contour image embedded.

    (pyqtgraph's own SVGExporter fails on some of Qt 6's path output, so the widget paints itself.)"""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(widget.size())
    gen.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    gen.setTitle("Optimizer Lab")
    painter = QPainter(gen)
    try:
        widget.render(painter)
    finally:
        painter.end()
    buf.close()
    if data.isEmpty():
        raise LabError("could not draw the plot as SVG")
    return bytes(data)


def export_plots(path, plots: dict) -> list[Path]:
    """Write ``plots`` (name → PlotWidget) as ``<stem>-<name>.png|svg`` beside ``path``; LabError on failure."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in PLOT_FORMATS:
        shown = f"ending {suffix!r}" if suffix else "no ending"
        raise LabError(f"cannot write {p}: unknown format ({shown}); use .png or .svg")
    written = []
    for name, widget in plots.items():
        target = p.with_name(f"{p.stem}-{name}{suffix}")
        data = png_bytes(widget) if suffix == ".png" else svg_bytes(widget)
        written.append(atomic_write(target, lambda fh, d=data: fh.write(d), binary=True))
    return written
