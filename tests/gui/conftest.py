"""GUI test fixtures: settings redirected to a temporary file, a window with a fast race."""
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def collection_given_back():
    """A window makes the GUI thread the only one that collects cyclic garbage (widgets/work/gc_in_gui.py); when a
    test's windows are closed (this fixture's teardown runs after qtbot's), collection is Python's again, so the
    tests that follow (the headless ones among them) run as they would alone."""
    yield
    from widgets.work.gc_in_gui import release

    release()


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Every test (and every subprocess it starts) reads and writes settings in its own file, never the user's."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("OPTIMIZER_LAB_SETTINGS", str(path))
    return path


@pytest.fixture
def window(qtbot):
    from widgets.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.model.set_speed(0)  # as fast as possible: tests wait on signals, never on the clock
    yield w
    w.close()
    assert w.model.runner.thread.isFinished()


@pytest.fixture
def small(window):
    """The window on the quadratic bowl, lecture set, 200 steps: a race that ends in a few milliseconds."""
    window.model.set_objective("quadratic")
    window.model.use_lecture_set()
    window.model.set_max_steps(200)
    return window



THREAD_TROUBLE = ("another thread", "Destroyed while thread", "QThread:")


@pytest.fixture(autouse=True)
def no_thread_warnings(qtlog):
    """Fail any GUI test during which Qt complained about threads (timers stopped cross-thread, live QThreads)."""
    yield
    bad = [r.message for r in qtlog.records if any(t in r.message for t in THREAD_TROUBLE)]
    assert not bad, bad
