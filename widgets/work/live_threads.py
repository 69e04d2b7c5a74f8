"""Every object that owns a worker QThread registers here, so that at interpreter exit none outlives its QThread."""
from __future__ import annotations

import atexit

_LIVE: set = set()


def register(owner) -> None:
    """``owner`` has a ``shutdown()`` that stops its work, quits its thread and waits for it."""
    _LIVE.add(owner)


def forget(owner) -> None:
    """``owner`` has shut down by itself."""
    _LIVE.discard(owner)


@atexit.register
def _shutdown_all() -> None:
    """Last resort at interpreter exit: no worker thread may outlive its QThread object."""
    for owner in list(_LIVE):
        try:
            owner.shutdown()
        except RuntimeError:  # the C++ side is already gone
            pass
