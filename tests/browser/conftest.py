"""Playwright driving Debian's Chromium (``apt-get install chromium``).

``playwright install`` cannot download a browser here, so the tests launch the
system Chromium. Outside CI a machine without it skips these tests; under CI
they fail instead, as .ci/run installs it.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Module scope: Playwright's sync API keeps an event loop running while it is
# open, which must not overlap the asyncio tests of other modules.
@pytest.fixture(scope="module")
def chromium():
    require_service("chromium", CHROMIUM.exists())
    from playwright.sync_api import sync_playwright

    # While Playwright's loop runs, the tests' own ORM calls (fixtures, database
    # teardown) happen in this thread all the same; they are safe, so allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


AXE_DIR = Path(__file__).resolve().parent
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core at the version pinned in package-lock.json, installed by npm on first use."""
    if not AXE_SCRIPT.exists():
        import shutil
        import subprocess

        npm = shutil.which("npm")
        require_service("npm", npm is not None)
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=AXE_DIR,
            timeout=240,
        )
        require_service("npm registry (for axe-core)", installed.returncode == 0)
    return AXE_SCRIPT


def sign_in_by_form(page, email: str, password: str | None = None, *, path: str = "/anmelden/"):
    """Through the sign-in page's two steps: the address and "Weiter", then the password.

    ``path`` is where to start (None: the page is already on the first step).
    """
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    if path is not None:
        page.goto(path)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_role("button", name="Weiter").click()
    password_field = page.get_by_label("Passwort")
    expect(password_field).to_be_focused()
    password_field.fill(PASSWORD if password is None else password)
    page.get_by_role("button", name="Anmelden").click()
