"""Presenter mode, its zoom, nothing cut at projector sizes, and the surface in 3-D (widgets/view_modes,
widgets/plots/surface_view.py), offscreen."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QKeySequence, QTextDocument, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QTableWidget

from lab.views import surface as geometry
from widgets.view_modes.names import ZOOM_DEFAULT, ZOOM_RANGE


def run_race(qtbot, window, objective="rosenbrock", steps=200):
    m = window.model
    m.set_objective(objective)
    m.use_lecture_set()
    m.set_max_steps(steps)
    with qtbot.waitSignal(m.runEnded, timeout=20_000):
        m.run()
    window.refresh_now()
    QApplication.processEvents()


def settle(window, size):
    window.resize(*size)
    for _ in range(3):
        QApplication.processEvents()
    window.refresh_now()
    QApplication.processEvents()


def text_width(label: QLabel) -> float:
    text = label.text()
    if label.textFormat() == Qt.TextFormat.RichText or (label.textFormat() == Qt.TextFormat.AutoText
                                                         and "<" in text and ">" in text):
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(label.font())
        doc.setHtml(text)
        return doc.idealWidth()
    return max(label.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))


def cut_texts(window) -> list[str]:
    """Every visible label, table cell and header, and plot title whose text does not fit its widget; a cell
    outside its table's viewport only counts when the table cannot scroll to it."""
    bad = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text() or label.pixmap() is not None and not label.pixmap().isNull():
            continue
        room = label.contentsRect()
        if label.text().endswith("…") or label.text().endswith("..."):
            bad.append(f"label {label.objectName() or label.text()!r} elided")
        elif label.wordWrap():
            if label.heightForWidth(label.width()) > label.height() + 1:
                bad.append(f"label {label.text()!r}: {label.heightForWidth(label.width())} > {label.height()} high")
        elif text_width(label) > room.width() + 1:
            bad.append(f"label {label.text()!r}: {text_width(label):.0f} > {room.width()} wide")
    for table in window.findChildren(QTableWidget):
        if not table.isVisible() or not table.visibleRegion().boundingRect().isValid():
            continue
        view = table.viewport().rect()
        fm, header = table.fontMetrics(), table.horizontalHeader()
        for col in range(table.columnCount()):
            if table.isColumnHidden(col):
                continue
            width = table.columnWidth(col)
            head = table.horizontalHeaderItem(col)
            if head is not None and header.fontMetrics().horizontalAdvance(head.text()) + 8 > width:
                bad.append(f"{table.objectName()} header {head.text()!r} in {width}")
            for row in range(table.rowCount()):
                item = table.item(row, col)
                if item is None or not item.text():
                    continue
                icon = table.iconSize().width() + 8 if not item.icon().isNull() else 0
                if fm.horizontalAdvance(item.text()) + icon + 6 > width:  # the item delegate's margins: 3 + 3
                    bad.append(f"{table.objectName()} cell {item.text()!r} in {width}")
                rect = table.visualItemRect(item)
                if rect.intersects(view) and not view.contains(rect):
                    scroll = (table.horizontalScrollBar() if rect.left() < 0 or rect.right() > view.right()
                              else table.verticalScrollBar())
                    if not scroll.isVisible():
                        bad.append(f"{table.objectName()} cell {item.text()!r} cut and no scroll bar")
    legend = window.contour.legend
    if window.contour.isVisible():
        for _, label in legend.items:
            right = label.item.sceneBoundingRect().right()
            if right > window.contour.width() + 1:
                bad.append(f"legend entry {label.text!r} ends at {right:.0f} > {window.contour.width()}")
    for name, widget in window.plots.items():
        plot = widget.getPlotItem()
        title = plot.titleLabel
        if widget.isVisible() and title.isVisible() and title.text:
            from PySide6.QtGui import QFont, QFontMetricsF
            f = QFont()
            f.setPointSizeF(float(title.opts["size"][:-2]))
            need = QFontMetricsF(f).horizontalAdvance(title.text)
            if need > plot.getViewBox().width() + 1:
                bad.append(f"title of {name} {title.text!r}: {need:.0f} > {plot.getViewBox().width():.0f}")
    return bad


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
@pytest.mark.parametrize("presenter", [False, True])
def test_nothing_is_cut_at_projector_sizes(qtbot, window, size, presenter):
    run_race(qtbot, window)
    window.set_presenter(presenter)
    settle(window, size)
    assert (window.width(), window.height()) == size  # the window fits: its minimum size is smaller
    assert cut_texts(window) == []


