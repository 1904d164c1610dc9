"""Production static files: ES module imports point at the hashed files."""

import re

from django.core.management import call_command
from django.test import override_settings


def test_collected_page_scripts_import_the_hashed_shared_modules(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    (chat,) = [p for p in (tmp_path / "js").glob("chat.*.js") if not p.name.endswith(".gz")]
    imported = set(re.findall(r"""from\s+["']([^"']+)["']""", chat.read_text()))
    assert imported, "chat.js imports the shared modules"
    assert all(re.search(r"\.[0-9a-f]{12}\.js$", name) for name in imported), imported
    for name in imported:
        assert (tmp_path / "js" / name.removeprefix("./")).exists()
