"""Work off the GUI thread: the one cancellable Job, the thread owner, the live-thread registry, the GUI-first GIL
hand-over, and the redraw clock that paces the views."""
