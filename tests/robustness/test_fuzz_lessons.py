"""Lesson files fuzzed (issue 21: every new surface): the shipped lessons, mutated — a key dropped, a value replaced
by a value of another type, an absurd number, a string where a list goes, a page duplicated past the limit — and
random bytes, are either a lesson whose every page builds or one LabError line; never another exception."""
import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.errors import LabError
from lab.lessons import DATA, load_lesson
from tests.robustness.test_fuzz_inputs import FUZZ

SHIPPED = sorted(DATA.glob("*.json"))
ODD = [None, True, 0, -1, 1e308, -1e308, 2**70, "", "x", "nope", [], {}, [1, 2], {"a": 1}, "1e400", 0.5,
       "momentum", {"racer": 99}, [{"racer": 0}], "\x00", "é" * 3000]
EXAMPLES = int(os.environ.get("ROBUSTNESS_LESSON_EXAMPLES", "60"))


def paths(tree, prefix=()):
    """Every (path, value) in a JSON tree."""
    yield prefix, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from paths(v, prefix + (i,))


def mutated(tree, path, how, value):
    tree = json.loads(json.dumps(tree))
    *head, last = path
    parent = tree
    for key in head:
        parent = parent[key]
    if how == "drop":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.extend([parent[last]] * 60)
    else:
        parent[last] = value
    return tree


def check(text: str, tmp_path) -> None:
    path = tmp_path / "lesson.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        lesson = load_lesson(str(path))
    except LabError as exc:
        assert "\n" not in str(exc) and str(exc), str(exc)
        return
    for n in range(1, len(lesson.pages) + 1):  # a lesson that loads builds every page
        lesson.experiment(n).make_objective()


@settings(FUZZ, max_examples=min(FUZZ.max_examples, EXAMPLES))
@given(st.data())
def test_mutated_shipped_lessons_load_or_are_refused_in_one_line(tmp_path_factory, data):
    source = data.draw(st.sampled_from(SHIPPED), label="lesson")
    tree = json.loads(source.read_text(encoding="utf-8"))
    where = [p for p, _ in paths(tree) if p]
    path = data.draw(st.sampled_from(where), label="path")
    how = data.draw(st.sampled_from(["drop", "replace", "duplicate"]), label="how")
    value = data.draw(st.sampled_from(ODD), label="value")
    check(json.dumps(mutated(tree, path, how, value)), tmp_path_factory.mktemp("lesson"))


@settings(FUZZ, max_examples=min(FUZZ.max_examples, EXAMPLES))
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_in_one_line(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("lesson") / "lesson.json"
    path.write_bytes(blob)
    try:
        load_lesson(str(path))
    except LabError as exc:
        assert "\n" not in str(exc)
