"""Fuzzing the data-file reader (issue 20): any byte string gives a parsed data set or a LabError of one line,
never another exception; a parsed one holds finite numbers and valid class indices. Derandomized like the other
fuzz tests (ROBUSTNESS_RANDOM=1 explores new examples, ROBUSTNESS_EXAMPLES=N sets how many)."""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.dataset import BINARY, CLASSES, REGRESSION, parse_dataset
from lab.errors import LabError
from lab.limits import MAX_CLASSES

FUZZ = settings(max_examples=int(os.environ.get("ROBUSTNESS_EXAMPLES", "300")), deadline=None,
                derandomize=not os.environ.get("ROBUSTNESS_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

cells = st.one_of(st.sampled_from(["1", "-2.5", "1e3", ".5", "nan", "inf", "1e400", "", " ", "x", "yes", "no",
                                   '"1"', '"a,b"', '"', "1,5", "٣", "1_0", "0x1", "\ufeff", "\x00", "\r"]),
                  st.floats(allow_nan=True).map(repr), st.text(max_size=6))
separators = st.sampled_from([",", ";", "\t", ",;", " "])


@st.composite
def csv_like(draw) -> bytes:
    """Text shaped like a CSV file: a header and rows of random cells, random separators and line ends."""
    sep = draw(separators)
    width = draw(st.integers(0, 4))
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=12))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(sep.join(r) for r in [["a", "b", "c", "d"][:width]] + rows)
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode("utf-8", "surrogatepass")


def check(data: bytes, kind: str, columns=None) -> None:
    try:
        ds = parse_dataset(data, "f.csv", kind, columns)
    except LabError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert ds.n >= 2 and np.all(np.isfinite(ds.features))
    if kind != REGRESSION:
        k = len(ds.class_names)
        assert (2 == k if kind == BINARY else 2 <= k <= MAX_CLASSES)
        assert set(ds.targets.tolist()) == set(range(k))


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([REGRESSION, BINARY, CLASSES]))
def test_any_bytes_give_a_data_set_or_one_line(data, kind):
    check(data, kind)


@FUZZ
@given(csv_like(), st.sampled_from([REGRESSION, BINARY, CLASSES]),
       st.sampled_from([None, "a,b", "a,b,c", "b,a,c", "c,b,a", "a,a,b", "x,y,z", "", ","]))
def test_csv_like_text_gives_a_data_set_or_one_line(data, kind, columns):
    check(data, kind, columns)
