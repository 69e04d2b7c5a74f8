import json

import numpy as np
import pytest

from lab.errors import LabError
from lab.experiment import FORMAT_VERSION, Experiment
from lab.files import atomic_write
from lab.race import RacerSpec

GOOD = {"objective": "rosenbrock", "params": {"b": 100}, "start": [-1.5, 2.0], "seed": 0, "steps": 200,
        "racers": [{"optimizer": "adam", "hyperparameters": {"lr": 0.01}, "label": "Adam"},
                   {"optimizer": "momentum", "hyperparameters": {"lr": 0.001, "rho": 0.9}, "label": "heavy ball",
                    "color": "#0072B2"}]}


def test_the_issue_example_loads_and_round_trips(tmp_path):
    exp = Experiment.from_dict(GOOD)
    assert exp.objective == "rosenbrock" and exp.params == {"b": 100} and exp.steps == 200
    assert exp.racers[1] == RacerSpec("momentum", {"lr": 0.001, "rho": 0.9}, "heavy ball", "#0072B2")
    path = exp.save(tmp_path / "e.json")
    again = Experiment.load(path)
    assert again == exp
    assert json.loads(path.read_text())["format_version"] == FORMAT_VERSION


def test_a_saved_experiment_reruns_bit_for_bit(tmp_path):
    exp = Experiment.from_dict(dict(GOOD, start=[-1.2345678901234567, 2.0000000000000004]))
    first = exp.build_race().run()
    exp.save(tmp_path / "e.json")
    second = Experiment.load(tmp_path / "e.json").build_race().run()
    for a, b in zip(first.tracks, second.tracks):
        assert a.positions.tobytes() == b.positions.tobytes()
        assert a.losses.tobytes() == b.losses.tobytes()


BROKEN = [
    ([], "expected a JSON object"),
    ({"start": [0, 0], "racers": []}, "missing key 'objective'"),
    (dict(GOOD, objective="banana"), "unknown objective 'banana'; choose one of: quadratic"),
    (dict(GOOD, start=[0, 0, 0]), "2 coordinates"),
    (dict(GOOD, start="0,0"), "start must be a list of numbers"),
    (dict(GOOD, start=[0, "a"]), "start[1] must be a finite number"),
    (dict(GOOD, steps=-3), "steps must be >= 0"),
    (dict(GOOD, steps="ten"), "steps must be a whole number"),
    (dict(GOOD, params={"b": -1}), "b=-1 is not allowed"),
    (dict(GOOD, params={"c": 1}), "has no parameter 'c'"),
    (dict(GOOD, racers={"optimizer": "adam"}), "racers must be a list"),
    (dict(GOOD, racers=[{"hyperparameters": {}}]), "racers[0]: missing key 'optimizer'"),
    (dict(GOOD, racers=[{"optimizer": "adam", "hyperparameters": {"beta1": 1.0}}]),
     "racers[0]: optimizer 'adam' parameter beta1=1.0 is not allowed: expected a finite number, 0 <= beta1 < 1"),
    (dict(GOOD, racers=[{"optimizer": "ada"}]), "racers[0]: unknown optimizer 'ada'; choose one of: sgd"),
    (dict(GOOD, racers=[{"optimizer": "adam", "label": 3}]), "racers[0]: label must be text"),
    (dict(GOOD, format_version=99), "format_version 99 is newer"),
    (dict(GOOD, format_version="1"), "format_version must be a whole number"),
    (dict(GOOD, tol=-1), "tol must be >= 0"),
    (dict(GOOD, seed=-1), "seed must be a whole number from 0 to 2**63 - 1, got -1"),
]


@pytest.mark.parametrize("data,message", BROKEN)
def test_broken_experiments_say_where(data, message):
    with pytest.raises(LabError) as err:
        Experiment.from_dict(data, "e.json")
    assert message in str(err.value) and str(err.value).startswith("e.json: ")


@pytest.mark.parametrize("text,message", [
    ('{"objective": "rosenbrock", "start": [1,', "not valid JSON at line 1, column 41"),
    ('{"objective": "rosenbrock", "start": [NaN, 1], "racers": []}', "NaN is not allowed"),
    ("", "not valid JSON at line 1, column 1"),
])
def test_corrupt_files(tmp_path, text, message):
    p = tmp_path / "e.json"
    p.write_text(text)
    with pytest.raises(LabError, match=message.replace("[", r"\[")):
        Experiment.load(p)


def test_missing_binary_and_folder_files(tmp_path):
    with pytest.raises(LabError, match="no such file"):
        Experiment.load(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(LabError, match="not a text file"):
        Experiment.load(tmp_path / "bin.json")
    with pytest.raises(LabError, match="folder"):
        Experiment.load(tmp_path)


def test_a_write_that_fails_midway_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "e.json"
    path.write_text("previous")

    def write_half_then_fail(fh):
        fh.write('{"objective": "rosen')
        raise OSError(28, "No space left on device")

    with pytest.raises(LabError, match="cannot write .*e.json: No space left on device"):
        atomic_write(path, write_half_then_fail)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]  # no temporary left behind
    Experiment.from_dict(GOOD).save(path)
    assert Experiment.load(path) == Experiment.from_dict(GOOD)


def test_saving_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(LabError, match="does not exist"):
        Experiment.from_dict(GOOD).save(tmp_path / "no" / "e.json")


def test_disabled_racer_and_colour_survive_the_round_trip(tmp_path):
    data = dict(GOOD, racers=[dict(GOOD["racers"][0], enabled=False, color="#D55E00")])
    exp = Experiment.from_dict(data)
    exp.save(tmp_path / "e.json")
    back = Experiment.load(tmp_path / "e.json")
    assert back.racers[0].enabled is False and back.racers[0].color == "#D55E00"
    assert back.build_race().tracks == []
    assert np.isfinite(back.tol)
