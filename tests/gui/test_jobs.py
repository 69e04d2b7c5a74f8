"""The one Job (widgets/work/): a function given should_stop and progress, run in a QThread; its lifecycle signals."""
import threading

import pytest

from widgets.work import live_threads
from widgets.work.job import fraction_progress
from widgets.work.owner import JobRunner
from widgets.work.view_jobs import ViewJobs


@pytest.fixture
def runner(qtbot):
    r = JobRunner("test-worker")
    yield r
    r.shutdown()
    assert r.thread.isFinished() and r not in live_threads._LIVE


def test_a_job_runs_in_the_worker_thread_and_reports_in_order(runner, qtbot):
    seen = {}

    def job(should_stop, progress):
        seen["thread"] = threading.current_thread()
        for k in range(3):
            progress(k)
        return "done"

    payloads, results = [], []
    runner.progress.connect(payloads.append)
    runner.finished.connect(results.append)
    with qtbot.waitSignals([runner.started, runner.progress, runner.finished], order="simple", timeout=5000):
        runner.start(job)
    assert results == ["done"]
    assert seen["thread"] is not threading.main_thread()
    qtbot.waitUntil(lambda: payloads == [0, 1, 2], timeout=2000)


def test_an_aborted_job_never_emits_finished(runner, qtbot):
    began = threading.Event()

    def job(should_stop, progress):
        began.set()
        steps = 0
        while not should_stop(0.01):
            steps += 1
        return steps

    with qtbot.waitSignal(runner.started, timeout=5000):
        runner.start(job)
    assert began.wait(5)
    with qtbot.assertNotEmitted(runner.finished, wait=200):
        with qtbot.waitSignal(runner.aborted, timeout=5000) as blocker:
            runner.cancel()
    assert isinstance(blocker.args[0], int)  # the partial result: how far it got
    assert not runner.busy


def test_a_job_stopped_before_it_began_is_aborted_without_starting(runner, qtbot):
    gate = threading.Event()
    runner.start(lambda should_stop, progress: gate.wait(5))  # holds the worker
    started = []
    runner.started.connect(started.append)
    second = runner._hand_over(lambda should_stop, progress: pytest.fail("ran although stopped"))
    second.stop.set()
    gate.set()
    assert second.done.wait(5)
    assert started == []  # neither the stale first job's relay nor the stopped one's


def test_an_error_is_errored_with_its_message_and_never_finished(runner, qtbot):
    def job(should_stop, progress):
        raise ValueError("bad input here")

    with qtbot.assertNotEmitted(runner.finished, wait=200):
        with qtbot.waitSignal(runner.errored, timeout=5000) as blocker:
            runner.start(job)
    partial, message = blocker.args
    assert partial is None and message.startswith("ValueError: bad input here")


def test_a_new_job_stops_the_running_one_and_only_the_new_ones_signals_arrive(runner, qtbot):
    def forever(should_stop, progress):
        while not should_stop(0.01):
            pass
        return "first"

    results = []
    runner.finished.connect(results.append)
    runner.aborted.connect(results.append)
    runner.start(forever)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(lambda should_stop, progress: "second")
    assert results == ["second"]  # the first job's abort belongs to a stale job: dropped


def test_fraction_progress_reports_fractions_and_always_the_end():
    got = []
    report = fraction_progress(got.append, per_second=1e9)
    for done in range(0, 11):
        report(done, 10)
    assert got == [done / 10 for done in range(0, 11)]
    rare = []
    report = fraction_progress(rare.append, per_second=1e-12)  # due once in 30 000 years: only the end
    for done in range(0, 11):
        report(done, 10)
    assert rare == [1.0]


def test_view_jobs_newest_request_per_key_wins(qtbot):
    jobs = ViewJobs()
    try:
        gate = threading.Event()
        done = []
        jobs.submit("k", lambda: gate.wait(5) and "first", done.append)
        jobs.submit("k", lambda: "second", done.append)
        jobs.submit("k", lambda: "third", done.append)  # replaces "second", which never runs
        assert jobs.busy("k") and not jobs.busy("other")
        gate.set()
        qtbot.waitUntil(lambda: done == ["first", "third"], timeout=5000)
        assert not jobs.busy()
    finally:
        jobs.shutdown()
    assert jobs.thread.isFinished() and jobs not in live_threads._LIVE
