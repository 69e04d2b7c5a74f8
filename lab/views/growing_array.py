"""Arrays that grow by doubling, so appending k rows costs O(k) and plots can take views of the filled part."""
from __future__ import annotations

import numpy as np


class GrowingArray:
    """Rows appended at the end; ``view`` is the filled part (a view, not a copy).

    The storage doubles when full (pyqtgraph's scrollingPlots pattern): a curve's ``setData(buf.view)``
    then costs no copy, and memory stays within twice the rows held.
    """

    def __init__(self, width: int | None = None, capacity: int = 1024, dtype=float):
        self.width = width
        shape = (capacity,) if width is None else (capacity, width)
        self._data = np.empty(shape, dtype=dtype)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.n]

    @property
    def capacity(self) -> int:
        return len(self._data)

    def extend(self, rows) -> None:
        rows = np.asarray(rows, dtype=self._data.dtype)
        k = len(rows)
        if k == 0:
            return
        need = self.n + k
        if need > len(self._data):
            cap = max(need, 2 * len(self._data))
            grown = np.empty((cap,) + self._data.shape[1:], dtype=self._data.dtype)
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        self._data[self.n: need] = rows
        self.n = need

    def clear(self) -> None:
        self.n = 0
