"""Which step of the race each frame of an animation shows.

``linear``: frame i (0-based) of F shows step round(i·N/(F − 1)), halves rounded up, so the frames are evenly
spaced in steps. ``log``: evenly spaced in log(1 + step): frame i shows round((1 + N)^(i/(F − 1)) − 1), so the
first steps (Newton's, Adam's first jump) get frames of their own and the long tail is passed quickly.

Either way frame 0 shows step 0 and frame F − 1 step N, and the steps never go back. When F − 1 is more than the
steps there are (or, for ``log``, near step 0 where the spacing is under one step), rounding gives the same step
to neighbouring frames: those frames are kept (the picture holds still for a moment), so the animation has
exactly F frames and lasts F / fps seconds.
"""
from __future__ import annotations

import math

TIMELINES = ("linear", "log")


def frame_steps(last_step: int, frames: int, timeline: str = "linear") -> list[int]:
    """The step shown by each of ``frames`` frames (at least 2) of a race shown from step 0 to ``last_step``."""
    if frames < 2:
        raise ValueError(f"an animation needs at least 2 frames, got {frames}")
    if last_step < 0:
        raise ValueError(f"last_step must be >= 0, got {last_step}")
    if timeline not in TIMELINES:
        raise ValueError(f"timeline must be one of {', '.join(TIMELINES)}, got {timeline!r}")
    n, gaps = int(last_step), frames - 1
    if timeline == "linear":  # exact in integers: floor(i·N/gaps + 1/2)
        return [(2 * i * n + gaps) // (2 * gaps) for i in range(frames)]
    top = math.log1p(n)
    steps = [min(n, max(0, math.floor(math.expm1(top * i / gaps) + 0.5))) for i in range(frames)]
    steps[0], steps[-1] = 0, n
    for i in range(1, frames):  # floating point must never make a step go back
        steps[i] = max(steps[i], steps[i - 1])
    return steps


__all__ = ["TIMELINES", "frame_steps"]
