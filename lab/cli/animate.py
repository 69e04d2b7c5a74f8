"""``animate``: a race as an MP4 or a GIF, drawn by the window's own views, offscreen.

    animate (--config E.json | --lesson NAME [--page N]) --out FILE.mp4|FILE.gif [--steps N] [--frames F]
            [--fps R] [--size WxH] [--timeline linear|log] [--view window|contour|surface] [--presenter]

Everything is checked here first, without Qt (a bad option costs nothing and writes nothing); the race is run
headless once to find where it ends (lab.animation.options.race_end), then widgets.animation.render draws and
streams the frames (imported only now: this module loads no Qt).
"""
from __future__ import annotations

import sys
from pathlib import Path

from lab.animation.options import (DEFAULT_FPS, DEFAULT_FRAMES, VIEWS, AnimationOptions, parse_size, race_end)
from lab.animation.progress import Progress
from lab.animation.schedule import TIMELINES, frame_steps
from lab.cli.common import MAX_STEPS, fmt, parse_number, parse_whole
from lab.errors import LabError
from lab.files import shown
from lab.limits import MAX_FRAMES

NAME = "animate"
NO_LESSONS = "lessons are not available in this build"


def add_parser(subparsers):
    p = subparsers.add_parser(
        NAME, help="a race as an MP4 or a GIF, drawn as the window draws it",
        description="Draw a race frame by frame with the window's own views (offscreen: no display needed) and "
                    "write it as an MP4 (H.264) or a looping GIF. Frame i of F shows step round(i*N/(F-1)) "
                    "(--timeline linear) or steps spaced evenly in log(1+step) (--timeline log); the last frame "
                    "shows step N, or the step where every racer had stopped if sooner.",
        epilog="An interrupted or failed run leaves no partial file and an existing FILE as it was. Bad input: "
               "exit 2, one line, nothing written.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--config", metavar="E.json", help="the experiment file to animate")
    source.add_argument("--lesson", metavar="NAME", help="animate a lesson's page (a name or a lesson file)")
    p.add_argument("--page", metavar="N", help="the lesson's page, from 1 (default 1; only with --lesson)")
    p.add_argument("--out", metavar="FILE.mp4|FILE.gif", required=True, help="the animation to write")
    p.add_argument("--steps", metavar="N",
                   help=f"the race's max steps (default: the experiment's; at most {MAX_STEPS})")
    p.add_argument("--frames", metavar="F", default=str(DEFAULT_FRAMES),
                   help=f"frames in the animation (default {DEFAULT_FRAMES}, from 2 to {MAX_FRAMES})")
    p.add_argument("--fps", metavar="R", default=f"{DEFAULT_FPS:g}",
                   help=f"frames per second (default {DEFAULT_FPS:g})")
    p.add_argument("--size", metavar="WxH", default="1280x720",
                   help="frame size (default 1280x720, at most 3840x2160; an MP4's odd side goes up by one)")
    p.add_argument("--timeline", choices=TIMELINES, default="linear",
                   help="steps evenly spaced (linear, the default) or evenly spaced in log(1+step) (log)")
    p.add_argument("--view", choices=VIEWS, default="window",
                   help="the whole window (default), the contour plot alone, or the 3-D surface view")
    p.add_argument("--presenter", action="store_true", help="draw the window in presenter mode")
    return p


def experiment_from_args(args):
    """The experiment to animate, from --config or --lesson/--page, with --steps applied."""
    if args.config is None and args.lesson is None:
        raise LabError("animate: give --config EXPERIMENT.json or --lesson NAME (see python main.py animate --help)")
    if args.page is not None and args.lesson is None:
        raise LabError("animate: --page goes with --lesson")
    if args.config is not None:
        from lab.experiment import Experiment

        experiment = Experiment.load(args.config)
        where = shown(args.config)
    else:
        experiment = lesson_experiment(args.lesson, parse_whole(args.page or "1", "--page", lo=1))
        where = f"lesson {args.lesson!r}"
    if not any(r.enabled for r in experiment.racers):
        raise LabError(f"{where}: no enabled racers, nothing to animate")
    if args.steps is not None:
        experiment.steps = parse_whole(args.steps, "--steps", lo=1, hi=MAX_STEPS)
    elif experiment.steps > MAX_STEPS:
        raise LabError(f"{where}: steps must be at most {MAX_STEPS}, got {experiment.steps} (MAX_STEPS); give a "
                       "smaller --steps")
    return experiment


def lesson_experiment(name: str, page: int):
    """Page ``page`` (from 1) of the lesson ``name``: ``lab.lessons.load_lesson(name).pages[page - 1]``, an
    Experiment or a page with an ``experiment``. LabError when this build has no lessons."""
    try:
        from lab.lessons import load_lesson
    except ModuleNotFoundError as exc:
        if exc.name in ("lab.lessons", "lab"):
            raise LabError(NO_LESSONS) from None
        raise
    except ImportError:
        raise LabError(NO_LESSONS) from None
    pages = list(load_lesson(name).pages)
    if not 1 <= page <= len(pages):
        raise LabError(f"--page must be from 1 to {len(pages)} (the pages of lesson {name!r}), got {page}")
    chosen = pages[page - 1]
    return getattr(chosen, "experiment", chosen)


def options_from_args(args) -> AnimationOptions:
    try:
        frames = parse_whole(args.frames, "--frames", lo=0)
    except LabError:  # the range, as AnimationOptions.check says it
        raise LabError(f"--frames must be a whole number from 2 to {MAX_FRAMES} (MAX_FRAMES), got "
                       f"{args.frames.strip()!r}") from None
    return AnimationOptions(out=Path(args.out), frames=frames, fps=parse_number(args.fps, "--fps"),
                            size=parse_size(args.size), timeline=args.timeline, view=args.view,
                            presenter=args.presenter)


def run(args) -> int:
    options = options_from_args(args).check(inputs=[args.config])
    experiment = experiment_from_args(args)
    last = race_end(experiment)
    steps = frame_steps(last, options.frames, options.timeline)
    if options.frame_size != options.size:
        print(f"note: an MP4 needs an even width and height: {options.size[0]}x{options.size[1]} is drawn as "
              f"{options.frame_size[0]}x{options.frame_size[1]}", file=sys.stderr)
    bar = Progress(options.frames)
    from widgets.animation.render import render_animation  # Qt loads only now

    render_animation(experiment, options, steps, progress=bar.update)
    bar.end()
    w, h = options.frame_size
    stopped = "" if last == experiment.steps else f" (every racer had stopped at step {last})"
    print(f"wrote {shown(options.out)}: {options.frames} frames, {w}x{h}, {fmt(options.fps)} fps, "
          f"{fmt(options.frames / options.fps, 3)} s; steps 0 to {last}{stopped}, {options.timeline} timeline")
    return 0


__all__ = ["NAME", "NO_LESSONS", "add_parser", "experiment_from_args", "lesson_experiment", "run"]
