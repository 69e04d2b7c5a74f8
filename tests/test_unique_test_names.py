"""`pytest` from the root collects tests/, tests/gui/ and tests/robustness/ together, and they are not packages:
two test files with one basename make the run stop at collection ("import file mismatch" — seen on a clean CI
checkout, while runs of each folder alone passed)."""
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_test_file_has_its_own_basename():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert [n for n, k in names.items() if k > 1] == []
