"""The race as a job: stepped in the worker thread, its rows sent to the window as copies.

The GUI thread never steps the race. ``RaceRunner.start`` hands the worker a ``RaceStepper`` (the race, a step
budget, a speed) as a ``Job``; it steps, and at most ``MAX_UPDATES_PER_SECOND`` times a second reports
``progress`` with copies of every row since the last message (``lab.views.snapshot``). The job ends with exactly one
of ``finished`` (the race is done or the budget spent), ``aborted`` (stopped on request: pause, reset, close) or
``errored``, each with a ``RunResult``; an aborted job never emits ``finished``. Stopping sets the job's flag,
checked before every step, and the runner waits (briefly: one step) for the worker to let go of the race, so that
the GUI may read or rebuild it right after ``stop()`` returns.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject

from lab.race import Race
from lab.views.snapshot import cheap_curvature, collect
from widgets.work.gil import yield_to_gui
from widgets.work.owner import JobRunner

MAX_UPDATES_PER_SECOND = 60
EXPENSIVE_CURVATURE_INTERVAL = 1.0
"""Seconds between Hessians at the racers' points when the dimension makes them expensive."""
EMIT_INTERVAL = 1.0 / MAX_UPDATES_PER_SECOND
KEPT_STEPPERS = 8
"""The runner remembers the last few jobs, to say how far one got if its error arrives after a newer one began."""


@dataclass
class RunResult:
    """How a job ended: its ids, the steps it took, the race's step count, whether the race is done, and why."""

    run_id: int
    generation: int
    steps: int
    step_count: int
    race_done: bool
    elapsed: float
    reason: str = ""


class RaceStepper:
    """The race job's function: step ``race`` up to ``budget`` steps at ``speed`` steps per second (0: as fast as
    possible; the GUI thread may change it while the job runs). ``sent`` holds, per track, how many rows the
    window already has."""

    def __init__(self, race: Race, budget: int, speed: float, sent: list[int], generation: int):
        self.race, self.budget, self.speed, self.sent, self.generation = race, budget, speed, sent, generation
        self.run_id = 0
        self.taken = 0
        self.started_at = time.perf_counter()

    def result(self, reason: str = "") -> RunResult:
        return RunResult(self.run_id, self.generation, self.taken, self.race.step_count, self.race.done,
                         time.perf_counter() - self.started_at, reason)

    def __call__(self, should_stop, progress) -> RunResult:
        race = self.race
        self.started_at = last_emit = time.perf_counter()
        pending = False
        cheap = cheap_curvature(race)
        last_curvature = -1e9

        def emit(final: bool = False) -> None:
            nonlocal last_curvature
            now = time.perf_counter()
            hessians = cheap or final or now - last_curvature >= EXPENSIVE_CURVATURE_INTERVAL
            if hessians:
                last_curvature = now
            progress(collect(race, self.sent, self.generation, now - self.started_at, self.taken, hessians,
                             pause=yield_to_gui))

        speed = self.speed
        base_t, base_k = self.started_at, 0
        stopped = False
        while not race.done and self.taken < self.budget:
            if should_stop():  # checked before every step (and the GUI thread's Python goes first)
                stopped = True
                break
            now = time.perf_counter()
            if self.speed != speed:  # the speed control moved: a new schedule from here
                speed, base_t, base_k = self.speed, now, self.taken
            if speed > 0:
                due_at = base_t + (self.taken - base_k) / speed
                if now < due_at:
                    if pending and now - last_emit >= EMIT_INTERVAL:
                        emit()
                        pending, last_emit = False, now
                    should_stop(min(due_at - now, EMIT_INTERVAL))
                    continue
            race.step(1)
            self.taken += 1
            pending = True
            now = time.perf_counter()
            if now - last_emit >= EMIT_INTERVAL:
                emit()
                pending, last_emit = False, now
        if pending:
            emit(final=True)
        return self.result("stopped" if stopped else "race done" if race.done else "steps done")


class RaceRunner(JobRunner):
    """Owns the race's worker thread. ``start`` hands a race to the worker; ``stop`` takes it back; ``shutdown``
    ends the thread. Every message is relayed (``RELAY_STALE``): the model tells runs apart by generation and id."""

    RELAY_STALE = True

    def __init__(self, parent: QObject | None = None):
        super().__init__("race-worker", parent)
        self._steppers: dict[int, RaceStepper] = {}

    def start(self, race: Race, budget: int, speed: float, sent: list[int], generation: int) -> int:
        """Start stepping ``race`` (at most ``budget`` steps) in the worker; returns the job's run id."""
        stepper = RaceStepper(race, int(budget), float(speed), sent, generation)
        stepper.run_id = self._next_id + 1  # the id start() gives it, known before the worker can read it
        self._steppers = {k: v for k, v in self._steppers.items() if k > stepper.run_id - KEPT_STEPPERS}
        self._steppers[stepper.run_id] = stepper
        return super().start(stepper)

    def set_speed(self, speed: float) -> None:
        stepper = self._job.fn if self._job is not None else None
        if isinstance(stepper, RaceStepper):
            stepper.speed = float(speed)

    def _partial(self, job_id: int, reason: str) -> RunResult | None:
        stepper = self._steppers.get(job_id)
        return None if stepper is None else stepper.result(reason)


__all__ = ["RaceRunner", "RaceStepper", "RunResult"]
