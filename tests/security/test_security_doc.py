"""docs/security.md names a test for each claim; every name it gives must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def _defined_tests() -> dict[str, set[str]]:
    """Test function names per test file (by file name), and all of them under ""."""
    found: dict[str, set[str]] = {"": set()}
    for path in (ROOT / "tests").rglob("test_*.py"):
        names = set(re.findall(r"^(?:async )?def (test_\w+)", path.read_text(), re.MULTILINE))
        found.setdefault(path.name, set()).update(names)
        found[""].update(names)
    return found


def test_every_test_that_docs_security_md_names_exists():
    text = DOC.read_text()
    defined = _defined_tests()
    missing = []
    for file_name, test_name in re.findall(r"`(?:[\w/]*/)?(test_\w+\.py)::(test_\w+)", text):
        if test_name not in defined.get(file_name, set()):
            missing.append(f"{file_name}::{test_name}")
    for test_name in re.findall(r"`(test_\w+)`", text):
        if test_name not in defined[""]:
            missing.append(test_name)
    for file_name in set(re.findall(r"`(?:tests/[\w/]*?)?(test_\w+\.py)", text)):
        if file_name not in defined:
            missing.append(file_name)
    assert not missing, f"docs/security.md names tests that do not exist: {sorted(set(missing))}"
