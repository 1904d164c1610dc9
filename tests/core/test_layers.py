"""One direction of dependency (issue 17): core knows no app, no app knows the top floor
(privacy and directory, which do not know each other either)."""

import ast
from pathlib import Path

import pytest

import core

APPS = {"files", "community", "notifications", "forum", "events", "chat"}
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


TOP_FLOOR = ("privacy", "directory", "home")


@pytest.mark.parametrize("top", TOP_FLOOR)
def test_no_app_below_the_top_floor_imports_it(top):
    """Nor does one top-floor app import another (home, the start page, joined in issue 20)."""
    beside = [app for app in TOP_FLOOR if app != top]
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for app in ["core", *sorted(APPS), *beside]
        for path in (ROOT / app).rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] == top
    }
    assert offenders == set()


def test_nothing_below_notifications_imports_it():
    """community reaches the bell only through its hooks (community/hooks.py)."""
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for app in ["core", "community"]
        for path in (ROOT / app).rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] == "notifications"
    }
    assert offenders == set()


def test_core_imports_no_app_even_late():
    """WebSocket tokens are community's: it registers them (ws_auth.register_token_auth)."""
    offenders = {
        f"{path.name}: {name}"
        for path in Path(core.__file__).parent.rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] in APPS
    }
    assert offenders == set()


@pytest.mark.parametrize(
    "module", ["community/services/projects.py", "community/management/commands/seed_demo.py"]
)
def test_projects_and_the_demo_command_name_no_app_above_community(module):
    """The project room follows hooks that chat connects; each app seeds its own demo."""
    above = {"forum", "chat", "events", "directory", "notifications", "privacy", "home"}
    names = {name for name in _all_imports(ROOT / module) if name.split(".")[0] in above}
    assert names == set()


def test_files_knows_no_app_above_it():
    """files/ sits right above core: apps attach files and register who may see them."""
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "files").rglob("*.py")
        for name in _all_imports(path)
        if name.split(".")[0] in (APPS - {"files"}) | {"privacy", "directory"}
    }
    assert offenders == set()
