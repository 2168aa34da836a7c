"""The import check of docs/architecture.md's layers: every import in ``chalicelib/`` and ``app.py`` (top level
and inside functions, relative ones resolved, ``if TYPE_CHECKING:`` blocks left out) read with :mod:`ast`, then checked.

A *package* is ``chalicelib``'s first level: ``chalicelib.reports.jobs`` is in ``reports``, ``chalicelib.settings`` is
``settings``, ``app.py`` is ``app``. Rules (:func:`violations`): a package imports only packages of a lower layer
(base modules import each other), the front ends never import ``aws`` (``auth`` is their way to it), and the package
graph has no cycle.
"""

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

BASE = ("chalicelib", "resources", "settings", "errors", "clock", "observability", "vocabulary", "models", "stores")
# Lowest first: a package may import only packages of an earlier entry (base modules: each other too).
LAYERS: tuple[tuple[str, ...], ...] = (
    BASE, ("aws",), ("limits",), ("auth",), ("suppressions",), ("email",), ("snoozes",), ("delivery",), ("digests",),
    ("triggers",), ("reports",), ("events",), ("integrations",), ("tenants",), ("wiring",), ("api", "console"),
    ("app",))
# What the base imports besides the standard library and itself, and why (docs/architecture.md names them).
BASE_LIBRARIES: dict[str, str] = {
    "pydantic": "models and settings", "pydantic_core": "pydantic's own schema types and errors",
    "email_validator": "the one address rule (models/common.py)", "iso3166": "country codes (events, vocabulary)",
    "aws_lambda_powertools": "observability's logger and metrics", "chalice": "observability's middleware",
}
FRONT_ENDS = ("api", "console")
MAX_LINES = 400
DOMAIN = tuple(name for layer in LAYERS[LAYERS.index(("aws",)) + 1:LAYERS.index(("wiring",))] for name in layer)
# aws/ modules that hold a table's names and item shapes (the rest are a queue, a bucket, SES, secrets, clients)
TABLE_MODULES = ("batch_reads", "dynamo", "due_index", "security_attacks", "security_table", "security_vulnerabilities",
                 "tenant_data", "tenant_store")


@dataclass(frozen=True)
class Import:
    """One import statement's target inside the checked tree."""

    path: str  # relative to the root, e.g. "chalicelib/api/reports.py"
    line: int
    source: str  # the statement as written
    importer: str  # dotted module, e.g. "chalicelib.api.reports"
    imported: str  # dotted module, e.g. "chalicelib.aws.reports_repo"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source}"


def package(module: str) -> str:
    """``chalicelib.reports.jobs`` → ``reports``; ``chalicelib`` → ``chalicelib``; ``app`` → ``app``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "chalicelib" and len(parts) > 1 else parts[0]


def modules(root: Path) -> dict[str, Path]:
    """Every module of ``chalicelib/`` and ``app.py`` under ``root``, by dotted name."""
    found = {"app": root / "app.py"} if (root / "app.py").exists() else {}
    for path in sorted((root / "chalicelib").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _statements(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements anywhere in ``tree`` (functions, classes, try blocks) except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _type_checking(node):
            for other in node.orelse:
                yield from _statements(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _statements(node)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, known: Iterable[str]) -> list[str]:
    """The modules ``node`` loads: ``from a import b`` is ``a.b`` when that is a module, else ``a``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = importer.split(".") if is_package else importer.split(".")[:-1]
        anchor = anchor[:len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    known = set(known)
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]


def imports(root: Path) -> list[Import]:
    """Every import of a module inside the tree, in file and line order."""
    known = modules(root)
    found: list[Import] = []
    for importer, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _statements(tree):
            source = ast.unparse(node)
            for imported in dict.fromkeys(_targets(node, importer, path.name == "__init__.py", known)):
                if imported.split(".")[0] in ("chalicelib", "app"):
                    found.append(Import(str(path.relative_to(root)), node.lineno, source, importer, imported))
    return sorted(found, key=lambda imp: (imp.path, imp.line))


def libraries(root: Path, packages: Iterable[str] = BASE) -> dict[str, set[str]]:
    """Top-level names outside the standard library and the tree that the modules of ``packages`` import (lazy
    imports included): name → the importing modules."""
    found: dict[str, set[str]] = {}
    for module, path in modules(root).items():
        if package(module) not in packages:
            continue
        for node in _statements(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for top in {name.split(".")[0] for name in names} - {"chalicelib", "app"} - sys.stdlib_module_names:
                found.setdefault(top, set()).add(module)
    return found


def _rank(name: str, layers: tuple[tuple[str, ...], ...]) -> int | None:
    return next((index for index, layer in enumerate(layers) if name in layer), None)


def edges(found: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    """``(importer package, imported package)`` → the imports that make that edge (a package's own ones left out)."""
    graph: dict[tuple[str, str], list[Import]] = {}
    for imp in found:
        pair = (package(imp.importer), package(imp.imported))
        if pair[0] != pair[1]:
            graph.setdefault(pair, []).append(imp)
    return graph


def cycles(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected groups of two or more packages (Tarjan), each sorted; sorted."""
    graph: dict[str, set[str]] = {}
    for start, end in pairs:
        graph.setdefault(start, set()).add(end)
        graph.setdefault(end, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def violations(found: Iterable[Import], allowed: Mapping[tuple[str, str], str] | Iterable[tuple[str, str]] = (),
               layers: tuple[tuple[str, ...], ...] = LAYERS, front_ends: tuple[str, ...] = FRONT_ENDS) -> list[str]:
    """What breaks the layers, one message per import (file, line, statement, rule); edges in ``allowed`` are
    known ones, left out (cycles are looked for among the other edges)."""
    allowed = set(allowed)
    graph = edges(found)
    problems: list[str] = []
    for (importer, imported), where in sorted(graph.items()):
        if (importer, imported) in allowed:
            continue
        ranks = _rank(importer, layers), _rank(imported, layers)
        if None in ranks:
            unknown = importer if ranks[0] is None else imported
            rule = f"package {unknown!r} is in no layer: add it to LAYERS here and to docs/architecture.md"
        elif importer in front_ends and imported == "aws":
            rule = "a front end never imports chalicelib.aws (call a domain service; auth is the way to tokens)"
        elif ranks[0] > ranks[1] or (ranks[0] == ranks[1] == 0):
            continue
        else:
            rule = f"{importer!r} may not import {imported!r}: dependencies point down (docs/architecture.md)"
        problems += [f"{imp} ({importer} → {imported}): {rule}" for imp in where]
    for group in cycles(pair for pair in graph if pair not in allowed):
        links = [f"{graph[(a, b)][0]} ({a} → {b})" for a in group for b in group if (a, b) in graph]
        problems.append(f"cycle between the packages {group}: " + "; ".join(links))
    return problems


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules under ``chalicelib/`` over ``limit`` lines: path → lines."""
    counted = {str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
               for path in sorted((root / "chalicelib").rglob("*.py"))}
    return {path: lines for path, lines in counted.items() if lines > limit}


def table_imports(found: Iterable[Import]) -> dict[str, set[str]]:
    """Domain module → the table modules of ``aws/`` it imports (``*_repo`` and :data:`TABLE_MODULES`), where a
    store (``chalicelib/stores``) should stand between them."""
    reached: dict[str, set[str]] = {}
    for imp in found:
        module = imp.imported.split(".")[2] if imp.imported.count(".") >= 2 else ""
        if package(imp.importer) in DOMAIN and package(imp.imported) == "aws" and (
                module.endswith("_repo") or module in TABLE_MODULES):
            reached.setdefault(imp.importer, set()).add(module)
    return reached
