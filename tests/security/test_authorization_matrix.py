"""Every URL pattern is classified, and every role gets exactly what the matrix says.

The matrix lives in tests/security/matrix.py and, as tables, in docs/security.md.
A new URL pattern without a row fails here until someone decides who may use it.
"""

from pathlib import Path

import pytest

from tests.security.docs import SECTIONS, matrix_markdown, routes
from tests.security.harness import METHODS, clients, observe, url_patterns
from tests.security.matrix import ADMIN_ROW, ANY, EXPECT, ROWS
from tests.security.world import ROLES, build_world

FORMAT_SUFFIX = r"\.(?P<format>"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_every_url_pattern_has_a_row_in_the_matrix():
    unclassified = []
    for route, name in url_patterns():
        if name.startswith("admin:"):
            continue  # the Django admin as a group: ADMIN_ROW
        if name not in ROWS:
            unclassified.append(f"{route} (name {name!r})")
    assert not unclassified, "URL patterns without a row in tests/security/matrix.py:\n" + (
        "\n".join(unclassified)
    )


def test_the_matrix_names_only_existing_patterns_and_every_row_has_expectations():
    names = {name for _route, name in url_patterns()}
    assert set(ROWS) - names == set()
    assert set(EXPECT) == set(ROWS) | {"admin"}
    for name, expect in EXPECT.items():
        assert set(expect) <= set(METHODS), name
        assert all(len(letters) == len(ROLES) for letters in expect.values()), name


def test_format_suffix_routes_share_the_row_of_their_resource():
    suffixed = [(route, name) for route, name in url_patterns() if FORMAT_SUFFIX in route]
    assert suffixed, "DRF's routers add .json variants; they fall under the same row"
    assert all(name in ROWS for _route, name in suffixed)


def rows_of(section: str) -> list:
    names = routes()
    belongs = dict(SECTIONS)[section]
    rows = [(name, row) for name, row in ROWS.items() if belongs(names[name].lstrip("/"))]
    return [*rows, ("admin", ADMIN_ROW)] if section == SECTIONS[0][0] else rows


def test_the_sections_together_hold_every_row():
    assert sum(len(rows_of(title)) for title, _belongs in SECTIONS) == len(ROWS) + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "section",
    [title for title, _belongs in SECTIONS],
    ids=["public-and-account", "forum", "chat", "events", "api"],
)
def test_every_role_gets_what_the_matrix_says_for_every_pattern_and_method(section):
    world = build_world()
    role_clients = clients(world)
    wrong = []
    for name, row in rows_of(section):
        observed = observe(world, row, role_clients=role_clients)
        for method in METHODS:
            expected = EXPECT[name].get(method, ANY)
            if observed[method] != expected:
                wrong.append(
                    f"{name} {method} {row.path(world)}: "
                    f"expected {expected}, got {observed[method]}"
                )
    assert not wrong, "roles: " + " ".join(ROLES) + "\n" + "\n".join(wrong)


def test_docs_security_md_shows_the_same_matrix():
    assert matrix_markdown() in DOCS.read_text(encoding="utf-8"), (
        "docs/security.md is out of date: paste the output of "
        "`DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -m tests.security.docs`"
    )
