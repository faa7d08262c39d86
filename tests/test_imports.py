"""The modules of tco import each other one way only: no import cycles, lazy ones included.

The graph is read from the source (every ``import`` and ``from ... import`` statement, also those
inside functions, which hide a cycle from a plain ``import tco``), so a new cycle fails here
before it shows up as a half-initialised module in some import order.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib"


def modules(lib: Path, package: str = "tco") -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``lib``."""
    out = {}
    for path in sorted((lib / package).rglob("*.py")):
        parts = list(path.relative_to(lib).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph(lib: Path, package: str = "tco") -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (``from . import x`` names module x)."""
    mods = modules(lib, package)
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[:len(here) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in mods:  # import tco.x.y -> the module that exists
                    target = target.rpartition(".")[0]
                if target and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_tco_has_no_import_cycles():
    graph = import_graph(LIB)
    assert {"tco.scenario", "tco.ranges", "tco.engine", "tco.dimensions.compute"} <= set(graph)
    found = cycles(graph)
    detail = "; ".join(" <-> ".join(c) + " (" + ", ".join(f"{a} imports {sorted(graph[a] & set(c))}" for a in c) + ")"
                       for c in found)
    assert found == [], f"import cycles among tco modules: {detail}"


def test_ranges_is_below_scenario():
    graph = import_graph(LIB)
    assert "tco.ranges" in graph["tco.scenario"]
    assert "tco.scenario" not in graph["tco.ranges"]


def test_the_graph_sees_lazy_and_relative_imports(tmp_path):
    """The check itself: a cycle made of a lazy import and a parent-relative one is found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .b import g\n    return g\n")
    (pkg / "b.py").write_text("from .sub import c\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from .. import a\nimport pkg.b\n")
    (pkg / "d.py").write_text("from pkg import sub\nimport os\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.b"}
    assert graph["pkg.d"] == {"pkg.sub"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    (pkg / "a.py").write_text("")
    assert cycles(import_graph(tmp_path, "pkg")) == [["pkg.b", "pkg.sub.c"]]


def test_modules_import_only_their_layer_and_below():
    """Every module sits in one layer of tco.LAYERS and imports nothing from a layer above it."""
    import tco

    graph = import_graph(LIB)
    layer = {f"tco.{m}": i for i, (_, names) in enumerate(tco.LAYERS) for m in names}
    layer["tco"] = len(tco.LAYERS) - 1  # the package's face sits with the presentation (its names load lazily)

    def of(module):  # tco.dimensions.compute belongs where tco.dimensions does
        while module not in layer and "." in module:
            module = module.rpartition(".")[0]
        return layer.get(module)

    unplaced = sorted(m for m in graph if of(m) is None)
    assert unplaced == [], f"modules in no layer of tco.LAYERS: {unplaced}"
    upward = sorted(f"{m} ({tco.LAYERS[of(m)][0]}) imports {d} ({tco.LAYERS[of(d)][0]})"
                    for m, deps in graph.items() for d in deps if of(d) > of(m))
    assert upward == [], "imports from a higher layer: " + "; ".join(upward)
