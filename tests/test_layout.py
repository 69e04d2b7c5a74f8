"""The house stays in order: no import circle, no private name imported from another module, no file over 400 lines
in widgets/ or lab/ (read from the source, nothing imported)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for p in sorted(list(ROOT.glob("widgets/**/*.py")) + list(ROOT.glob("lab/**/*.py"))):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = p
    return found


def imports(path: Path, known) -> list[tuple[str, str]]:
    """(module, name) for every import in the file, lazy ones inside functions too."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, "") if sub in known else (node.module, a.name))
        elif isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
    return out


def test_no_import_circle():
    known = modules()
    graph = {m: {d for d, _ in imports(p, known) if d in known and d != m} for m, p in known.items()}
    circles, done = [], set()

    def visit(m, path):
        for d in sorted(graph[m]):
            if d in path:
                circles.append(" -> ".join(path[path.index(d):] + [d]))
            elif d not in done:
                visit(d, path + [d])
        done.add(m)

    for m in graph:
        if m not in done:
            visit(m, [m])
    assert circles == []


def test_no_private_name_imported_from_another_module():
    known = modules()
    private = [f"{m} takes {d}.{name}" for m, p in known.items() for d, name in imports(p, known)
               if name.startswith("_") and not name.startswith("__") and d.split(".")[0] in ("lab", "widgets")]
    assert private == []


@pytest.mark.parametrize("folder", ["widgets", "lab"])
def test_no_file_over_400_lines(folder):
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
