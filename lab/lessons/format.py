"""The lesson file format: a title and pages, each page an experiment or a change to the previous page's, with its text.

A lesson file is JSON (unique keys, finite numbers; at most MAX_LESSON_BYTES)::

    {"format_version": 1,
     "title": "Gradient descent: the learning rate",
     "pages": [
       {"title": "Too small, right, too large",
        "text": "f = ½ xᵀAx with λ = 1 and 10.",              # optional: what the page shows
        "watch": "The green path zig-zags but arrives.",       # required: what to watch
        "question": "Why does lr = 0.21 blow up?",             # optional: a question for the class
        "try": [{"text": "lr = 0.19 for GD lr=0.21", "change": {"update": [{"racer": 3, "hyperparameters": {"lr": 0.19}}]}},
                "Drag the start point."],                      # optional: "try this" (a change, or words only)
        "experiment": {... an experiment, lab/experiment.py ...}},
       {"title": "Just below 2/λmax",
        "watch": "...",
        "change": {"update": [{"racer": 3, "hyperparameters": {"lr": 0.19}, "label": "GD lr=0.19"}]}}]}

The first page has ``experiment``; every other page has either ``experiment`` or ``change``. A change (every key
optional) is applied to the previous page's experiment, in this order:

- ``objective``: another objective (its ``params`` start empty: the defaults); ``params``: merged into the params;
- ``start``, ``steps``, ``seed``, ``noise``, ``tol``, ``bound``: replaced;
- ``update``: a list of ``{"racer": N, ...}`` (N counts from 1 in the previous page's racers) with any of
  ``hyperparameters`` (merged), ``optimizer`` (its hyperparameters then start empty), ``label``, ``color``,
  ``enabled``;
- ``remove``: a list of racer numbers N (of the previous page) to take out;
- ``add``: a list of racers (objects as in an experiment's ``racers``) appended.

A "try this" change is applied the same way to its page's experiment. Every page's experiment is built and checked
when the lesson is read; a broken lesson is one LabError naming the file, the page and the key.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from lab.errors import LabError
from lab.experiment import Experiment
from lab.limits import MAX_LESSON_PAGES, MAX_LESSON_TEXT, MAX_LESSON_TRIES

FORMAT_VERSION = 1
PAGE_KEYS = ("title", "text", "watch", "question", "try", "experiment", "change")
CHANGE_KEYS = ("objective", "params", "start", "steps", "seed", "noise", "tol", "bound", "update", "remove", "add")
UPDATE_KEYS = ("racer", "optimizer", "hyperparameters", "label", "color", "enabled")
_REPLACED = ("start", "steps", "seed", "noise", "tol", "bound")


@dataclass(frozen=True)
class Try:
    """A "try this" item: its words and, when it can be done with a click, the change it makes to its page."""

    text: str
    change: dict | None = None


@dataclass(frozen=True)
class Page:
    """One page of a lesson: its words and its experiment (``experiment``: a fresh copy each time asked)."""

    number: int
    title: str
    watch: str
    text: str = ""
    question: str = ""
    tries: tuple[Try, ...] = ()
    change: dict | None = None  # what this page changes on the previous one (None: a whole experiment)
    resolved: dict | None = None  # the page's experiment as a checked dict (Experiment.to_dict)

    @property
    def experiment(self) -> Experiment:
        """The page's experiment, ready to race (a new object each time: change it freely)."""
        return Experiment.from_dict(copy.deepcopy(self.resolved))

    def try_experiment(self, i: int) -> Experiment:
        """The page's experiment with "try this" item ``i``'s change applied (0-based; LabError if it has none)."""
        if not 0 <= i < len(self.tries) or self.tries[i].change is None:
            raise LabError(f"page {self.number}: try item {i} has no change to apply")
        return Experiment.from_dict(apply_change(self.resolved, self.tries[i].change, f"page {self.number}: try"))


@dataclass(frozen=True)
class Lesson:
    """A guided lesson: a title and pages numbered from 1. ``experiment(n)`` is page n's race, ready to run."""

    name: str
    title: str
    pages: tuple[Page, ...]
    source: str = ""

    def page(self, n: int) -> Page:
        """Page ``n`` (1-based), or LabError naming the allowed pages."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(self.pages):
            raise LabError(f"lesson {self.name!r} has pages 1 to {len(self.pages)}, not {n!r}")
        return self.pages[n - 1]

    def experiment(self, n: int) -> Experiment:
        """Page ``n``'s experiment (1-based): every change up to it applied."""
        return self.page(n).experiment


