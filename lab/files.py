"""Writing files so that a failure never leaves a partial file and never harms the previous one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from lab.errors import LabError


def atomic_write(path: str | os.PathLike, write: Callable[[object], None], binary: bool = False) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it over ``path``.

    On any failure the temporary file is removed, ``path`` is left as it was, and LabError says what and where.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise LabError(f"cannot write {target}: it is a folder")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise LabError(f"cannot write {target}: {folder} {what}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise LabError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            # mkstemp makes the file private (0600): give it the mode open(path, "w") would, or the old file's
            os.chmod(tmp, _mode_for(target))
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise LabError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise
    return target


def _mode_for(target: Path) -> int:
    """The existing file's permission bits, else 0666 minus the umask (what open(path, "w") would give)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