def test_presenter_mode_hides_the_editing_panels_only(qtbot, window):
    run_race(qtbot, window, "quadratic", 50)
    before = {w for w in window.findChildren(QLabel) + window.findChildren(QTableWidget) if w.isVisible()}
    window.presenter_action.trigger()  # View → Presenter mode
    assert window.presenter and window.presenter_action.isChecked()
    assert window.presenter_action.shortcut() == QKeySequence("F5")
    assert not window.findChild(QScrollArea, "setupArea").isVisible()
    assert not window.objective_panel.isVisible() and not window.controls.max_steps.isVisible()
    for kept in (window.contour, window.loss_plot, window.grad_plot, window.leaderboard, window.curvature,
                 window.controls.counter, window.controls.run_button):
        assert kept.isVisible()
    assert window.leaderboard.font().pointSizeF() == pytest.approx(14 * ZOOM_DEFAULT)
    step = window.model.step_count
    window.model.reset()
    window.findChild(type(window.run_action), "stepAction").trigger()  # the playback keys' actions still work
    qtbot.waitUntil(lambda: window.model.step_count == 1)
    assert step == 50
    window.set_presenter(False)
    after = {w for w in window.findChildren(QLabel) + window.findChildren(QTableWidget) if w.isVisible()}
    assert after == before
    assert window.leaderboard.font().pointSizeF() == 14


def test_zoom_keys_clamp_and_are_remembered(qtbot, window):
    from widgets.main_window import MainWindow

    assert not window.findChild(type(window.run_action), "zoomInAction").isEnabled()  # only in presenter mode
    window.set_presenter(True)
    names = {"zoomInAction": "Ctrl+=", "zoomOutAction": "Ctrl+-", "zoomResetAction": "Ctrl+0"}
    actions = {n: window.findChild(type(window.run_action), n) for n in names}
    assert all(actions[n].shortcut() == QKeySequence(k) for n, k in names.items())
    actions["zoomInAction"].trigger()
    assert window.zoom == pytest.approx(ZOOM_DEFAULT + 0.125)
    assert window.leaderboard.font().pointSizeF() == pytest.approx(14 * window.zoom)
    assert window.surface.line_scale == pytest.approx(window.zoom)
    assert window.contour.trails.line_scale == pytest.approx(window.zoom)
    for _ in range(20):
        actions["zoomInAction"].trigger()
    assert window.zoom == ZOOM_RANGE[1]
    window.set_zoom(1.5)
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.zoom == 1.5 and not again.presenter
    again.close()
    actions["zoomResetAction"].trigger()
    assert window.zoom == ZOOM_DEFAULT


def test_closing_in_presenter_mode_remembers_the_normal_layout(qtbot, window):
    from widgets.main_window import MainWindow

    window.set_presenter(True)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.resize(1400, 900)
    again.show()
    area = again.findChild(QScrollArea, "setupArea")
    qtbot.waitUntil(lambda: area.isVisible() and area.width() > 100)
    assert again.objective_panel.isVisible() and again.curvature.isVisible()
    again.close()


# ----- the surface in 3-D ------------------------------------------------------------------------------------------
def racer_pixel(view, trace, row):
    """Where the surface view draws ``trace``'s position ``row`` (and whether the surface hides it)."""
    s = view.surface()
    xy = trace.positions.view[row:row + 1, :2]
    world = s.world(xy, view.model.objective.value(xy))
    pix, _ = view.camera.project(world, view.width(), view.height())
    return pix[0], bool(geometry.hidden(s, view.camera, world)[0])


def near(image, pix, color: str, radius=3, tolerance=40):
    c = QColor(color)
    x0, y0 = int(round(pix[0])), int(round(pix[1]))
    for x in range(x0 - radius, x0 + radius + 1):
        for y in range(y0 - radius, y0 + radius + 1):
            if 0 <= x < image.width() and 0 <= y < image.height():
                p = image.pixelColor(x, y)
                if abs(p.red() - c.red()) + abs(p.green() - c.green()) + abs(p.blue() - c.blue()) <= tolerance:
                    return True
    return False


