"""The layers point down: a lower app never imports a higher one, and no project module imports its importer.

Read from the source with ast (nothing is imported): every ``import`` and ``from ... import`` anywhere in
a file, inside functions too, since an import delayed into a function is still a dependency. Tests,
conftest files and tests_support are the only importers left out: a test may import anything.

Layers, lowest first (STYLE.md: reports -> assessments -> indicators):

    core          the base every app uses (thai.py, template filters, middleware, client_ip): imports no app
    indicators    the plan
    assessments   progress on the plan
    reports       dashboard and scorecards
    kpi_tracker   the roof: the project package (settings, root urls, home, backup of every app) may import
                  any app, and no app imports it
    bench, sampledata, manage.py   tools on top of everything
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "core": 0, "indicators": 1, "assessments": 2, "reports": 3, "api": 4, "kpi_tracker": 5,
    "bench": 6, "sampledata": 6, "manage": 6,
}
TEST_ONLY = ("tests_support",)

# String references (INSTALLED_APPS, ROOT_URLCONF, include("reports.urls")) are not imports and not counted.
# No exception: an import that points up (or into test code) fails the test.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_test(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] in TEST_ONLY
        or "tests" in parts
        or parts[-1] == "conftest"
        or parts[-1].startswith("test_")
    )


def source_files(root: Path) -> dict[str, Path]:
    """Every project module (top-level layer packages and tools), by dotted name."""
    files = {}
    for top in [*LAYERS, *TEST_ONLY]:
        single = root / f"{top}.py"
        if single.is_file():
            files[top] = single
        folder = root / top
        if folder.is_dir():
            for path in folder.rglob("*.py"):
                files[module_name(path, root)] = path
    return files


def imported_names(module: str, path: Path) -> set[str]:
    """Dotted names this module imports: for ``from a import b`` both ``a`` and ``a.b``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the project modules it imports (the deepest known module of each imported name)."""
    files = source_files(root)
    graph = {}
    for module, path in files.items():
        targets = set()
        for name in imported_names(module, path):
            parts = name.split(".")
            known = next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in files), None)
            if known is not None and known != module:
                targets.add(known)
        graph[module] = targets
    return graph


def layer_of(module: str) -> int | None:
    return LAYERS.get(module.split(".")[0])


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) where a module outside the tests imports a higher layer or test code."""
    found = set()
    for module, targets in graph.items():
        if is_test(module):
            continue
        for target in targets:
            if is_test(target):
                found.add((module, target))
            elif layer_of(module) is not None and layer_of(target) is not None and layer_of(target) > layer_of(module):
                found.add((module, target))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), tests left out."""
    nodes = {m: {t for t in ts if not is_test(t)} for m, ts in graph.items() if not is_test(m)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in nodes.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def test_no_app_imports_a_higher_layer_or_test_code():
    new = upward_imports(import_graph(ROOT)) - KNOWN_UPWARD
    assert not new, "imports that point up (or into test code): " + ", ".join(f"{a} -> {b}" for a, b in sorted(new))


def test_the_base_package_imports_no_app():
    graph = import_graph(ROOT)
    apps = {"indicators", "assessments", "reports", "kpi_tracker", "bench", "sampledata"}
    base = {m: {t for t in ts if t.split(".")[0] in apps} for m, ts in graph.items() if m.split(".")[0] == "core"}
    assert "core.thai" in base and "core.templatetags.thai" in base  # the checks see the package
    assert {m: ts for m, ts in base.items() if ts and not is_test(m)} == {}


def test_no_app_imports_the_project_package():
    graph = import_graph(ROOT)
    into_roof = {
        (m, t) for m, ts in graph.items() for t in ts
        if t.split(".")[0] == "kpi_tracker" and m.split(".")[0] in {"core", "indicators", "assessments", "reports"}
        and not is_test(m)
    }
    assert into_roof == set()


def test_no_module_imports_its_importer():
    assert cycles(import_graph(ROOT)) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_see_upward_imports_test_imports_and_delayed_cycles(tmp_path):
    root = write(tmp_path, {
        "indicators/__init__.py": "",
        "indicators/models.py": "from .querysets import Q\n",
        "indicators/querysets.py": "def f():\n    from .models import M\n",
        "indicators/parser/__init__.py": "from .cards import parse\n",
        "indicators/parser/cards.py": "from ..models import M\nfrom reports import dashboard\n",
        "reports/__init__.py": "",
        "reports/dashboard.py": "import indicators.models\n",
        "reports/tests/__init__.py": "",
        "reports/tests/factories.py": "from reports import dashboard\n",
        "bench/run.py": "from reports.tests.factories import make_plan\n",
    })
    graph = import_graph(root)
    assert graph["indicators.parser.cards"] == {"indicators.models", "reports", "reports.dashboard"}
    assert upward_imports(graph) == {
        ("indicators.parser.cards", "reports"),
        ("indicators.parser.cards", "reports.dashboard"),
        ("bench.run", "reports.tests.factories"),
    }
    assert cycles(graph) == [["indicators.models", "indicators.querysets"]]
