"""The house rules of docs/architecture.md, checked on the source: no import cycles, no package importing one
above it, streamlit only in the screens, small modules and classes, a docstring on every package, tests that
mirror the packages."""
import ast
from pathlib import Path

import pytest

from conftest import ROOT

CODE = ("dashboard", "models", "views", "sample_data", "bench")
# Lowest first: a package may import the ones before it, never one after it (``cli`` and ``ui`` are both at the
# top and do not import each other). ``models`` reads the shared vocabulary and the model frame's columns.
LAYERS = ["dashboard.schema|dashboard.periods|dashboard.job_files", "dashboard.data", "dashboard.store", "models", "dashboard.forecasting",
          "dashboard.planning", "dashboard.promotions", "dashboard.reports", "dashboard.cli|dashboard.ui"]
STREAMLIT_ALLOWED = ("app", "views", "dashboard.ui")
MAX_MODULE_LINES, MAX_CLASS_LINES = 400, 250


def _modules() -> dict[str, Path]:
    out = {"app": ROOT / "app.py"}
    for top in CODE:
        for f in (ROOT / top).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every project module ``name`` imports, at the top or inside a function (a lazy import is still a dependency)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in layer.split("|")):
            return i
    return None


def test_no_import_cycles():
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"modules that import each other (directly or through others): {cycles}"


def test_no_package_imports_one_above_it():
    wrong = []
    for name, deps in GRAPH.items():
        mine = _layer(name)
        if mine is None:
            continue
        for d in deps:
            theirs = _layer(d)
            same_top = mine == theirs == len(LAYERS) - 1 and d.split(".")[1] != name.split(".")[1]
            if theirs is not None and (theirs > mine or same_top):
                wrong.append(f"{name} imports {d}")
    assert not wrong, "a package imports one above it (docs/architecture.md, the layers):\n" + "\n".join(sorted(wrong))


def test_streamlit_only_in_the_screens():
    wrong = []
    for name, path in MODULES.items():
        if name.startswith(STREAMLIT_ALLOWED) or name.startswith(("bench",)):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(m == "streamlit" or m.startswith("streamlit.") for m in mods):
                wrong.append(name)
    assert not wrong, f"streamlit outside views/ and dashboard/ui/: {sorted(set(wrong))}"


def test_modules_and_classes_stay_small():
    big = []
    for name, path in MODULES.items():
        text = path.read_text()
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            big.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines (at most {MAX_CLASS_LINES})")
    assert not big, "split by noun (docs/architecture.md):\n" + "\n".join(big)


@pytest.mark.parametrize("package", sorted(p.parent for p in (ROOT / "dashboard").rglob("__init__.py")))
def test_every_package_says_what_it_owns(package):
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert doc and len(doc) > 20, f"{package.relative_to(ROOT)}/__init__.py needs a docstring saying what it owns"


def test_unit_tests_mirror_the_packages():
    packages = {p.name for p in (ROOT / "dashboard").iterdir() if (p / "__init__.py").exists()} | {"models", "bench", "sample_data", "architecture"}
    folders = {p.name for p in (ROOT / "tests" / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= packages, f"tests/unit/ folders with no package of that name: {sorted(folders - packages)}"
    loose = sorted(p.name for p in (ROOT / "tests" / "unit").glob("test_*.py") if p.name != "test_architecture.py")
    assert not loose, f"unit tests outside a package's folder: {loose}"
