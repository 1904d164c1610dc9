"""The authorization matrix as Markdown tables, for docs/security.md.

``python -m tests.security.docs`` prints them (run with the test settings:
``DJANGO_SETTINGS_MODULE=tests.settings``); a test keeps the document in step.
"""

if __name__ == "__main__":
    import django

    django.setup()

from tests.security.harness import METHODS, url_patterns
from tests.security.matrix import ADMIN_ROW, ANY, EXPECT, ROWS
from tests.security.world import ROLE_TITLES, ROLES

SECTIONS = [
    (
        "Öffentlich und Konto",
        lambda route: not route.startswith(("api/", "forum/", "chat/", "termine/")),
    ),
    ("Forum", lambda route: route.startswith("forum/")),
    ("Chat", lambda route: route.startswith("chat/")),
    ("Termine", lambda route: route.startswith("termine/")),
    ("API", lambda route: route.startswith("api/")),
]


def routes() -> dict[str, str]:
    found = {}
    for route, name in url_patterns():
        if name in ROWS and name not in found:
            found[name] = "/" + route.replace("^", "").replace("$", "")
    return found


def _cells(expect: dict[str, str]) -> list[str]:
    """Per role the letters for GET, POST, PUT, PATCH, DELETE, in that order."""
    letters = [expect.get(method, ANY) for method in METHODS]
    return [f"`{''.join(row[i] for row in letters)}`" for i in range(len(ROLES))]


def matrix_markdown() -> str:
    names = routes()
    head = "| URL | " + " | ".join(ROLE_TITLES[r] for r in ROLES) + " | Hinweis |"
    rule = "| --- | " + " | ".join("---" for _ in ROLES) + " | --- |"
    parts = []
    for title, belongs in SECTIONS:
        lines = [f"### {title}", "", head, rule]
        for name, row in ROWS.items():
            route = names.get(name, "")
            if belongs(route.lstrip("/")):
                cells = " | ".join(_cells(EXPECT[name]))
                lines.append(f"| `{route}` | {cells} | {row.note} |")
        parts.append("\n".join(lines))
    cells = " | ".join(_cells(EXPECT["admin"]))
    parts.append(f"### Verwaltung\n\n{head}\n{rule}\n| `/admin/…` | {cells} | {ADMIN_ROW.note} |")
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    print(matrix_markdown())
