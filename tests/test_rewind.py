"""Race.state_at / details_at: the state rebuilt from snapshots equals, bit for bit, the one the race held at step k."""
import numpy as np
import pytest

import lab.engine.replay as replay
from lab.engine.race import Race, RacerSpec
from lab.objectives import make_objective
from lab.stochastic import gradient_source
from tests.states import assert_same_state

RACERS = [RacerSpec("sgd", {"lr": 1e-3}), RacerSpec("momentum", {"lr": 1e-3, "weight_decay": 0.1}),
          RacerSpec("nesterov", {"lr": 1e-3}), RacerSpec("adagrad", {"lr": 0.1}), RacerSpec("rmsprop", {"lr": 0.01}),
          RacerSpec("adam", {"lr": 0.05, "amsgrad": True}),
          RacerSpec("adam", {"lr": 0.05, "schedule": "cosine", "t_max": 30, "clip_norm": 1.0}),
          RacerSpec("lion", {"lr": 0.01, "clip_value": 0.5}), RacerSpec("newton"), RacerSpec("lbfgs"),
          RacerSpec("sgd", {"lr": 0.01, "line_search": "armijo", "schedule": "step", "step_size": 5}),
          RacerSpec("qhm", {"lr": 1e-3}), RacerSpec("adadelta"), RacerSpec("nadam", {"lr": 0.01})]


def recorded(race):
    """Step the race one step at a time, keeping each racer's state and details as they were."""
    states = [[tr.state] for tr in race.tracks]
    details = [[race.details(i)] for i in range(len(race.tracks))]
    while not race.done:
        race.step()
        for i, tr in enumerate(race.tracks):
            if tr.steps == race.step_count:
                states[i].append(tr.state)
                details[i].append(race.details(i))
    return states, details


@pytest.mark.parametrize("objective, noise, floats", [
    ("rosenbrock", 0.0, True),          # the float path (Newton on the 2 × 2 rule, L-BFGS through update)
    ("rosenbrock", 0.5, False),         # gradient noise: the same draw for step j on replay
    ("linear_regression", 0.0, False),  # minibatches
    ("custom", 0.0, False),             # not float-safe: every racer through update
])
def test_state_and_details_at_every_step_equal_what_the_race_held(monkeypatch, objective, noise, floats):
    monkeypatch.setattr(replay, "SNAPSHOT_EVERY", 14)  # replays of 0 … 13 float steps, 0 … 6 updates
    monkeypatch.setattr(replay, "SNAPSHOT_EVERY_UPDATE", 7)
    obj = make_objective(objective)
    race = Race(obj, obj.start, RACERS, max_steps=40, gradient_source=gradient_source(obj, noise, 3))
    assert race._floats is floats
    states, details = recorded(race)
    for i, tr in enumerate(race.tracks):
        assert len(tr.snapshots) >= 1 + tr.steps // (14 if tr._floats is not None else 7)
        for k in range(tr.steps + 1):
            assert_same_state(race.state_at(i, k), states[i][k])
            got, want = race.details_at(i, k), details[i][k]
            assert got.keys() == want.keys()
            for key in want:
                np.testing.assert_array_equal(got[key], want[key])


def test_mlp_replays_through_update(monkeypatch):
    monkeypatch.setattr(replay, "SNAPSHOT_EVERY_UPDATE", 5)
    obj = make_objective("mlp")
    race = Race(obj, obj.start, [RacerSpec("adam", {"lr": 0.01}), RacerSpec("rmsprop", {"lr": 0.01})], max_steps=12,
                gradient_source=gradient_source(obj, 0.0, 0))
    states, _ = recorded(race)
    for i in range(2):
        for k in (0, 3, 5, 9, 12):
            assert_same_state(race.state_at(i, k), states[i][k])


def test_a_racer_that_leaves_the_float_path_replays_through_update_from_there(monkeypatch):
    monkeypatch.setattr(replay, "SNAPSHOT_EVERY", 1000)
    monkeypatch.setattr(replay, "SNAPSHOT_EVERY_UPDATE", 1000)
    obj = make_objective("rosenbrock")
    race = Race(obj, obj.start, [RacerSpec("adam", {"lr": 0.05})], max_steps=30)
    tr = race.tracks[0]
    race.step(10)
    before = tr.state
    real = tr._floats

    class Raising:  # the float rule raising once (as ÷ 0 on floats would), as the race meets it
        def __getattr__(self, name):
            return getattr(real, name)

        def step2(self, *args):
            raise ZeroDivisionError

    tr._floats = Raising()
    race.step()
    assert tr._floats is None and tr.snapshots.steps == [0, 10] and tr.snapshots.floats == [True, False]
    states = {10: before, 11: tr.state}
    for k in range(12, 31):
        race.step()
        states[k] = tr.state
    for k, state in states.items():
        assert_same_state(race.state_at(0, k), state)


@pytest.mark.parametrize("i, k, message", [
    (0, 41, "step must be a whole number from 0 to 40"), (0, -1, "from 0 to 40"), (0, 2.0, "from 0 to 40"),
    (3, 0, "racer must be a whole number from 0 to 0"), (-1, 0, "from 0 to 0"), (True, 0, "racer must be")])
def test_bad_racer_or_step_names_the_range(i, k, message):
    obj = make_objective("quadratic")
    race = Race(obj, obj.start, [RacerSpec("sgd", {"lr": 0.01})], max_steps=40).run()
    with pytest.raises(ValueError, match=message):
        race.state_at(i, k)
    with pytest.raises(ValueError, match=message):
        race.details_at(i, k)


def test_snapshots_every_1024_float_steps_and_every_128_updates():
    obj = make_objective("rosenbrock")
    race = Race(obj, obj.start, [RacerSpec("adam", {"lr": 0.01}), RacerSpec("lbfgs")], max_steps=1100, tol=0.0).run()
    adam, lbfgs = race.tracks
    assert adam._floats is not None and lbfgs._floats is None  # lbfgs steps through update even on the float path
    assert adam.snapshots.steps == [0, 1024] and lbfgs.snapshots.steps == list(range(0, 1100, 128))
    assert replay.SNAPSHOT_EVERY % replay.SNAPSHOT_EVERY_UPDATE == 0
