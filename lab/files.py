"""Reading and writing files safely.

Reading: ``read_bytes`` / ``read_text`` are the one way the core reads a file (experiment files, trajectory
files; every new reader, such as data files and the window's, is to use them too): the path must name a regular file (after following links), no larger than a limit from
lab.limits, and at most that many bytes are ever read. A FIFO, a device (/dev/zero, /dev/urandom), a socket or
a folder is refused at once without being read (a FIFO is never even opened, so a missing writer cannot block).

Writing: ``atomic_write`` (a temporary file beside the target, renamed over it), so that a failure never leaves
a partial file and never harms the previous one.
"""
from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from pathlib import Path
from typing import Callable

from lab.errors import LabError


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """'a folder', 'a FIFO (named pipe)', 'a device', 'a socket' or 'a regular file' for an st_mode."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file" if stat.S_ISREG(mode) else
                "not a regular file")


def read_bytes(path: str | os.PathLike, limit: int, limit_name: str, what: str = "file") -> bytes:
    """The bytes of the regular file ``path`` (links followed), at most ``limit`` of them; LabError, at once and
    in one line, for a missing file, a folder, a FIFO, a device, a socket, or a file larger than ``limit``
    (the message names ``limit_name``, the constant in lab.limits)."""
    p = shown(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise LabError(f"{p}: no such file") from None
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a loop of links, no permission
        raise LabError(f"{p}: cannot read: {reason(exc)}") from None
    _check_readable(p, info, limit, limit_name, what)
    try:
        # O_NONBLOCK: if the path became a FIFO since the stat, opening it must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        raise LabError(f"{p}: cannot read: {reason(exc)}") from None
    try:
        _check_readable(p, os.fstat(fd), limit, limit_name, what)  # what was opened is what was checked
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise LabError(f"{p}: cannot read: {reason(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while being read
        raise LabError(f"{p}: more than {limit} bytes, the most a{'n' if what[0] in 'aeiou' else ''} {what} may "
                       f"have ({limit_name})")
    return data


def read_text(path: str | os.PathLike, limit: int, limit_name: str, what: str = "file") -> str:
    """``read_bytes`` decoded as UTF-8; LabError 'not a text file' when it is not UTF-8."""
    data = read_bytes(path, limit, limit_name, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LabError(f"{shown(path)}: not a text file (expected UTF-8 text)") from None


def _check_readable(p: str, info: os.stat_result, limit: int, limit_name: str, what: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise LabError(f"{p}: is a folder, not a{'n' if what[0] in 'aeiou' else ''} {what}")
    if not stat.S_ISREG(info.st_mode):
        raise LabError(f"{p}: is {kind_of(info.st_mode)}, not a regular file; only regular files are read")
    if info.st_size > limit:
        raise LabError(f"{p}: {info.st_size} bytes, more than the {limit} a{'n' if what[0] in 'aeiou' else ''} "
                       f"{what} may have ({limit_name})")


def check_output(path: str | os.PathLike, inputs=()) -> None:
    """LabError if ``path`` names something other than a regular file or a new name (a folder, a FIFO, a
    device, a socket; links followed), or the same file (device and inode) as one of ``inputs`` (None skipped):
    writing it would destroy the input. Nothing is created."""
    try:
        info = os.stat(path)
    except FileNotFoundError:  # a new name, or a link to one: writing creates it
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LabError(f"cannot write {shown(path)}: {reason(exc)}") from None
        return  # a name too long, no permission: the write itself says so
    except ValueError:  # a NUL byte: the write itself says so
        return
    if stat.S_ISDIR(info.st_mode):
        raise LabError(f"cannot write {shown(path)}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise LabError(f"cannot write {shown(path)}: it is {kind_of(info.st_mode)}; only regular files are written")
    for source in inputs:
        if source is None:
            continue
        try:
            other = os.stat(source)
        except (OSError, ValueError):
            continue
        if (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino):
            raise LabError(f"cannot write {shown(path)}: it is the input {shown(source)} (the same file); writing "
                           "it would destroy the input, choose another name")


def atomic_write(path: str | os.PathLike, write: Callable[[object], None], binary: bool = False) -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it over ``path``.

    On any failure the temporary file is removed, ``path`` is left as it was, and LabError says what and where.
    A symbolic link is written through: the file it points to is replaced (atomically, the temporary beside
    it) and the link stays a link. A FIFO, a device or a socket is refused (check_output), never replaced.
    """
    given = Path(path)
    target, folder = _target(given)
    fd, held, tmp = _temporary(given, target, folder, ".tmp")
    try:
        _release_signals(held)  # a signal that came meanwhile raises here, where the temporary is removed
        text = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, "wb" if binary else "w", **text) as fh:
            # mkstemp makes the file private (0600): give it the mode open(path, "w") would, or the old file's
            os.chmod(tmp, _mode_for(target))
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise LabError(f"cannot write {shown(given)}: {exc.strerror or exc}") from None
    except UnicodeEncodeError as exc:  # e.g. a label from a command line that was not UTF-8 (a lone surrogate)
        _remove(tmp)
        raise LabError(f"cannot write {shown(given)}: it would hold text that is not valid Unicode "
                       f"({exc.object[exc.start:exc.end]!r})") from None
    except BaseException:
        _remove(tmp)
        raise
    return given


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".tmp"):
    """``with atomic_path(path, ".mp4") as tmp:`` a writer that needs a file name (an encoder such as ffmpeg)
    writes ``tmp``, an empty file beside ``path`` ending in ``suffix``; when the block ends normally it is renamed
    over ``path``. On any exception (a LabError, Ctrl-C, SIGTERM raised as an exception) the temporary is
    removed and ``path`` is left as it was. The same checks as ``atomic_write``."""
    given = Path(path)
    target, folder = _target(given)
    fd, held, tmp = _temporary(given, target, folder, suffix)
    try:
        _release_signals(held)
        os.close(fd)
        os.chmod(tmp, _mode_for(target))
        yield Path(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise LabError(f"cannot write {shown(given)}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _target(given: Path) -> tuple[Path, Path]:
    """The file to replace (a link's target) and its folder; LabError when ``given`` cannot be written."""
    try:
        check_output(given)
        target = Path(os.path.realpath(given)) if os.path.islink(given) else given
    except LabError:
        raise
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot write {shown(given)}: {reason(exc)}") from None
    folder = target.parent if str(target.parent) else Path(".")
    try:
        if target.is_dir():
            raise LabError(f"cannot write {shown(given)}: it is a folder")
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise LabError(f"cannot write {shown(given)}: {shown(folder)} {what}")
    except LabError:
        raise
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: the path cannot even be looked at
        raise LabError(f"cannot write {shown(given)}: {reason(exc)}") from None
    return target, folder


def _temporary(given: Path, target: Path, folder: Path, suffix: str):
    """(fd, the held signal mask, name) of a new temporary file beside ``target``. Signals are held back while it is
    created (a signal raising between its creation and the moment its name is known would leave it behind): the
    caller lets them through first thing inside its cleanup (``_release_signals``)."""
    held = _hold_signals()
    try:
        # the temporary's name stays short: a target name near the 255-byte limit must still be writable
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=suffix, dir=folder)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        _release_signals(held)
        raise LabError(f"cannot write {shown(given)}: {reason(exc)}") from None
    except BaseException:
        _release_signals(held)
        raise
    return fd, held, tmp


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


_HELD = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


def _hold_signals():
    """Block SIGINT, SIGTERM and SIGHUP for this thread; the previous mask (None where there is no
    pthread_sigmask)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)


def _release_signals(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
