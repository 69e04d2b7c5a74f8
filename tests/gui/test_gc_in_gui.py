"""Cyclic garbage is collected in the GUI thread only while a window lives (widgets/work/gc_in_gui.py): a
collection in a worker thread once destroyed an old window's Qt objects there and deadlocked with the GUI thread."""
import gc
import threading


def test_a_worker_that_allocates_never_collects_and_the_gui_thread_does(window, qtbot):
    assert not gc.isenabled()
    threads = []

    def note(phase, info):
        if phase == "start":
            threads.append(threading.get_ident())

    gc.callbacks.append(note)
    try:
        def allocate():
            junk = []
            for _ in range(200_000):  # ~300 generation-0 thresholds' worth of container objects
                a, b = [], []
                a.append(b)
                b.append(a)  # a cycle: only the collector frees it
                junk.append(a) if len(junk) < 10 else None
        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join()
        assert worker.ident not in threads  # the worker allocated far past the thresholds and never collected
        qtbot.waitUntil(lambda: threading.get_ident() in threads, timeout=5000)  # the GUI thread's timer did
    finally:
        gc.callbacks.remove(note)
