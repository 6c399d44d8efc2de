"""No function outside tests is longer than a screen (issue 17: small rooms).

Read from the source with ast (nothing is imported): every function and method of every project module,
nested ones too, counted from its ``def`` line to its last line (decorators left out). Tests, conftest
files, tests_support and migrations are left out. A longer function passes only when its docstring has a
line starting "Long because", which says why it is better whole.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "locale", "__pycache__", "migrations", "tests", "tests_support"}
REASON = "Long because"

def production_files(root: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        files += [Path(folder) / n for n in names
                  if n.endswith(".py") and n != "conftest.py" and not n.startswith("test_")]
    return sorted(files)


def has_reason(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    doc = ast.get_docstring(node) or ""
    return any(line.strip().startswith(REASON) for line in doc.splitlines())


def long_functions(path: Path, root: Path) -> dict[str, int]:
    """`file:function` -> its length, for each function of the file over MAX_LINES without a stated reason."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(root).as_posix()
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_LINES and not has_reason(node):
                found[f"{rel}:{node.name}"] = length
    return found


def all_long_functions(root: Path) -> dict[str, int]:
    found = {}
    for path in production_files(root):
        found.update(long_functions(path, root))
    return found


def test_the_walk_sees_the_project_and_leaves_tests_out():
    names = {p.relative_to(ROOT).as_posix() for p in production_files(ROOT)}
    assert {"assessments/levels.py", "reports/charts.py", "attack/run.py", "bench/load.py", "manage.py"} <= names
    assert not any("/tests/" in n or n.startswith("tests_support/") or "/migrations/" in n for n in names)
    assert "conftest.py" not in names and ".venv" not in {n.split("/")[0] for n in names}


def test_no_function_is_longer_than_a_screen():
    too_long = all_long_functions(ROOT)
    assert not too_long, (
        f"functions over {MAX_LINES} lines (split them, or say why in a docstring line starting "
        f"'{REASON}'): " + ", ".join(f"{name} ({n} lines)" for name, n in sorted(too_long.items()))
    )


def test_a_long_function_is_found_unless_its_docstring_says_why(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "long.py").write_text(
        f"def plain():\n{body}\n\n\nclass A:\n    def method(self):\n        def inner():\n"
        + "\n".join(f"            y{i} = {i}" for i in range(MAX_LINES)) + "\n\n\n"
        f'def reasoned():\n    """One table.\n\n    Long because the rows read as one table.\n    """\n{body}\n\n\n'
        f"def short():\n    return 1\n", encoding="utf-8")
    (tmp_path / "app" / "tests").mkdir()
    (tmp_path / "app" / "tests" / "test_long.py").write_text(f"def test_it():\n{body}\n", encoding="utf-8")
    found = all_long_functions(tmp_path)
    assert set(found) == {"app/long.py:plain", "app/long.py:method", "app/long.py:inner"}
    assert found["app/long.py:plain"] == MAX_LINES + 1
