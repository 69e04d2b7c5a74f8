"""The race runs here, in a QThread: a worker QObject (no parent) moved to the thread, and the runner that drives it.

The GUI thread never steps the race. It hands the worker a ``Job`` (the race, a step budget, a speed) through a
queued signal; the worker steps, and at most ``MAX_UPDATES_PER_SECOND`` times a second emits ``progress`` with
copies of every row since the last message. A job ends with exactly one of ``finished`` (the race is done or the
budget spent), ``aborted`` (stopped on request: pause, reset, close) or ``errored``; an aborted job never emits
``finished``. Stopping sets the job's flag, checked before every step, and the runner waits (briefly: one step)
for the worker to let go of the race, so that the GUI may read or rebuild it right after ``stop()`` returns.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal, Slot

from lab.race import Race
from widgets.work.gil import yield_to_gui
from lab.views.snapshot import cheap_curvature, collect
from widgets.work.owner import JobOwner

MAX_UPDATES_PER_SECOND = 60
EXPENSIVE_CURVATURE_INTERVAL = 1.0
"""Seconds between Hessians at the racers' points when the dimension makes them expensive."""
EMIT_INTERVAL = 1.0 / MAX_UPDATES_PER_SECOND



@dataclass
class Job:
    """One run of the worker: step ``race`` up to ``budget`` steps at ``speed`` steps per second (0: as fast as
    possible). ``sent`` holds, per track, how many rows the window already has. The flags are thread-safe."""

    race: Race
    budget: int
    speed: float
    sent: list[int]
    generation: int = 0
    run_id: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


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


class RaceWorker(QObject):
    """Steps a race in its own thread. Create it without a parent, then ``moveToThread``."""

    started = Signal(int)          # run_id
    progress = Signal(object)      # lab.views.snapshot.Progress
    finished = Signal(object)      # RunResult: the race is done, or the job's budget is spent
    aborted = Signal(object)       # RunResult: stopped on request
    errored = Signal(object, str)  # RunResult, message

    @Slot(object)
    def run(self, job: Job) -> None:
        started_at = last_emit = time.perf_counter()
        taken, pending = 0, False
        race = job.race
        cheap = cheap_curvature(race)
        last_curvature = -1e9

        def emit(final: bool = False) -> None:
            nonlocal last_curvature
            now = time.perf_counter()
            hessians = cheap or final or now - last_curvature >= EXPENSIVE_CURVATURE_INTERVAL
            if hessians:
                last_curvature = now
            self.progress.emit(collect(race, job.sent, job.generation, now - started_at, taken, hessians,
                                       pause=yield_to_gui))

        def result(reason: str = "") -> RunResult:
            return RunResult(job.run_id, job.generation, taken, race.step_count, race.done,
                             time.perf_counter() - started_at, reason)

        try:
            self.started.emit(job.run_id)
            speed = job.speed
            base_t, base_k = started_at, 0
            while not job.stop.is_set() and not race.done and taken < job.budget:
                now = time.perf_counter()
                if job.speed != speed:  # the speed control moved: a new schedule from here
                    speed, base_t, base_k = job.speed, now, taken
                if speed > 0:
                    due_at = base_t + (taken - base_k) / speed
                    if now < due_at:
                        if pending and now - last_emit >= EMIT_INTERVAL:
                            emit()
                            pending, last_emit = False, now
                        job.stop.wait(min(due_at - now, EMIT_INTERVAL))
                        continue
                yield_to_gui()  # the GUI thread's Python work goes first (widgets/gil.py)
                race.step(1)
                taken += 1
                pending = True
                now = time.perf_counter()
                if now - last_emit >= EMIT_INTERVAL:
                    emit()
                    pending, last_emit = False, now
            if pending:
                emit(final=True)
            if job.stop.is_set():
                self.aborted.emit(result("stopped"))
            else:
                self.finished.emit(result("race done" if race.done else "steps done"))
        except Exception as exc:  # never let an exception kill the thread's event loop silently
            self.errored.emit(result("error"), f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}")
        finally:
            job.done.set()


class RaceRunner(JobOwner):
    """Owns the worker thread. ``start`` hands a race to the worker; ``stop`` takes it back; ``shutdown`` ends the thread.

    The runner lives in the GUI thread and relays the worker's signals (a queued signal-to-signal connection), so
    whatever connects to ``runner.finished`` & co. runs in the GUI thread, in the order the worker emitted them.
    Connect to these, not to ``runner.worker``'s: a plain Python callable connected to the worker's signal would
    run in the worker thread.
    """

    _requested = Signal(object)
    started = Signal(int)
    progress = Signal(object)
    finished = Signal(object)
    aborted = Signal(object)
    errored = Signal(object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(RaceWorker(), "race-worker", parent)
        for name in ("started", "progress", "finished", "aborted", "errored"):
            getattr(self.worker, name).connect(getattr(self, name), Qt.ConnectionType.QueuedConnection)

    @property
    def job(self) -> Job | None:
        return self._job

    def start(self, race: Race, budget: int, speed: float, sent: list[int], generation: int) -> int:
        """Start stepping ``race`` (at most ``budget`` steps) in the worker; returns the job's run id."""
        return self._submit(lambda run_id: Job(race, int(budget), float(speed), sent, generation, run_id))

    def set_speed(self, speed: float) -> None:
        if self._job is not None:
            self._job.speed = float(speed)

    def wait(self, timeout: float = 5.0) -> bool:
        """Wait (without stopping it) until the current job ends; True if it has."""
        job = self._job
        return job is None or job.done.wait(timeout)

