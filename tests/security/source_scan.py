"""Static checks over Hearth's source with ``ast``: secrets compared with ``==`` and SQL built from strings.

Both are heuristics tuned to be quiet on correct code and loud on the mistakes they name; the tests in
``test_source_scan.py`` run them over the product and over small known-good and known-bad snippets.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "cogs", "storage")
SECRETISH = re.compile(r"signature|secret|token|hmac|digest|(^|_)sig($|_)|(^|_)mac($|_)", re.IGNORECASE)
MAX_DEPTH = 8
SQL_CALLS = frozenset({"text", "exec_driver_sql", "execute", "executemany", "executescript"})


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    function: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.code}"


@functools.cache
def source_files() -> tuple[tuple[str, ast.Module], ...]:
    """Every module of the product, parsed once per test session."""
    return tuple((str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"), str(path)))
                 for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py")))


@functools.cache  # both scans walk the same trees: once each (trees hash by identity)
def _scopes(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """The nodes of each function (by name; ``<module>`` for the rest), nested functions kept apart."""
    scopes: dict[str, list[ast.AST]] = {}
    stack: list[tuple[str, ast.AST]] = [("<module>", child) for child in ast.iter_child_nodes(tree)]
    while stack:
        scope, node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scope = node.name
        scopes.setdefault(scope, []).append(node)
        stack.extend((scope, child) for child in ast.iter_child_nodes(node))
    return scopes


# --- secrets compared with == -----------------------------------------------------------------------


def _name_of(node: ast.AST) -> str | None:
    """What a comparison side is called: ``x``, ``self.secret``, ``mac.hexdigest()``. Indexing stops the walk:
    ``token[0]`` is one item of a parsed sequence, not a credential."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _name_of(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _name_of(node.func)
    return None


def _is_literal(node: ast.AST) -> bool:
    # A secret compared with a literal leaks nothing the source doesn't already show ("", "UTC", None).
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and all(_is_literal(item) for item in node.elts)


def secret_comparisons(tree: ast.Module, path: str = "<snippet>") -> list[Finding]:
    found: list[Finding] = []
    for function, nodes in _scopes(tree).items():
        for node in nodes:
            if not isinstance(node, ast.Compare):
                continue
            if not any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops):
                continue
            sides = [node.left, *node.comparators]
            secret_sides = [side for side in sides if SECRETISH.search(_name_of(side) or "")]
            if secret_sides and not all(_is_literal(side) for side in sides if side not in secret_sides):
                found.append(Finding(path, node.lineno, function, ast.unparse(node)))
    return found


# --- SQL built from strings ----------------------------------------------------------------------------


def _module_constants(tree: ast.Module) -> set[str]:
    """UPPER_CASE module names bound once to a string made of literals only."""
    constants: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            if name.isupper() and _built_from_literals(value):
                constants.add(name)
    return constants


def _built_from_literals(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _built_from_literals(node.left) and _built_from_literals(node.right)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(part, ast.Constant) for part in node.values)
    return False


class _SqlScope:
    """One function's assignments, to follow ``sql = f"…"; execute(sql)`` one name deep."""

    def __init__(self, nodes: list[ast.AST], constants: set[str]) -> None:
        self.constants = constants
        self.assigned: dict[str, list[ast.AST]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
                # A loop over literals (`for trigger in ("a", "b")`) binds only literals.
                source = node.iter if _is_literal(node.iter) else ast.Name(id="<loop>")
                self.assigned.setdefault(node.target.id, []).append(source)

    def built(self, node: ast.AST, depth: int = 0) -> bool:
        """Whether this argument is a string assembled here (f-string, %, +, .format, .join)."""
        if isinstance(node, ast.JoinedStr):
            return any(isinstance(part, ast.FormattedValue) for part in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
            return True
        if isinstance(node, ast.Name) and depth == 0:
            return any(self.built(value, 1) for value in self.assigned.get(node.id, ()))
        return False

    def safe(self, node: ast.AST, depth: int = 0) -> bool:
        """Whether every part that goes into the SQL text is fixed by the code (never a runtime value)."""
        if depth > MAX_DEPTH:
            return False  # a name built from itself (`sql = sql + …`) ends here
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return True
            values = self.assigned.get(node.id)
            return bool(values) and all(self.safe(value, depth + 1) for value in values)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return all(self.safe(item, depth + 1) for item in node.elts)
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(part.value, depth + 1) for part in node.values if isinstance(part, ast.FormattedValue))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            return self.safe(node.left, depth + 1)  # ["(?, ?)"] * n: the count is no SQL text
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            return self.safe(node.left, depth + 1) and self.safe(node.right, depth + 1)
        if isinstance(node, ast.Call):
            return self._safe_call(node, depth)
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            return self.safe(node.elt, depth + 1)
        return False

    def _safe_call(self, node: ast.Call, depth: int) -> bool:
        func = node.func
        if "identifier_preparer" in ast.unparse(func):
            return True  # quote() / format_table(): the dialect quotes the identifier
        if isinstance(func, ast.Attribute) and func.attr in ("join", "format"):
            return self.safe(func.value, depth + 1) and all(self.safe(arg, depth + 1) for arg in node.args)
        return False


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def string_built_sql(tree: ast.Module, path: str = "<snippet>") -> list[Finding]:
    found: list[Finding] = []
    constants = _module_constants(tree)
    for function, nodes in _scopes(tree).items():
        calls = [node for node in nodes if isinstance(node, ast.Call) and node.args and _called(node) in SQL_CALLS]
        if not calls:
            continue
        sql = _SqlScope(nodes, constants)
        for node in calls:
            argument = node.args[0]
            if sql.built(argument) and not sql.safe(argument):
                found.append(Finding(path, node.lineno, function, ast.unparse(node)[:160]))
    return found
