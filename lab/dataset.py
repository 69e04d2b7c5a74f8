"""Data sets from CSV files: the parameter ``data`` of linear_regression, logistic_regression and mlp.

The format: one header row of column names, then one row per data point. Columns are separated by commas (or,
detected from the header row, semicolons or tabs); UTF-8 with or without a byte-order mark; LF or CRLF line ends;
blank lines are skipped. Which columns are used: the first ones in order, or those named by ``columns``:

    regression       t, y                 two numbers
    binary           p1, p2, label        two numbers and a label with exactly 2 distinct values
    classes          p1, p2, label        two numbers and a label with 2 to MAX_CLASSES distinct values

Labels may be text or numbers. Their distinct values, sorted (as numbers when every one is a number, else as
text), are the classes 0, 1, 2, ...; the names are kept for the legend. Rows are counted as lines of the file
(the header is row 1) and columns from 1, so that a message points at the place in an editor.

Every refusal is a LabError of one line naming the file, the row and the column and what was expected; every
byte string gives a ``Dataset`` or a LabError (tests/robustness/test_fuzz_dataset.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass

import numpy as np

from lab.errors import LabError
from lab.files import read_bytes, shown
from lab.limits import MAX_CLASSES, MAX_DATA_BYTES, MAX_DATA_ROWS, MAX_DATA_VALUE

REGRESSION, BINARY, CLASSES = "regression", "binary", "classes"
WIDTH = {REGRESSION: 2, BINARY: 3, CLASSES: 3}  # columns used
SEPARATORS = {",": "a comma", ";": "a semicolon", "\t": "a tab"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True, eq=False)
class Table:
    """A data set: ``features`` (N, 1) t for a regression or (N, 2) points, in the file's units; ``targets`` (N,)
    the y values (regression) or the class indices 0, 1, ... (classification); ``columns`` the names of the
    columns used; ``class_names`` the labels of classes 0, 1, ... as the file writes them (none: a regression)."""

    columns: tuple
    features: np.ndarray
    targets: np.ndarray
    class_names: tuple = ()

    @property
    def n(self) -> int:
        return len(self.targets)

    def csv(self) -> str:
        """The CSV text that ``parse_dataset`` reads back to the same numbers (``to_csv``)."""
        return to_csv(self.columns, self.features, self.targets, self.class_names)


@dataclass(frozen=True, eq=False)
class Dataset(Table):
    """A data set as read from ``source``: ``text`` is the file's text, ``sha256`` the SHA-256 of its bytes."""

    source: str = ""
    text: str = ""
    sha256: str = ""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_dataset(path, kind: str, columns: str | None = None) -> Dataset:
    """The data set in the CSV file ``path`` (read through lab.files: a regular file of at most MAX_DATA_BYTES;
    a FIFO or a device is refused unread); LabError otherwise."""
    data = read_bytes(path, MAX_DATA_BYTES, "MAX_DATA_BYTES", "data file")
    return parse_dataset(data, shown(path), kind, columns)


