"""The lesson file format: pages as experiments or changes, "try this" items, and one clear line for a broken file."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import main as cli_main
from lab.errors import LabError
from lab.lessons import DATA, lesson_names, load_lesson, read_lesson
from lab.limits import MAX_LESSON_BYTES, MAX_LESSON_PAGES

ROOT = Path(__file__).resolve().parents[1]

BASE = {
    "format_version": 1,
    "title": "Two racers",
    "pages": [
        {"title": "Start", "watch": "w1", "text": "t1", "question": "q1",
         "try": ["drag the start", {"text": "lr 0.05", "change": {"update": [{"racer": 1, "hyperparameters": {"lr": 0.05}}]}}],
         "experiment": {"objective": "quadratic", "params": {"kappa": 10}, "start": [-1.8, 1.2], "steps": 50,
                        "racers": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}, "label": "GD"},
                                   {"optimizer": "momentum", "hyperparameters": {"lr": 0.05, "rho": 0.9},
                                    "label": "M"}]}},
        {"title": "Change", "watch": "w2",
         "change": {"params": {"angle": 30}, "steps": 70, "start": [1, 1], "noise": 0.1, "seed": 3,
                    "update": [{"racer": 2, "hyperparameters": {"rho": 0.5}, "label": "M2"}],
                    "remove": [1], "add": [{"optimizer": "adam", "hyperparameters": {"lr": 0.1}, "label": "A"}]}},
        {"title": "Other objective", "watch": "w3", "change": {"objective": "saddle", "start": [-1.5, 0.5]}},
    ],
}


def write(tmp_path, data, name="lesson.json") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return p


def test_pages_apply_their_changes_in_order(tmp_path):
    lesson = load_lesson(write(tmp_path, BASE))
    assert (lesson.name, lesson.title, len(lesson.pages)) == ("lesson", "Two racers", 3)
    one, two, three = (lesson.experiment(n) for n in (1, 2, 3))
    assert [r.label for r in one.racers] == ["GD", "M"] and one.params == {"kappa": 10}
    assert two.params == {"kappa": 10, "angle": 30} and two.steps == 70 and two.start == [1.0, 1.0]
    assert (two.noise, two.seed) == (0.1, 3)
    assert [(r.optimizer, r.label, r.hyperparameters) for r in two.racers] == [
        ("momentum", "M2", {"lr": 0.05, "rho": 0.5}), ("adam", "A", {"lr": 0.1})]
    assert three.objective == "saddle" and three.params == {} and three.start == [-1.5, 0.5]
    assert [r.label for r in three.racers] == ["M2", "A"]
    page = lesson.page(1)
    assert (page.text, page.watch, page.question) == ("t1", "w1", "q1")
    assert page.tries[0].change is None and page.try_experiment(1).racers[0].hyperparameters == {"lr": 0.05}
    one.racers.clear()  # a fresh copy each time
    assert len(lesson.experiment(1).racers) == 2


def test_every_page_gives_a_ready_race(tmp_path):
    race = load_lesson(write(tmp_path, BASE)).experiment(2).build_race()
    race.run()
    assert race.step_count == 70 and len(race.tracks) == 2


def broken(**edits):
    data = copy.deepcopy(BASE)
    for path, value in edits.items():
        target = data
        keys = path.split("__")
        for k in keys[:-1]:
            target = target[int(k)] if k.isdigit() else target[k]
        last = keys[-1]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return data


BAD = [
    ("[1, 2]", "lesson.json: expected a JSON object at the top, got a list"),
    ('{"title": "a", "title": "b", "pages": []}', "lesson.json: the key 'title' is given twice in one object"),
    ('{"title": "a", "pages": [NaN]}', "lesson.json: NaN is not allowed"),
    ('{"title": "a", "pages": [', "lesson.json: not valid JSON at line 1"),
    (broken(title=KeyError), "lesson.json: missing key 'title'"),
    (broken(pages=[]), "lesson.json: pages must be a non-empty list of pages, got a list"),
    (broken(colour=1), "lesson.json: unknown key 'colour'; allowed: format_version, title, pages"),
    (broken(format_version=9), "lesson.json: format_version 9 is newer than this Optimizer Lab reads"),
    (broken(pages__0__watch=KeyError), "lesson.json: page 1: missing key 'watch'"),
    (broken(pages__0__watch=3), "lesson.json: page 1: watch must be text, got a number"),
    (broken(pages__1__experiment={}), "lesson.json: page 2: give either 'experiment' (a whole race) or 'change' "
                                      "(to the previous page), not both"),
    (broken(pages__0__experiment=KeyError), "lesson.json: page 1: give either 'experiment'"),
    (broken(pages__0__experiment__racers__0__optimizer="sgdd"), "lesson.json: page 1: experiment: racers[0]: "
                                                                "unknown optimizer 'sgdd'"),
    (broken(pages__1__change__update=[{"racer": 5}]), "lesson.json: page 2: change: update[0]: racer must be a racer "
                                                      "number from 1 to 2 (the previous page's racers), got 5"),
    (broken(pages__1__change__update=[{"racer": 2, "hyperparameters": {"lr": -1}}]),
     "lesson.json: page 2: racers[0]: optimizer 'momentum' parameter lr=-1 is not allowed"),
    (broken(pages__1__change__remove=[0]), "lesson.json: page 2: change: remove[0]: racer must be a racer number"),
    (broken(pages__1__change__speed=3), "lesson.json: page 2: change: unknown key 'speed'; allowed: objective"),
    (broken(pages__1__change__params={"kappa": 0}), "lesson.json: page 2: objective 'quadratic' parameter kappa=0"),
    (broken(pages__2__change__start=[1, 2, 3]), "lesson.json: page 3: start must have 2 coordinates"),
    (broken(pages__0__try=[{"text": "x", "change": {"steps": -1}}]), "lesson.json: page 1: try[0]: steps must be >= 0"),
    (broken(pages__0__try=[7]), "lesson.json: page 1: try[0]: expected text or an object"),
    (broken(pages__0__title="x" * 3000), "lesson.json: page 1: title: at most 2000 characters (MAX_LESSON_TEXT)"),
    (broken(pages=[BASE["pages"][0]] * (MAX_LESSON_PAGES + 1)), f"at most {MAX_LESSON_PAGES} pages in a lesson"),
    (broken(pages__0__change={"steps": 3}), "lesson.json: page 1: give either 'experiment'"),
]


@pytest.mark.parametrize("data, message", BAD, ids=range(len(BAD)))
def test_a_broken_lesson_is_one_line_naming_where(tmp_path, data, message):
    with pytest.raises(LabError) as info:
        load_lesson(write(tmp_path, data))
    text = str(info.value)
    assert "\n" not in text
    assert message in text.replace(str(tmp_path) + "/", "")


def test_files_are_read_through_the_guarded_reader(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(" " * (MAX_LESSON_BYTES + 1))
    with pytest.raises(LabError, match="MAX_LESSON_BYTES"):
        read_lesson(big)
    with pytest.raises(LabError, match="a folder"):
        load_lesson(tmp_path)
    with pytest.raises(LabError, match="no such file"):
        load_lesson(tmp_path / "missing.json")
    with pytest.raises(LabError, match="unknown lesson 'nope'; choose one of: gradient_check, learning_rate"):
        load_lesson("nope")
    with pytest.raises(LabError, match="lesson 'momentum' has pages 1 to 3, not 4"):
        load_lesson("momentum").page(4)


def test_shipped_lessons_are_package_data():
    assert sorted(p.name for p in DATA.glob("*.json"))[0] == "01_gradient_check.json"
    assert len(lesson_names()) >= 13
    text = (ROOT / "pyproject.toml").read_text()
    assert '"lab.lessons" = ["data/*.json"]' in text


def test_cli_lessons_json_has_exactly_name_title_pages(capsys):
    assert cli_main(["lessons", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [it["name"] for it in items] == lesson_names()
    for it in items:
        assert set(it) == {"name", "title", "pages"}
        assert it["pages"] == len(load_lesson(it["name"]).pages) and it["title"] == load_lesson(it["name"]).title
    assert cli_main(["lessons"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "PAGES", "TITLE"] and lines[1].split()[:2] == ["gradient_check", "2"]


def test_main_py_refuses_an_unknown_lesson_in_one_line():
    out = subprocess.run([sys.executable, "main.py", "--lesson", "nope", "--screenshot", "/tmp/x.png"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: unknown lesson 'nope'; choose one of: gradient_check") and \
        out.stderr.count("\n") == 1
    out = subprocess.run([sys.executable, "main.py", "--lesson", "momentum", "--page", "9", "--screenshot",
                          "/tmp/x.png"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr == "error: lesson 'momentum' has pages 1 to 3, not 9\n"


def test_the_documented_example_lesson_works_as_it_says(tmp_path):
    text = (ROOT / "docs" / "lessons.md").read_text(encoding="utf-8")
    example = text.split("```json\n", 1)[1].split("```", 1)[0]
    lesson = load_lesson(write(tmp_path, example, "my_lesson.json"))
    assert [p.title for p in lesson.pages] == ["Two learning rates", "Add momentum", "A narrower bowl"]
    status, when = {}, {}
    for n in (1, 2, 3):
        race = lesson.experiment(n).build_race()
        race.run()
        status[n] = {t.spec.label: str(t.status) for t in race.tracks}
        when[n] = {t.spec.label: t.status_step for t in race.tracks}
    assert status[1] == {"GD": "converged", "GD fast": "diverged"}
    assert status[2] == {"GD": "converged", "Momentum": "converged"}
    assert when[2]["Momentum"] < 70 and 170 < when[2]["GD"] < 190
    assert status[3] == {"GD": "diverged", "Momentum": "diverged"}
    tried = lesson.page(1).try_experiment(0)
    assert tried.racers[1].hyperparameters == {"lr": 0.2}
