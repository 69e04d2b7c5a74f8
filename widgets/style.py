"""Colours, fonts and pens for a lecture hall: a colour-blind-safe palette, thick lines, large type."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF

# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision deficiency.
# Ordered so the lecture set's seven get the seven most distinct on a light background; yellow comes last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
PALETTE_NAMES = ("blue", "orange", "bluish green", "vermilion", "reddish purple", "sky blue", "black", "yellow")

SYMBOLS = ("o", "s", "t", "t1", "p", "d", "h", "t3")
"""Each palette colour's marker shape (pyqtgraph symbol names), a second cue for colours that look alike from
the back of a room: orange ■ against vermilion ▲, blue ● against sky blue ◆."""

FONT_PT = 14          # tables, plots, legends: the minimum on a projector
TITLE_PT = 15
LINE_WIDTH = 3.5      # racers' trajectories and curves, in pixels
HALO_WIDTH = 7.0      # a white line under each trajectory, so every colour reads on every contour band
MARKER_SIZE = 16

INK = "#202020"        # axes, text
GUIDE = "#404040"      # eigenvector directions, floors, tolerances


def font(pt: int = FONT_PT, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(pt)
    f.setBold(bold)
    return f


def color_for(index: int, used: set[str] = frozenset()) -> str:
    """The first palette colour not in ``used`` (cycling from ``index`` when all are used)."""
    for c in PALETTE:
        if c.lower() not in {u.lower() for u in used}:
            return c
    return PALETTE[index % len(PALETTE)]


def symbol_for(color: str, index: int = 0) -> str:
    """The marker shape of a racer drawn in ``color`` (its palette colour's; a colour of one's own: by ``index``)."""
    lowered = [c.lower() for c in PALETTE]
    i = lowered.index(color.lower()) if color.lower() in lowered else index
    return SYMBOLS[i % len(SYMBOLS)]


def halo_for(color: str) -> str:
    """The band drawn around a line of ``color``: white, or dark ink around a light colour (yellow fades into the
    pale contour bands on white)."""
    c = QColor(color)

    def linear(v: float) -> float:  # sRGB to linear light (WCAG's relative luminance)
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF())
    return INK if luminance > 0.6 else "#FFFFFF"


def nested_width(index: int, count: int) -> float:
    """Racer ``index`` of ``count``'s line width on the contour: earlier racers wider (by 0.6 px a racer), so
    paths that lie on one another show as a line inside a line."""
    return LINE_WIDTH + 0.6 * max(count - 1 - index, 0)


def pen(color: str, width: float = LINE_WIDTH, style=Qt.PenStyle.SolidLine):
    return pg.mkPen(QColor(color), width=width, style=style)


def configure_pyqtgraph() -> None:
    """Light background (projectors wash out dark ones), dark ink, no global antialiasing (speed)."""
    pg.setConfigOptions(background="w", foreground=INK, antialias=False)


LEFT_AXIS_WIDTH = 92    # room for "10⁻¹⁵" and a label at 14 pt
BOTTOM_AXIS_HEIGHT = 52


def style_plot(plot_item, left: str = "", bottom: str = "") -> None:
    """Large tick and label fonts on a pyqtgraph PlotItem's axes, and axes of fixed size: an axis that grew with
    its tick labels ("10⁻⁵" → "10⁻¹⁰") would re-lay out and repaint the whole plot in the middle of a race."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot_item.getAxis(name)
        axis.setTickFont(font(FONT_PT))
        axis.setPen(pg.mkPen(INK, width=1.5))
        axis.setTextPen(pg.mkPen(INK))
        axis.enableAutoSIPrefix(False)  # "(x1e+18)" in a label would be clipped; ticks say 1e18 themselves
    plot_item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    plot_item.getAxis("bottom").setHeight(BOTTOM_AXIS_HEIGHT)
    label_style = {"font-size": f"{FONT_PT}pt", "color": INK}
    if left:
        plot_item.setLabel("left", left, **label_style)
    if bottom:
        plot_item.setLabel("bottom", bottom, **label_style)


def set_title(plot_item, text: str | tuple[str, ...], pt: int = FONT_PT) -> None:
    """Set a plot's title without letting its text widen the plot past its widget (a long title in a narrow
    pane would otherwise push the axes out of view). ``text`` may be a tuple, longest first: the title is the
    first of them that fits over the plot (chosen again whenever the plot is resized), never a cut one."""
    choices = (text,) if isinstance(text, str) else tuple(text)
    plot_item._title_choices = choices
    if not getattr(plot_item, "_title_fitted", False):
        plot_item._title_fitted = True
        plot_item.getViewBox().sigResized.connect(lambda *_: fit_title(plot_item))
    text = choices[0]
    label = plot_item.titleLabel
    if not getattr(label, "_relaxed", False):
        original = label.updateMin

        def update_min_height_only() -> None:  # pyqtgraph calls this on every setText and resize
            original()
            label.setMinimumWidth(0)
            height = label._sizeHint[Qt.SizeHint.MinimumSize][1]
            label._sizeHint[Qt.SizeHint.MinimumSize] = (0, height)
            label._sizeHint[Qt.SizeHint.PreferredSize] = (0, height)
            label.updateGeometry()

        label.updateMin = update_min_height_only
        label._relaxed = True
    plot_item.setTitle(text, size=f"{pt}pt", color=INK)
    fit_title(plot_item)


def fit_title(plot_item) -> None:
    """Show the longest of the plot's title texts (``set_title``) that fits the width of its view box."""
    choices = getattr(plot_item, "_title_choices", ())
    label = plot_item.titleLabel
    if not choices or not label.isVisible():
        return
    size = label.opts.get("size", f"{FONT_PT}pt")
    f = QFont()
    f.setPointSizeF(float(size[:-2]) if size.endswith("pt") else FONT_PT)
    room = plot_item.getViewBox().width()
    metrics = QFontMetricsF(f)
    text = next((c for c in choices if metrics.horizontalAdvance(c) <= room), choices[-1])
    if text != label.text:
        label.setText(text, size=size, color=INK)