def parse_dataset(data: bytes, source: str, kind: str, columns: str | None = None) -> Dataset:
    """The data set in the bytes ``data`` of a CSV file called ``source`` in messages; LabError otherwise."""
    if kind not in WIDTH:
        raise ValueError(f"unknown kind {kind!r}")
    if len(data) > MAX_DATA_BYTES:
        raise LabError(f"{source}: {len(data)} bytes, more than the {MAX_DATA_BYTES} a data file may have "
                       "(MAX_DATA_BYTES)")
    if b"\0" in data:
        raise LabError(f"{source}: binary data (a NUL byte at byte {data.index(0) + 1}); expected a CSV text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LabError(f"{source}: not UTF-8 text (byte {exc.start + 1}); expected a CSV text file") from None
    header, rows = _table(text, source)
    used = _pick(header, columns, WIDTH[kind], source)
    if not rows:
        raise LabError(f"{source}: a header row but no data rows; expected at least 2 data rows")
    if len(rows) < 2:
        raise LabError(f"{source}: only 1 data row (row {rows[0][0]}); expected at least 2 data rows")
    numeric = used if kind == REGRESSION else used[:2]
    values = np.empty((len(rows), len(numeric)))
    for i, (line, cells) in enumerate(rows):
        for j, col in enumerate(numeric):
            values[i, j] = _number(cells[col], source, line, col, header[col])
    names = tuple(header[c] for c in used)
    if kind == REGRESSION:
        return Dataset(names, values[:, :1], values[:, 1], (), source, text, sha256_hex(data))
    labels = [cells[used[2]].strip() for _, cells in rows]
    classes = _classes(labels, kind, source, header[used[2]], used[2])
    index = {name: k for k, name in enumerate(classes)}
    targets = np.array([index[v] for v in labels], dtype=int)
    return Dataset(names, values, targets, classes, source, text, sha256_hex(data))


def _table(text: str, source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's names and the data rows as (row number, cells); the separator detected from the header."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LabError(f"{source}: empty; expected a header row and at least 2 data rows")
    first = next(line for line in text.splitlines() if line.strip())
    found = [s for s in SEPARATORS if s in first]
    if not found:
        raise LabError(f"{source}: row 1 (the header) has one column; expected columns separated by commas "
                       "(or semicolons or tabs)")
    if len(found) > 1:
        raise LabError(f"{source}: row 1 (the header) holds both {' and '.join(SEPARATORS[s] for s in found)}: "
                       "cannot tell the separator; expected columns separated by commas only")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=found[0], strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                for j, name in enumerate(header):
                    if not name:
                        raise LabError(f"{source}: row {reader.line_num}, column {j + 1}: the header has an empty "
                                       "name; expected a name for every column")
                continue
            if len(cells) != len(header):
                raise LabError(f"{source}: row {reader.line_num} has {len(cells)} columns; expected "
                               f"{len(header)}, as the header")
            if len(rows) == MAX_DATA_ROWS:
                raise LabError(f"{source}: more than {MAX_DATA_ROWS} data rows (MAX_DATA_ROWS)")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise LabError(f"{source}: row {reader.line_num}: not valid CSV ({exc}); expected plain or "
                       "double-quoted cells") from None
    return header or [], rows


def _pick(header: list[str], columns: str | None, width: int, source: str) -> list[int]:
    """The indices of the columns used: the first ``width``, or those named in ``columns`` (comma-separated)."""
    if columns is None:
        if len(header) < width:
            raise LabError(f"{source}: row 1 (the header) has {len(header)} column{'s' * (len(header) != 1)}; "
                           f"expected at least {width}")
        return list(range(width))
    names = [c.strip() for c in columns.split(",")]
    if len(names) != width or not all(names):
        raise LabError(f"parameter columns={columns!r} is not allowed: expected {width} column names separated "
                       "by commas")
    picked = []
    for name in names:
        hits = [j for j, h in enumerate(header) if h == name]
        if len(hits) != 1:
            what = "twice" if hits else "not"
            listed = ", ".join(header[:20]) + (", ..." if len(header) > 20 else "")
            raise LabError(f"{source}: row 1 (the header) names {name!r} {what}; expected one of its columns: "
                           f"{listed}")
        picked.append(hits[0])
    if len(set(picked)) != len(picked):
        raise LabError(f"parameter columns={columns!r} is not allowed: a column is named twice")
    return picked


def _number(cell: str, source: str, line: int, col: int, name: str) -> float:
    t = cell.strip()
    where = f"{source}: row {line}, column {col + 1} ({name!r})"
    shown_cell = t if len(t) <= 30 else t[:27] + "..."
    if not _NUMBER.fullmatch(t):
        if t.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise LabError(f"{where}: expected a finite number, got {shown_cell!r}")
        hint = " (a decimal comma? write 1.5, not 1,5)" if re.fullmatch(r"[+-]?\d+,\d+", t) else ""
        raise LabError(f"{where}: expected a number, got {shown_cell!r}{hint}")
    value = float(t)
    if not math.isfinite(value) or abs(value) > MAX_DATA_VALUE:
        raise LabError(f"{where}: {shown_cell} is too large; expected a number of size at most {MAX_DATA_VALUE:g} "
                       "(MAX_DATA_VALUE)")
    return value


def _classes(labels: list[str], kind: str, source: str, name: str, col: int) -> tuple:
    """The distinct labels, sorted: as numbers when every one is a number, else as text."""
    distinct = set(labels)
    if "" in distinct:
        raise LabError(f"{source}: column {col + 1} ({name!r}): an empty label; expected a label in every row")
    most = 2 if kind == BINARY else MAX_CLASSES
    if len(distinct) < 2:
        raise LabError(f"{source}: column {col + 1} ({name!r}): one class only ({labels[0]!r}); expected "
                       f"{'exactly 2' if kind == BINARY else f'2 to {most}'} distinct labels")
    if len(distinct) > most:
        limit = "exactly 2 (the logistic regression has two classes)" if kind == BINARY else \
            f"at most {most} (MAX_CLASSES)"
        raise LabError(f"{source}: column {col + 1} ({name!r}): {len(distinct)} distinct labels; expected {limit}")
    if all(_NUMBER.fullmatch(v) for v in distinct):
        return tuple(sorted(distinct, key=lambda v: (float(v), v)))
    return tuple(sorted(distinct))


def to_csv(columns, features: np.ndarray, targets: np.ndarray, class_names=()) -> str:
    """A CSV text that ``parse_dataset`` reads back to the same numbers: the header, then one row per point
    (numbers written exactly, as repr; the class index written as its name)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    for row, target in zip(features.tolist(), np.asarray(targets).tolist()):
        last = class_names[int(target)] if class_names else repr(float(target))
        w.writerow([repr(v) for v in row] + [last])
    return buf.getvalue()


__all__ = ["BINARY", "CLASSES", "Dataset", "REGRESSION", "Table", "parse_dataset", "read_dataset", "sha256_hex",
           "to_csv"]
