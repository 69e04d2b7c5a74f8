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
    try:
        if target.is_dir():
            raise LabError(f"cannot write {target}: it is a folder")
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise LabError(f"cannot write {target}: {folder} {what}")
    except LabError:
        raise
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: the path cannot even be looked at
        raise LabError(f"cannot write {shown(target)}: {reason(exc)}") from None
    try:
        # the temporary's name stays short: a target name near the 255-byte limit must still be writable
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=folder)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise LabError(f"cannot write {shown(target)}: {reason(exc)}") from None
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
    except UnicodeEncodeError as exc:  # e.g. a label from a command line that was not UTF-8 (a lone surrogate)
        _remove(tmp)
        raise LabError(f"cannot write {shown(target)}: it would hold text that is not valid Unicode "
                       f"({exc.object[exc.start:exc.end]!r})") from None
    except BaseException:
        _remove(tmp)
        raise
    return target


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda fh: fh.write(text))


def write_npz(path: str | os.PathLike, arrays: dict) -> Path:
    """Write ``arrays`` as an uncompressed .npz to ``path`` atomically."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    return atomic_write(path, lambda fh: fh.write(data), binary=True)


def shown(path) -> str:
    """``path`` for a message: as it is, or quoted with escapes when it holds a NUL or another control character."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def reason(exc: BaseException) -> str:
    """An OSError's strerror ('File name too long'), else the exception's text ('embedded null byte')."""
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


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
