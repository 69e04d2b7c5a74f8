"""The encoding thread: frames are handed over as they are drawn and written by a writer (lab.animation.writers) in
a thread of its own, so encoding overlaps drawing (ffmpeg and Pillow's encoder let the GIL go). At most
``QUEUE_FRAMES`` frames wait: the drawing side is held back (``put``) or told to come back later (``offer``) when
the encoder is behind, so memory stays flat however many frames there are."""
from __future__ import annotations

import queue
import threading

import numpy as np

QUEUE_FRAMES = 4
_END = object()


class Encoder:
    """``Encoder(writer)``; ``put(frame)`` / ``offer(frame)`` from the drawing thread; ``finish()`` waits for the
    last frame to be written and closes the file (re-raising the writer's error, if any); ``abort()`` stops."""

    def __init__(self, writer, queue_frames: int = QUEUE_FRAMES):
        self.writer = writer
        self.written = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=queue_frames)
        self._stop = threading.Event()
        self._ended = False
        self._thread = threading.Thread(target=self._work, name="animation-encoder", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                frame = self._queue.get()
                if self._stop.is_set():  # aborted meanwhile
                    return
                if frame is _END:
                    self.writer.close()
                    return
                self.writer.write(frame)
                self.written += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the drawing thread
            self.error = exc
            self._stop.set()
            self._drain()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, frame: np.ndarray) -> None:
        """Hand over a frame, waiting while QUEUE_FRAMES are waiting already; the writer's error, if any, raises."""
        while True:
            self._raise()
            try:
                self._queue.put(frame, timeout=0.1)
                return
            except queue.Full:
                continue

    def offer(self, frame: np.ndarray) -> bool:
        """Hand over a frame if there is room (True), else False at once; the writer's error, if any, raises."""
        self._raise()
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            return False
        return True

    def finish(self, timeout: float | None = None) -> bool:
        """Write what is queued and close the file; False if not done within ``timeout`` seconds (None: wait; 0:
        never wait, for a caller that must not block: call again). Re-raises the writer's error."""
        if not self._ended:
            self._raise()
            try:
                self._queue.put(_END, timeout=timeout)
                self._ended = True
            except queue.Full:
                return False
        self._thread.join(timeout)
        self._raise()
        return not self._thread.is_alive()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def abort(self) -> None:
        """Stop now: queued frames are dropped, the frame being written (if any) ends, then the writer is aborted
        (ffmpeg killed) from this thread; the caller removes the file."""
        self._stop.set()
        self._drain()
        try:
            self._queue.put_nowait(_END)  # wakes the thread if it waits for a frame
        except queue.Full:
            pass
        self._thread.join()  # never two threads in the writer at once
        self.writer.abort()

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return


__all__ = ["Encoder", "QUEUE_FRAMES"]
