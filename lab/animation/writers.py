"""Streaming writers: frames go to the file one by one as they are drawn, so memory does not grow with their number.

``open_writer(path, size, fps, suffix)`` picks by the ending: ``.mp4`` is H.264 in yuv420p through imageio-ffmpeg
(the package behind imageio's FFMPEG plugin; its wheel carries the ffmpeg binary; frames are piped to it);
``.gif`` is written here frame by frame with Pillow's GIF encoder: each frame keeps only the rectangle that
changed since the previous one, quantized to its own 256-colour palette (no dithering: lines and text stay
crisp), and the GIF loops forever. (Pillow's own multi-frame save, and imageio's GIF writer over it, hold every frame until the end.)

Each writer writes the exact path it is given (callers hand it a temporary beside the target: lab.files's
``atomic_path``); ``write(rgb)`` takes an H×W×3 uint8 array of the writer's size; ``close()`` finishes the file;
``abort()`` stops at once, leaving a file the caller removes. Imports imageio / Pillow only when opened.
"""
from __future__ import annotations

import numpy as np

from lab.errors import LabError

FORMATS = (".mp4", ".gif")
MP4_QUALITY = 7
"""imageio's quality scale (0–10) for H.264: 7 is x264's constant rate factor 15, sharp lines and text."""
MP4_PARAMS = ["-preset", "faster", "-movflags", "+faststart"]
"""x264 'faster': about twice the speed of 'medium' for a few per cent more bytes; faststart: plays while loading."""


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """H.264 in yuv420p needs even sizes: an odd width or height goes up by one."""
    return size[0] + size[0] % 2, size[1] + size[1] % 2


def open_writer(path, size: tuple[int, int], fps: float, suffix: str):
    """A writer for frames of ``size`` (width, height) at ``fps`` into ``path``, in the format of ``suffix``."""
    if suffix == ".mp4":
        return Mp4Writer(path, size, fps)
    if suffix == ".gif":
        return GifWriter(path, size, fps)
    raise LabError(f"an animation is written as {' or '.join(FORMATS)}, not {suffix or 'a file without an ending'}")


class Mp4Writer:
    """H.264, yuv420p, through imageio-ffmpeg's ``write_frames`` (what imageio's FFMPEG plugin runs; used directly
    so that ``abort`` can stop ffmpeg at once). Needs even sizes: see even_size."""

    def __init__(self, path, size: tuple[int, int], fps: float):
        import imageio_ffmpeg

        if size != even_size(size):
            raise ValueError(f"an MP4 needs an even width and height, got {size[0]}x{size[1]}")
        self.size = size
        self._frames = imageio_ffmpeg.write_frames(str(path), size, fps=float(fps), codec="libx264",
                                                   pix_fmt_out="yuv420p", quality=MP4_QUALITY, macro_block_size=2,
                                                   ffmpeg_log_level="error", output_params=list(MP4_PARAMS))
        self._frames.send(None)  # starts ffmpeg

    def write(self, rgb: np.ndarray) -> None:
        _check_frame(rgb, self.size)
        try:
            self._frames.send(np.ascontiguousarray(rgb))
        except OSError as exc:  # ffmpeg went away (a full disk, killed): its own words, first line
            raise LabError(f"the video encoder failed: {str(exc).strip().splitlines()[0]}") from None

    def close(self) -> None:
        self._frames.close()  # ffmpeg gets the end of its input, finishes the file and quits

    def abort(self) -> None:
        """Kill ffmpeg now (imageio-ffmpeg kills it, without waiting, when interrupted)."""
        try:
            self._frames.throw(KeyboardInterrupt)
        except (KeyboardInterrupt, StopIteration, ValueError, OSError):
            pass


class GifWriter:
    """A looping GIF with a palette per frame, written as the frames come (see the module's docstring)."""

    def __init__(self, path, size: tuple[int, int], fps: float):
        self.size = size
        self.duration_ms = 1000.0 / fps  # GIF keeps hundredths of a second: 30 fps is stored as 0.03 s (33 fps)
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by close() / abort()
        self._previous: np.ndarray | None = None

    def write(self, rgb: np.ndarray) -> None:
        from PIL import GifImagePlugin, Image

        _check_frame(rgb, self.size)
        first = self._previous is None
        x0, y0, x1, y1 = (0, 0, self.size[0], self.size[1]) if first else changed_box(self._previous, rgb)
        part = Image.fromarray(np.ascontiguousarray(rgb[y0:y1, x0:x1])).quantize(
            256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        if first:
            header, _ = GifImagePlugin.getheader(part.copy(), info={"loop": 0, "duration": self.duration_ms})
            self._fh.write(b"".join(header))
        for chunk in GifImagePlugin.getdata(part, offset=(x0, y0), duration=self.duration_ms, disposal=1,
                                            include_color_table=True):
            self._fh.write(chunk)
        self._previous = rgb.copy()

    def close(self) -> None:
        try:
            self._fh.write(b";")  # the GIF trailer
        finally:
            self._fh.close()

    def abort(self) -> None:
        self._fh.close()


def changed_box(before: np.ndarray, after: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the smallest rectangle holding every pixel that differs; a 1×1 one at the corner when
    none does (a frame must still be written, so the animation keeps its length)."""
    diff = np.any(before != after, axis=2)
    rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
    if not len(rows):
        return 0, 0, 1, 1
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _check_frame(rgb: np.ndarray, size: tuple[int, int]) -> None:
    if rgb.dtype != np.uint8 or rgb.shape != (size[1], size[0], 3):
        raise ValueError(f"a frame must be a {size[1]}x{size[0]}x3 uint8 array, got {rgb.dtype} {rgb.shape}")


__all__ = ["FORMATS", "GifWriter", "Mp4Writer", "changed_box", "even_size", "open_writer"]
