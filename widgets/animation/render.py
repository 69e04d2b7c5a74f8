"""Frames of a race drawn by the window's own views, offscreen.

``FrameSource`` builds a MainWindow of its own (remember=False, never shown on screen) for the experiment, at the
frame size, and steps its race forward only — to each frame's step in turn, in the calling thread, never from the
start again — and draws the chosen view (the whole window, the contour plot alone, or the 3-D surface view where
the window has one) into an RGB array. ``render_animation`` streams those frames into the encoder thread, writing a
temporary file beside the target that replaces it only when the last frame is in (``python main.py animate``).
"""
from __future__ import annotations

import os
import sys

import numpy as np

from lab.animation.encoder import Encoder
from lab.animation.options import AnimationOptions
from lab.animation.writers import open_writer
from lab.errors import LabError
from lab.files import atomic_path

def ensure_application():
    """The QApplication; created on Qt's offscreen platform unless QT_QPA_PLATFORM names another. LabError (one
    line, with the fix) when Qt cannot load or the chosen platform cannot open."""
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        return widgets.QApplication.instance()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # frames need no display, and none is used
    from widgets.app import APT_LINE, display_problem

    problem = display_problem()
    if problem is not None:
        raise LabError(problem)
    try:
        from PySide6.QtCore import qInstallMessageHandler
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # e.g. libEGL.so.1 or libfontconfig.so.1 missing: QtGui cannot load
        raise LabError(f"Qt cannot load: {exc}; on Debian/Ubuntu: {APT_LINE}") from None
    from widgets.app import quiet_offscreen_noise

    qInstallMessageHandler(quiet_offscreen_noise)
    return QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "optimizer-lab"])


class FrameSource:
    """An offscreen window showing ``experiment``'s race, moved forward to chosen steps and drawn as RGB frames.

    Features of other parts of the window are looked for by name, so they work here once they exist:
    ``window.set_presenter(True)`` for ``presenter``; ``window.surface`` (a widget; ``window.show_view("surface")``
    is called first when the window has it) for the view ``surface``. Without them: LabError."""

    def __init__(self, experiment, options: AnimationOptions):
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from widgets.main_window import MainWindow

        self.app = QApplication.instance()
        self.size = options.frame_size
        self.window = window = MainWindow(experiment, remember=False)
        try:
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            if options.presenter:
                if not callable(getattr(window, "set_presenter", None)):
                    raise LabError("--presenter: this build's window has no presenter mode")
                window.set_presenter(True)
            self.target = self._target(options.view)
            self.target.resize(*self.size)
            window.show()
            if self.target is not window:
                self.target.show()
            self.app.processEvents()
            least = self.target.minimumSizeHint().expandedTo(self.target.minimumSize())
            if self.size[0] < least.width() or self.size[1] < least.height():
                what = "the window" if options.view == "window" else f"the {options.view} view"
                raise LabError(f"--size {self.size[0]}x{self.size[1]} is smaller than {what} can be drawn; the "
                               f"smallest allowed is {least.width()}x{least.height()}")
        except BaseException:
            self.close()
            raise

    def _target(self, view: str):
        from PySide6.QtCore import Qt

        window = self.window
        if view == "window":
            return window
        if view == "surface":
            if callable(getattr(window, "show_view", None)):
                window.show_view("surface")
            widget = getattr(window, "surface", None)
            if widget is None:
                raise LabError("--view surface: this build's window has no 3-D surface view (use --view window or "
                               "--view contour)")
        else:
            widget = window.contour
        widget.setParent(None)  # drawn alone at the frame size (this window is never shown, nothing is lost)
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self._detached = widget
        return widget

    @property
    def step_count(self) -> int:
        return self.window.model.race.step_count

    def advance_to(self, step: int) -> None:
        """Step the race forward to ``step`` (or until every racer has stopped): forward only, never again from 0."""
        race = self.window.model.race
        if race.step_count < step and not race.done:
            race.step(step - race.step_count)

    def draw(self) -> np.ndarray:
        """The view as it shows the race now: an H×W×3 uint8 array of the frame size."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        self.window.model.session.catch_up()
        self.window.refresh_now()
        image = self.target.grab().toImage()
        if (image.width(), image.height()) != self.size:  # a high-DPI screen's platform: back to the asked size
            image = image.scaled(*self.size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        image = image.convertToFormat(QImage.Format.Format_RGB888)
        w, h = self.size
        rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
        return rows.reshape(h, image.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()

    def close(self) -> None:
        detached = getattr(self, "_detached", None)
        if detached is not None:  # back into the window, which is deleted whole, as when it is closed normally
            detached.hide()
            detached.setParent(self.window)
        self.window.close()
        self.window.deleteLater()


def render_animation(experiment, options: AnimationOptions, steps: list[int], progress=None) -> None:
    """Draw one frame per entry of ``steps`` and write them to ``options.out`` (through a temporary beside it,
    renamed at the end: an error or an interrupt leaves no partial file and an existing one intact).
    ``progress(frames_done)`` is called after each frame. LabError for what cannot be drawn (a size below the
    window's smallest, a view the window lacks) before anything is written."""
    from lab.cli import deferred_signals

    ensure_application()
    source = FrameSource(experiment, options)
    try:
        # Ctrl-C or SIGTERM while Qt paints would be raised inside a paint callback and swallowed there: they are
        # noted, and raised here between frames
        with atomic_path(options.out, options.suffix) as tmp, deferred_signals() as check:
            encoder = Encoder(open_writer(tmp, options.frame_size, options.fps, options.suffix))
            try:
                for done, step in enumerate(steps, start=1):
                    source.advance_to(step)
                    check()
                    encoder.put(source.draw())
                    check()
                    if progress is not None:
                        progress(done)
                encoder.finish()
                check()
            except BaseException:
                encoder.abort()
                raise
    finally:
        source.close()


__all__ = ["FrameSource", "ensure_application", "render_animation"]
