"""Guided lessons, one per idea of the lecture: the shipped ones by name, a teacher's own from a file. Imports no Qt.

    from lab.lessons import load_lesson
    lesson = load_lesson("learning_rate")          # a shipped lesson, or a path to a lesson file (.json)
    lesson.title, len(lesson.pages)
    race = lesson.experiment(2).build_race()       # page 2 (1-based): every change up to it applied
    race.run()

The shipped lessons are package data, ``lab/lessons/data/NN_name.json`` (NN their order in the lecture); the file
format is in lab/lessons/format.py and docs/lessons.md.
"""
from __future__ import annotations

import re
from pathlib import Path

from lab.errors import LabError
from lab.experiment import parse_json
from lab.files import read_text, shown
from lab.lessons.format import FORMAT_VERSION, Lesson, Page, Try, apply_change, parse_lesson
from lab.limits import MAX_LESSON_BYTES

DATA = Path(__file__).with_name("data")
_FILE = re.compile(r"^(\d+)_([a-z0-9_]+)\.json$")


def _shipped() -> dict[str, Path]:
    found = sorted((int(m.group(1)), m.group(2), p) for p in DATA.glob("*.json") if (m := _FILE.match(p.name)))
    return {name: path for _, name, path in found}


def lesson_names() -> list[str]:
    """The shipped lessons' names, in the lecture's order."""
    return list(_shipped())


def load_lesson(name_or_path) -> Lesson:
    """A shipped lesson by name (``lesson_names()``), or a lesson file by path; every page checked.

    LabError in one line naming where a file is broken (``file: page 2: change: update[0]: ...``), or, for a name
    that is neither, the names allowed.
    """
    shipped = _shipped()
    text = str(name_or_path)
    if text in shipped:
        return read_lesson(shipped[text], text, where=text)
    path = Path(text)
    if path.suffix.lower() == ".json" or path.exists() or "/" in text or "\\" in text:
        return read_lesson(path, path.stem)
    raise LabError(f"unknown lesson {text!r}; choose one of: {', '.join(shipped)} (or give a lesson file, .json)")


def read_lesson(path, name: str | None = None, where: str | None = None) -> Lesson:
    """The lesson in the file ``path`` (through lab.files' guarded reader, at most MAX_LESSON_BYTES)."""
    where = where or shown(Path(path))
    text = read_text(path, MAX_LESSON_BYTES, "MAX_LESSON_BYTES", "lesson file")
    return parse_lesson(parse_json(text, where, "a lesson file"), name or Path(path).stem, where)


def catalog() -> list[dict]:
    """``{"name", "title", "pages"}`` of every shipped lesson, in order, from their files' JSON alone (quick: no
    experiment is built; ``load_lesson`` checks them)."""
    out = []
    for name, path in _shipped().items():
        data = parse_json(read_text(path, MAX_LESSON_BYTES, "MAX_LESSON_BYTES", "lesson file"), name, "a lesson file")
        pages = data.get("pages") if isinstance(data, dict) else None
        title = data.get("title") if isinstance(data, dict) else None
        out.append({"name": name, "title": title if isinstance(title, str) else name,
                    "pages": len(pages) if isinstance(pages, list) else 0})
    return out


def all_lessons() -> list[Lesson]:
    """Every shipped lesson, read and checked, in order."""
    return [load_lesson(name) for name in lesson_names()]


__all__ = ["DATA", "FORMAT_VERSION", "Lesson", "Page", "Try", "all_lessons", "catalog", "apply_change", "lesson_names",
           "load_lesson", "read_lesson"]
