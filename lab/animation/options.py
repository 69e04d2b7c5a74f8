"""What an animation is asked to be, checked before anything is drawn or written (the command line and the window's
Export animation… dialog share these checks; the window's smallest size is checked where the window is built)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from lab.animation.schedule import TIMELINES
from lab.animation.writers import FORMATS, even_size
from lab.errors import LabError
from lab.files import check_output, shown
from lab.limits import MAX_ANIMATION_SIZE, MAX_FPS, MAX_FRAMES, MIN_ANIMATION_SIZE

VIEWS = ("window", "contour", "surface")
"""window: the whole window; contour: the contour plot alone; surface: the 3-D surface view, where the window has
one."""
DEFAULT_FRAMES = 150
DEFAULT_FPS = 30.0
DEFAULT_SIZE = (1280, 720)


@dataclass
class AnimationOptions:
    """One animation: the file, its frames, rate and size, how steps map to frames, and what is drawn."""

    out: Path
    frames: int = DEFAULT_FRAMES
    fps: float = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZE
    timeline: str = "linear"
    view: str = "window"
    presenter: bool = False

    @property
    def suffix(self) -> str:
        return Path(self.out).suffix.lower()

    @property
    def frame_size(self) -> tuple[int, int]:
        """The size the frames are drawn at: the asked size, each side rounded up to even for an MP4."""
        return even_size(self.size) if self.suffix == ".mp4" else self.size

    def check(self, inputs=()) -> "AnimationOptions":
        """LabError, in one line, for anything that cannot be made; nothing is created. ``inputs``: files read
        (an experiment file), which the output must not overwrite."""
        if self.suffix not in FORMATS:
            raise LabError(f"--out {shown(self.out)}: an animation is written as FILE.mp4 or FILE.gif")
        if not 2 <= self.frames <= MAX_FRAMES:
            raise LabError(f"--frames must be a whole number from 2 to {MAX_FRAMES} (MAX_FRAMES), got {self.frames}")
        if not (math.isfinite(self.fps) and 0 < self.fps <= MAX_FPS):
            raise LabError(f"--fps must be a number > 0 and at most {MAX_FPS} (MAX_FPS), got {self.fps:g}")
        check_size(self.size)
        if self.timeline not in TIMELINES:
            raise LabError(f"--timeline must be one of {', '.join(TIMELINES)}, got {self.timeline!r}")
        if self.view not in VIEWS:
            raise LabError(f"--view must be one of {', '.join(VIEWS)}, got {self.view!r}")
        check_folder(self.out)
        check_output(self.out, inputs)
        return self


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720), or LabError."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise LabError(f"--size must look like 1280x720, got {text!r}") from None
    return check_size((w, h))


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """LabError if ``size`` is above MAX_ANIMATION_SIZE or below MIN_ANIMATION_SIZE (the window's own smallest
    size, larger, is checked once it is built)."""
    (top_w, top_h), (low_w, low_h) = MAX_ANIMATION_SIZE, MIN_ANIMATION_SIZE
    if not (low_w <= size[0] <= top_w and low_h <= size[1] <= top_h):
        raise LabError(f"--size must be from {low_w}x{low_h} (MIN_ANIMATION_SIZE) to {top_w}x{top_h} "
                       f"(MAX_ANIMATION_SIZE), got {size[0]}x{size[1]}")
    return size


def check_folder(out) -> None:
    """LabError unless the folder ``out`` goes into exists and this user may create files in it."""
    folder = Path(out).parent if str(Path(out).parent) else Path(".")
    if not folder.is_dir():
        raise LabError(f"--out {shown(out)}: folder {shown(folder)} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise LabError(f"--out {shown(out)}: cannot write in folder {shown(folder)} (permission denied)")


def race_end(experiment) -> int:
    """The step where the race ends: its max steps, or the step where every racer had stopped (converged,
    diverged, failed) if sooner. Runs the race headless, which costs a fraction of drawing it."""
    return experiment.build_race().run().step_count


__all__ = ["AnimationOptions", "DEFAULT_FPS", "DEFAULT_FRAMES", "DEFAULT_SIZE", "VIEWS", "check_folder",
           "check_size", "parse_size", "race_end"]
