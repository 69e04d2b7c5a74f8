"""``python main.py --lesson NAME [--page N]``: the window's lesson options, parsed and checked without Qt."""
from __future__ import annotations

from lab.errors import LabError


def add_lesson_options(parser) -> None:
    parser.add_argument("--lesson", metavar="NAME",
                        help="open a guided lesson (a name from 'python main.py lessons', or a lesson file)")
    parser.add_argument("--page", metavar="N", type=int, help="the lesson's page to open (from 1; default 1)")


def lesson_from_args(args):
    """``(lesson, page)`` asked for by ``--lesson`` / ``--page``, checked; None without ``--lesson``; LabError in one
    line for an unknown lesson, a page it does not have, or options that do not go together."""
    if args.lesson is None:
        if args.page is not None:
            raise LabError("--page only goes with --lesson")
        return None
    if args.experiment is not None:
        raise LabError("--lesson and --experiment cannot both be given: a lesson brings its own experiments")
    from lab.lessons import load_lesson

    lesson = load_lesson(args.lesson)
    page = 1 if args.page is None else args.page
    lesson.page(page)
    return lesson, page
