"""The platform-neutral core never imports a chat library (BRIEF: arrows point one way)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"discord", "telegram"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_cogs_and_kit_import_no_chat_library() -> None:
    offenders = []
    for folder in ("cogs", "bot/kit"):
        for path in (ROOT / folder).rglob("*.py"):
            bad = _imports(path) & FORBIDDEN
            offenders += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(bad)]
    assert offenders == []


def test_storage_imports_neither_cogs_nor_bot() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "storage").rglob("*.py")
                 if _imports(p) & {"cogs", "bot", "discord", "telegram"}]
    assert offenders == []


def test_cogs_import_no_adapter() -> None:
    offenders = []
    for path in (ROOT / "cogs").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "bot.adapters" in source or "bot.app" in source:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
