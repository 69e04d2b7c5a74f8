"""Injected file-system faults for the tests: each a monkeypatch of one call on the way to a file
(``lab.files.atomic_write``: mkstemp, fdopen/write, fsync, chmod, replace), and what the message must then say."""
import errno
import os
import shutil
import tempfile

# --- injected OSErrors: each a monkeypatch of one call on the way to the file --------------------------------


def _raiser(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fail


class HalfThenFull:
    """A file object that writes half of what it is given, then fails like a full disk."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, data):
        self.fh.write(data[: len(data) // 2])
        self.fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.fh.__exit__(*exc)


def inject(monkeypatch, fault, folder):
    """Set up ``fault``; return the text the error message must hold."""
    real_mkstemp, real_replace, real_fdopen = tempfile.mkstemp, os.replace, os.fdopen
    if fault == "mkstemp EACCES (read-only folder)":
        monkeypatch.setattr(tempfile, "mkstemp", _raiser(errno.EACCES))
        return "Permission denied"
    if fault == "mkstemp ENOSPC (full disk)":
        monkeypatch.setattr(tempfile, "mkstemp", _raiser(errno.ENOSPC))
        return "No space left on device"
    if fault == "write ENOSPC mid-write (full disk)":
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfThenFull(real_fdopen(*a, **k)))
        return "No space left on device"
    if fault == "fsync EIO":
        monkeypatch.setattr(os, "fsync", _raiser(errno.EIO))
        return "Input/output error"
    if fault == "chmod EPERM":
        monkeypatch.setattr(os, "chmod", _raiser(errno.EPERM))
        return "Operation not permitted"
    if fault == "replace EACCES (read-only folder)":
        monkeypatch.setattr(os, "replace", _raiser(errno.EACCES))
        return "Permission denied"
    if fault == "replace EROFS (read-only file system)":
        monkeypatch.setattr(os, "replace", _raiser(errno.EROFS))
        return "Read-only file system"
    if fault == "folder vanishes before the temporary file":
        def vanish_then_mkstemp(*a, **k):
            shutil.rmtree(folder)
            return real_mkstemp(*a, **k)
        monkeypatch.setattr(tempfile, "mkstemp", vanish_then_mkstemp)
        return "No such file or directory"
    if fault == "folder vanishes before the rename":
        def vanish_then_replace(src, dst):
            shutil.rmtree(folder)
            return real_replace(src, dst)
        monkeypatch.setattr(os, "replace", vanish_then_replace)
        return "No such file or directory"
    if fault == "target becomes a folder before the rename":
        def folder_then_replace(src, dst):
            os.unlink(dst)
            os.mkdir(dst)
            return real_replace(src, dst)
        monkeypatch.setattr(os, "replace", folder_then_replace)
        return "Is a directory"
    raise AssertionError(fault)
