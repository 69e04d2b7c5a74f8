"""The window's animation export, in the background: File → Export animation… starts an ``ExportJob``.

The frames are drawn and encoded by ``python main.py animate`` in a process of its own (QProcess), on Qt's
offscreen platform, with the window's own views: drawing widgets has to happen in a GUI thread, and building a
second window takes a few hundred milliseconds of one; in another process it blocks nothing here, uses the other
core, and leaves the user's window and race as they are. The window's experiment is handed over as a temporary
experiment file; the process reports each frame on stderr (``PROGRESS_ENV``) and runs at a lower CPU priority
(``CHILD_NICENESS``). Cancel sends it SIGTERM, on which it
removes its temporary file and leaves an existing file at the target as it was (lab.cli's signal handling).
Signals: ``progressed(done, total)``, then exactly one of ``finished(path)``, ``failed(message)``, ``cancelled()``.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal, Slot

from lab.animation.options import AnimationOptions
from lab.animation.progress import PROGRESS_ENV
from lab.files import write_text

MAIN = Path(__file__).resolve().parents[2] / "main.py"
"""The program's entry point (beside lab/ and widgets/, in a checkout and when installed)."""
CHILD_NICENESS = 19
"""The drawing process runs this much nicer than the window, from its first instruction (its threads and ffmpeg
inherit it): on a busy machine the window's GUI thread goes first. (Where there is no os.nice: as it is.)"""
NICE_START = ("import os, runpy, sys; hasattr(os, 'nice') and os.nice({}); sys.argv = sys.argv[1:]; "
              "sys.path.insert(0, os.path.dirname(sys.argv[0])); runpy.run_path(sys.argv[0], run_name='__main__')")
"""``python -c NICE_START main.py ARGS``: main.py run as ``python main.py ARGS`` would (its folder on sys.path)."""
_FRAME = re.compile(r"^frame (\d+)/(\d+)$")


def animate_arguments(config: str, options: AnimationOptions) -> list[str]:
    """The interpreter's arguments for ``python main.py animate ...`` with ``options`` and an experiment file, niced
    by CHILD_NICENESS first."""
    w, h = options.size
    return (["-c", NICE_START.format(CHILD_NICENESS), str(MAIN), "animate", "--config", config,
             "--out", str(options.out), "--frames", str(options.frames), "--fps", repr(float(options.fps)),
             "--size", f"{w}x{h}", "--timeline", options.timeline, "--view", options.view]
            + (["--presenter"] if options.presenter else []))


class ExportJob(QObject):
    """One animation of ``experiment`` with ``options``, made by a child process (see the module's docstring)."""

    progressed = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, experiment, options: AnimationOptions, parent: QObject | None = None):
        super().__init__(parent)
        self.experiment, self.options = experiment, options
        self.done = 0
        self.running = False
        self._cancelling = False
        self._folder = tempfile.TemporaryDirectory(prefix="optimizer-lab-animation-")
        self._errors: list[str] = []
        self._pending = ""
        self.process = QProcess(self)
        self.process.readyReadStandardError.connect(self._on_stderr)
        self.process.finished.connect(self._on_exit)
        self.process.errorOccurred.connect(self._on_process_error)

    def start(self) -> None:
        config = os.path.join(self._folder.name, "experiment.json")
        write_text(config, self.experiment.to_json())
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")
        env.insert(PROGRESS_ENV, "1")
        self.process.setProcessEnvironment(env)
        self.process.setProgram(sys.executable)
        self.process.setArguments(animate_arguments(config, self.options))
        self.running = True
        self.process.start()

    def cancel(self) -> None:
        """Stop: nothing is written, an existing file at the target stays as it was; ``cancelled`` follows."""
        if self.running and not self._cancelling:
            self._cancelling = True
            self.process.terminate()  # SIGTERM: the child removes its temporary and exits 143

    def stop_now(self, wait_ms: int = 5000) -> None:
        """Cancel and wait for the child to end (the window is closing)."""
        self.cancel()
        if self.process.state() != QProcess.ProcessState.NotRunning and not self.process.waitForFinished(wait_ms):
            self.process.kill()
            self.process.waitForFinished(1000)

    @Slot()
    def _on_stderr(self) -> None:
        self._pending += bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            found = _FRAME.match(line.strip())
            if found:
                self.done = int(found.group(1))
                self.progressed.emit(self.done, int(found.group(2)))
            elif line.strip():
                self._errors.append(line.strip())

    @Slot(int, QProcess.ExitStatus)
    def _on_exit(self, code: int, status) -> None:
        self._on_stderr()
        if self._pending.strip():
            self._errors.append(self._pending.strip())
        self.running = False
        self._folder.cleanup()
        if self._cancelling:
            self.cancelled.emit()
        elif code == 0 and status == QProcess.ExitStatus.NormalExit:
            self.finished.emit(str(self.options.out))
        else:
            said = [e for e in self._errors if e.startswith("error: ")]
            message = said[-1][len("error: "):] if said else f"the drawing process stopped (exit status {code})"
            self.failed.emit(message)

    @Slot(QProcess.ProcessError)
    def _on_process_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.running = False
            self._folder.cleanup()
            self.failed.emit(f"could not start {sys.executable}: {self.process.errorString()}")


__all__ = ["ExportJob", "MAIN", "animate_arguments"]
