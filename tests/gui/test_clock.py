"""The redraw clock (widgets/work/redraw_clock.py): halves, tables, and holding the worker while a tick's paints
happen."""
import threading
import time
from types import SimpleNamespace

import pytest

from widgets.work import gil
from widgets.work.redraw_clock import HOLD_MAX_MS, TABLE_INTERVAL, RedrawClock


@pytest.fixture
def clock():
    """A clock of its own; stopped afterwards (the worker's hold is global: a stray clock must not release it)."""
    c = RedrawClock()
    yield c
    c.stop()
    c.deleteLater()


class FakeView:
    """Redraws on its half's ticks when dirty, and (if ``paints``) expects a paint, like the plots do; stands
    in for a widget on the screen."""

    def __init__(self, clock: RedrawClock, half: int, paints: bool = True):
        self.clock, self.half, self.paints = clock, half, paints
        self.shown = True
        self.dirty, self.drawn, self.at = False, [], []
        clock.tick.connect(self.on_tick)

    def change(self):
        self.dirty = True
        self.clock.request(half=self.half)

    def on_tick(self):
        if not self.dirty:
            return
        if not self.clock.my_turn(self.half):
            self.clock.request(half=self.half)
            return
        self.dirty = False
        self.drawn.append(self.clock.ticks)
        self.at.append(time.perf_counter())
        if self.paints:
            self.clock.expect_paint(self)


    # what the clock asks of a widget before it waits for the widget's paint
    def isVisible(self):
        return self.shown

    def width(self):
        return 100

    def height(self):
        return 100

    def window(self):
        return self

    def isMinimized(self):
        return False


class FakeTable:
    def __init__(self, clock: RedrawClock):
        self.clock, self.refreshed = clock, []
        self.dirty = False
        clock.tick.connect(self.on_tick)

    def on_tick(self):
        if self.dirty and self.clock.table_due(self):
            self.dirty = False
            self.refreshed.append((self.clock.ticks, time.perf_counter()))


def test_both_halves_redraw_on_consecutive_ticks_and_the_worker_is_held_until_the_paints(qtbot, clock):
    a, b = FakeView(clock, 0), FakeView(clock, 1)
    a.change()
    b.change()
    qtbot.waitUntil(lambda: bool(a.drawn), timeout=2000)
    assert not gil._idle.is_set()  # the tick expects a paint: the worker is held
    clock.note_cost(1.0, a)        # the paint came
    assert gil._idle.is_set()
    qtbot.waitUntil(lambda: bool(b.drawn), timeout=2000)
    assert b.drawn[0] == a.drawn[0] + 1  # the very next tick was the other half's
    clock.note_cost(1.0, b)
    # only half 1 changes again: its tick comes next, it does not wait for a half-0 tick in between
    b.change()
    qtbot.waitUntil(lambda: len(b.drawn) == 2, timeout=2000)
    assert b.drawn[1] == b.drawn[0] + 1
    clock.note_cost(1.0, b)


def test_a_paint_that_never_comes_releases_the_worker_after_hold_max(qtbot, clock):
    a = FakeView(clock, 0)
    a.change()
    qtbot.waitUntil(lambda: bool(a.drawn), timeout=2000)
    assert not gil._idle.is_set()
    qtbot.waitUntil(gil._idle.is_set, timeout=2000)
    assert time.perf_counter() - a.at[0] >= 0.9 * HOLD_MAX_MS / 1000


def test_tables_refresh_one_a_tick_and_at_most_every_table_interval(qtbot, clock):
    t1, t2 = FakeTable(clock), FakeTable(clock)
    for _ in range(3):
        t1.dirty = t2.dirty = True
        clock.request()
        qtbot.waitUntil(lambda: not t1.dirty and not t2.dirty, timeout=3000)
    ticks = [k for k, _ in t1.refreshed] + [k for k, _ in t2.refreshed]
    assert len(ticks) == len(set(ticks)) == 6  # never two tables on one tick
    for table in (t1, t2):
        times = [s for _, s in table.refreshed]
        assert all(b - a >= 0.95 * TABLE_INTERVAL for a, b in zip(times, times[1:]))
    assert gil._idle.is_set()  # tables expect no paint: nothing holds the worker


def test_a_view_that_cannot_be_painted_does_not_hold_the_worker(qtbot, clock):
    a = FakeView(clock, 0)
    a.shown = False  # hidden, collapsed or minimized: Qt will not paint it
    a.change()
    qtbot.waitUntil(lambda: bool(a.drawn), timeout=2000)
    assert gil._idle.is_set() and not clock._hold_timer.isActive()


def test_a_hold_nobody_releases_lets_the_worker_go_when_its_time_is_up(monkeypatch):
    """A window closed in the middle of a redraw never releases its hold: the worker waits out the hold's time,
    not MAX_WAIT at every step for the rest of the process. (The waits are counted on a clock of the test's own.)"""
    now = [100.0]

    class CountedIdle(threading.Event):
        """gil's 'GUI thread idle' flag; a wait passes its whole timeout on the test's clock and is recorded."""

        def __init__(self):
            super().__init__()
            self.waits = []

        def wait(self, timeout=None):
            self.waits.append(timeout)
            now[0] += timeout
            return self.is_set()

    idle = CountedIdle()
    idle.set()
    monkeypatch.setattr(gil, "_idle", idle)
    monkeypatch.setattr(gil, "time", SimpleNamespace(monotonic=lambda: now[0]))
    gil.hold(0.02)
    gil.yield_to_gui()
    assert idle.waits == [pytest.approx(0.02)] and 0.02 < gil.MAX_WAIT  # the hold's time, not MAX_WAIT
    for _ in range(100):
        gil.yield_to_gui()  # the hold's time is up: no more waiting
    assert len(idle.waits) == 1
    gil.release()
    assert idle.is_set()
