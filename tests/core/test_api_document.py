"""docs/api.md is the repository's own API contract, and nothing points outside the repository.

A fresh clone had a README linking to ../shared/API.md, which only existed
beside the working copy of its first authors (issue 20).
"""

import re
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "staticfiles", "__pycache__"}
TEXT_SUFFIXES = {".py", ".md", ".js", ".html", ".txt", ".toml", ".cfg", ".css", ".example"}
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def repository_files():
    for path in ROOT.rglob("*"):
        if (
            path.is_file()
            and not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
            and (path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", "run"})
        ):
            yield path


def test_nothing_in_the_repository_names_the_shared_contract_beside_it():
    offenders = [
        str(path.relative_to(ROOT))
        for path in repository_files()
        if path != Path(__file__) and "shared/API.md" in path.read_text(errors="replace")
    ]
    assert offenders == []


def test_every_relative_link_of_the_documentation_stays_inside_and_exists():
    broken = []
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = re.sub(r"```.*?```|`[^`]*`", "", document.read_text(), flags=re.S)  # code is no link
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


@pytest.mark.django_db
def test_the_api_document_names_every_endpoint_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    document = API_DOC.read_text()
    # In the document a path parameter is written <name> (or <…>), in the schema {name}.
    named = {
        re.sub(r"<[^>]+>", "{}", match)
        for match in re.findall(r"`(?:[A-Z]+ )?(/api/[^`?]*)[`?]", document)
    }
    missing = []
    for path in schema["paths"]:
        generic = re.sub(r"\{[^}]+\}", "{}", path)
        if generic not in named:
            missing.append(path)
    assert missing == []


def test_the_api_document_describes_every_chat_frame():
    document = API_DOC.read_text()
    for frame in ("message", "sync", "typing", "ready", "message_changed", "history"):
        assert f"| `{frame}` |" in document, frame
    for frame in ("presence", "room_closed", "error"):
        assert f"| `{frame}` |" in document, frame
    for code in ("4401", "4403", "4404", "rate_limited", "too_long", "invalid"):
        assert code in document, code
    for topic in ("If-Match", "412", "page_size", "Authorization: Token", "/api/schema/"):
        assert topic in document, topic
