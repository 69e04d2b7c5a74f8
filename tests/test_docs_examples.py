"""Every ``$ python main.py ...`` example in the README and docs/ prints what the page shows (stdout and stderr
together), so the pages cannot drift from the program. A line ``...`` in a shown output stands for any lines.
``$ echo '...' > FILE`` writes FILE for the examples after it. Examples that open the window (``$ QT_QPA_...``)
are checked by tests/gui/test_app.py instead."""
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(page: Path):
    """(line number, shell words, expected output lines) for each ``$ `` line of an indented block."""
    out, block = [], []
    for number, line in enumerate(page.read_text().splitlines(), 1):
        if line.startswith("    ") or (block and not line.strip()):
            block.append((number, line[4:].rstrip()))
        else:
            out.extend(_split(block))
            block = []
    return out + _split(block)


def _split(block):
    found, i = [], 0
    while i < len(block):
        number, text = block[i]
        if not text.startswith("$ "):
            i += 1
            continue
        command = text[2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + " " + block[i][1].strip()
        i += 1
        shown = []
        while i < len(block) and not block[i][1].startswith("$ "):
            shown.append(block[i][1])
            i += 1
        while shown and not shown[-1]:
            shown.pop()
        found.append((number, shlex.split(command, comments=True), shown))
    return found


def matches(shown: list[str], printed: list[str]) -> bool:
    """``shown`` equals ``printed``, a ``...`` line standing for any number of lines."""
    if not shown:
        return not printed
    if shown[0] == "...":
        return any(matches(shown[1:], printed[k:]) for k in range(len(printed) + 1))
    return bool(printed) and printed[0] == shown[0] and matches(shown[1:], printed[1:])


CASES = [(page, number, words, shown) for page in PAGES for number, words, shown in examples(page)
         if words[:1] == ["echo"] or words[:2] == ["python", "main.py"]]


def test_the_pages_have_examples():
    names = {page.name for page, *_ in CASES}
    assert {"README.md", "cli.md"} <= names
    assert sum(1 for page, *_ in CASES if page.name == "README.md") == 3


@pytest.mark.parametrize("page_name", sorted({page.name for page, *_ in CASES}))
def test_every_example_prints_what_the_page_shows(page_name, tmp_path):
    wrong = []
    for page, number, words, shown in CASES:
        if page.name != page_name:
            continue
        if words[0] == "echo":
            assert words[-2] == ">", f"{page.name}:{number}: only `echo '...' > FILE` is understood"
            (tmp_path / words[-1]).write_text(" ".join(words[1:-2]) + "\n")
            continue
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), *words[2:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        printed = [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]
        if not matches(shown, printed):
            wrong.append(f"{page.name}:{number}: $ {shlex.join(words)}\n--- shown\n" + "\n".join(shown)
                         + "\n--- printed\n" + "\n".join(printed))
    assert not wrong, "\n\n".join(wrong)


def test_dots_stand_for_any_lines():
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert matches(["a", "..."], ["a", "b"])
    assert not matches(["a", "...", "d"], ["a", "b", "e"])
    assert not matches(["a", "b"], ["a", "b", "c"])
