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


numbers = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, 3.0, 1e-300, 1e-12, -1e-12, 1e12, -1e12, 5e-324]),
                    st.floats(-1e12, 1e12, allow_nan=False))


@FUZZ
@given(st.lists(st.tuples(numbers, numbers, st.sampled_from(["x", "y", "z", "1", "2"])), min_size=2, max_size=12),
       st.sampled_from(["linear_regression", "logistic_regression", "mlp"]), st.booleans())
def test_any_parsed_data_set_gives_an_objective_or_one_line(rows, name, standardize):
    """Past the reader: tiny, huge, equal or collinear numbers give an objective whose minimum (when known) is
    finite, or a one-line LabError; never a LinAlgError or a warning."""
    import warnings

    from lab.objectives import make_objective

    text = "a,b,c\n" + "".join(f"{a!r},{b!r},{c}\n" for a, b, c in rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            obj = make_objective(name, data_csv=text, standardize=standardize, hidden=2) if name == "mlp" else \
                make_objective(name, data_csv=text, standardize=standardize)
        except LabError as exc:
            assert "\n" not in str(exc)
            return
    assert np.all(np.isfinite(obj.start)) and np.all(np.isfinite(obj.domain))
    assert obj.min_value is None or np.isfinite(obj.min_value)
    assert np.all(np.isfinite(obj.minima))