def parse_lesson(data, name: str, where: str) -> Lesson:
    """A checked lesson from parsed JSON; LabError ``where: page N: key: what is wrong`` otherwise."""
    if not isinstance(data, dict):
        raise LabError(f"{where}: expected a JSON object at the top, got {_kind(data)}")
    _only(data, ("format_version", "title", "pages"), where)
    version = data.get("format_version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise LabError(f"{where}: format_version must be a whole number >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        raise LabError(f"{where}: format_version {version} is newer than this Optimizer Lab reads "
                       f"(up to {FORMAT_VERSION}); update Optimizer Lab")
    title = _text(data, "title", where, required=True)
    pages = data.get("pages")
    if not isinstance(pages, list) or not pages:
        raise LabError(f"{where}: pages must be a non-empty list of pages, got {_kind(pages)}")
    if len(pages) > MAX_LESSON_PAGES:
        raise LabError(f"{where}: pages: at most {MAX_LESSON_PAGES} pages in a lesson (MAX_LESSON_PAGES), "
                       f"got {len(pages)}")
    out: list[Page] = []
    previous: dict | None = None
    for i, raw in enumerate(pages, start=1):
        page = _page(raw, i, previous, f"{where}: page {i}")
        out.append(page)
        previous = page.resolved
    return Lesson(name, title, tuple(out), where)


def apply_change(experiment: dict, change, where: str) -> dict:
    """``experiment`` (an experiment as a dict) with ``change`` applied (see the module's doc); a new dict,
    checked by building it as an Experiment. LabError ``where: change: key: ...``."""
    at = f"{where}: change"
    if not isinstance(change, dict):
        raise LabError(f"{at}: expected an object, got {_kind(change)}")
    _only(change, CHANGE_KEYS, at)
    out = copy.deepcopy(experiment)
    if "objective" in change:
        out["objective"], out["params"] = change["objective"], {}
    if "params" in change:
        if not isinstance(change["params"], dict):
            raise LabError(f"{at}: params must be an object, got {_kind(change['params'])}")
        out["params"] = {**out.get("params", {}), **change["params"]}
    for key in _REPLACED:
        if key in change:
            out[key] = change[key]
    racers = out["racers"]
    count = len(racers)
    for j, item in enumerate(_list(change, "update", at)):
        here = f"{at}: update[{j}]"
        if not isinstance(item, dict):
            raise LabError(f"{here}: expected an object, got {_kind(item)}")
        _only(item, UPDATE_KEYS, here)
        racer = dict(racers[_racer_number(item.get("racer"), count, here) - 1])
        if "optimizer" in item:
            racer["optimizer"], racer["hyperparameters"] = item["optimizer"], {}
        if "hyperparameters" in item:
            if not isinstance(item["hyperparameters"], dict):
                raise LabError(f"{here}: hyperparameters must be an object, got {_kind(item['hyperparameters'])}")
            racer["hyperparameters"] = {**racer.get("hyperparameters", {}), **item["hyperparameters"]}
        for key in ("label", "color", "enabled"):
            if key in item:
                racer[key] = item[key]
        racers[item["racer"] - 1] = racer
    removed = set()
    for j, n in enumerate(_list(change, "remove", at)):
        removed.add(_racer_number(n, count, f"{at}: remove[{j}]"))
    racers = [r for k, r in enumerate(racers, start=1) if k not in removed]
    racers += copy.deepcopy(_list(change, "add", at))
    out["racers"] = racers
    return Experiment.from_dict(out, where).to_dict()


def _page(raw, number: int, previous: dict | None, where: str) -> Page:
    if not isinstance(raw, dict):
        raise LabError(f"{where}: expected an object, got {_kind(raw)}")
    _only(raw, PAGE_KEYS, where)
    has_exp, has_change = "experiment" in raw, "change" in raw
    if has_exp == has_change:
        raise LabError(f"{where}: give either 'experiment' (a whole race) or 'change' (to the previous page), "
                       "not " + ("both" if has_exp else "neither"))
    if has_change and previous is None:
        raise LabError(f"{where}: the first page needs an 'experiment' ('change' changes a previous page)")
    if has_exp:
        resolved = Experiment.from_dict(raw["experiment"], f"{where}: experiment").to_dict()
    else:
        resolved = apply_change(previous, raw["change"], where)
    tries = []
    raw_tries = _list(raw, "try", where)
    if len(raw_tries) > MAX_LESSON_TRIES:
        raise LabError(f"{where}: try: at most {MAX_LESSON_TRIES} items (MAX_LESSON_TRIES), got {len(raw_tries)}")
    for j, item in enumerate(raw_tries):
        here = f"{where}: try[{j}]"
        if isinstance(item, str):
            tries.append(Try(_check_text(item, here)))
            continue
        if not isinstance(item, dict):
            raise LabError(f"{here}: expected text or an object {{\"text\", \"change\"}}, got {_kind(item)}")
        _only(item, ("text", "change"), here)
        text = _text(item, "text", here, required=True)
        change = item.get("change")
        if change is not None:
            apply_change(resolved, change, here)  # checked now: a click on it must never fail
        tries.append(Try(text, copy.deepcopy(change)))
    return Page(number, _text(raw, "title", where, required=True), _text(raw, "watch", where, required=True),
                _text(raw, "text", where), _text(raw, "question", where), tuple(tries),
                copy.deepcopy(raw["change"]) if has_change else None, resolved)


def _text(data: dict, key: str, where: str, required: bool = False) -> str:
    if key not in data:
        if required:
            raise LabError(f"{where}: missing key {key!r}")
        return ""
    return _check_text(data[key], f"{where}: {key}")


def _check_text(value, where: str) -> str:
    if not isinstance(value, str):
        raise LabError(f"{where} must be text, got {_kind(value)}")
    if len(value) > MAX_LESSON_TEXT:
        raise LabError(f"{where}: at most {MAX_LESSON_TEXT} characters (MAX_LESSON_TEXT), got {len(value)}")
    return value


def _list(data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise LabError(f"{where}: {key} must be a list, got {_kind(value)}")
    return value


def _racer_number(n, count: int, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= count:
        raise LabError(f"{where}: racer must be a racer number from 1 to {count} (the previous page's racers), "
                       f"got {n!r}")
    return n


def _only(data: dict, allowed: tuple, where: str) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        shown = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:37] + "..."
        raise LabError(f"{where}: unknown key {shown!r}; allowed: {', '.join(allowed)}")


def _kind(v) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "nothing (null)"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__)


__all__ = ["CHANGE_KEYS", "FORMAT_VERSION", "Lesson", "PAGE_KEYS", "Page", "Try", "apply_change", "parse_lesson"]