def test_the_surface_renders_offscreen_with_the_racers_on_it(qtbot, window):
    run_race(qtbot, window, "himmelblau", 100)
    window.show_view("surface")
    assert window.current_view == "surface" and window.surface.isVisible()
    view = window.surface
    view.resize(640, 480)
    image = view.grab().toImage()
    pixels = np.array([[image.pixelColor(x, y).lightness() for x in range(0, 640, 8)] for y in range(0, 480, 8)])
    assert (pixels < 250).mean() > 0.25  # the surface covers a good part of the view
    m = window.model
    trace = m.traces[m.selected_row]
    end, hid = racer_pixel(view, trace, trace.positions.n - 1)
    assert not hid and near(image, end, trace.color, radius=2)  # the selected racer's current marker
    middle = trace.positions.n // 4
    pix, hid = racer_pixel(view, trace, middle)
    if not hid:
        assert near(image, pix, trace.color, radius=4)  # its path passes there
    assert not near(image, (320, 240), "#FF00FF", radius=300, tolerance=10)  # sanity: no such colour drawn


def test_the_surface_rotates_and_zooms_with_the_mouse(qtbot, window):
    window.show_view("surface")
    view = window.surface
    view.resize(600, 400)
    before = view.camera
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(view, QPoint(350, 220))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(350, 220))
    assert view.camera.azimuth == pytest.approx((before.azimuth - 50 * 0.4) % 360)
    assert view.camera.elevation == pytest.approx(before.elevation + 20 * 0.4)
    wheel = QWheelEvent(QPointF(300, 200), QPointF(view.mapToGlobal(QPoint(300, 200))), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)
    assert view.camera.zoom == pytest.approx(before.zoom * 1.12)


def test_the_surface_follows_the_timeline(qtbot, window):
    """Wound back to step 0 by the timeline, every racer sits at the start on the surface; at the live end, at its
    last point."""
    run_race(qtbot, window, "quadratic", 60)
    window.show_view("surface")
    view = window.surface
    view.resize(640, 480)
    m = window.model
    trace = m.traces[m.selected_row]
    assert view.step_to_show() is None
    window.timeline.show_step(0)
    assert view.step_to_show() == 0
    start, hid = racer_pixel(view, trace, 0)
    end, _ = racer_pixel(view, trace, trace.positions.n - 1)
    image = view.grab().toImage()
    assert not hid and near(image, start, trace.color, radius=2)
    assert abs(end - start).max() > 20 and not near(image, end, trace.color, radius=2)  # no marker at the end
    window.timeline.end()
    assert view.step_to_show() is None


def test_a_many_parameter_objective_says_there_is_no_surface(qtbot, window):
    window.model.set_objective("mlp")
    window.show_view("surface")
    assert window.surface.surface() is None
    window.surface.grab()  # paints the note, no error
    with pytest.raises(ValueError):
        window.show_view("cube")


def test_command_line_presenter_and_surface_screenshot(tmp_path):
    """``--presenter --view surface --screenshot``: the picture, exit 0; and a refused size exits 2 cleanly (the
    window left presenter mode while closing: nothing left queued to crash the interpreter's exit)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from PySide6.QtGui import QImage

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = tmp_path / "shot.png"
    args = [sys.executable, "main.py", "--steps", "30", "--presenter", "--view", "surface", "--screenshot"]
    done = subprocess.run(args + [str(out), "--size", "1024x768"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    refused = subprocess.run(args + [str(tmp_path / "no.png"), "--size", "300x200"], cwd=root, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stderr.startswith("error: --size 300x200 is smaller"), refused.stderr
    assert not (tmp_path / "no.png").exists()


def test_the_keys_in_presenter_mode(qtbot, window):
    """F5 in and out, → steps and Ctrl+= zooms while the editing panels are hidden (real key presses)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.presenter
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.model.step_count == 1)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom == pytest.approx(ZOOM_DEFAULT + 0.125)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom == ZOOM_DEFAULT
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.presenter
