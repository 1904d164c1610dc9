"""One direction of dependency (issue 17): core knows no app, no app knows privacy."""

import ast
from pathlib import Path

import core

APPS = {"files", "community", "forum", "events", "chat"}
ROOT = Path(core.__file__).parent.parent


def _module_level_imports(path: Path) -> list[str]:
    """Imports outside functions (a late import inside a function is allowed, commented)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        for child in ast.walk(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                break
            if isinstance(child, ast.Import):
                found += [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                found.append(child.module)
    return found


def test_core_imports_no_app_at_module_level():
    offenders = {
        f"{path.name}: {name}"
        for path in Path(core.__file__).parent.rglob("*.py")
        for name in _module_level_imports(path)
        if name.split(".")[0] in APPS
    }
    assert offenders == set()


def _all_imports(path: Path) -> list[str]:
    """Every import, late ones inside functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return found


def test_no_app_below_privacy_imports_it():
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for app in ["core", *sorted(APPS)]
        for path in (ROOT / app).rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] == "privacy"
    }
    assert offenders == set()


def test_files_knows_no_app_above_it():
    """files/ sits right above core: apps attach files and register who may see them."""
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "files").rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] in (APPS - {"files"}) | {"privacy"}
    }
    assert offenders == set()
