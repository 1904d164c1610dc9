"""In Chromium, the main pages and the API docs run under the CSP without a single violation."""

import pytest

from tests.browser.conftest import sign_in_by_form
from tests.security.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def signed_in(page, user) -> list[str]:
    """Sign in through the page, recording CSP violations; returns the console log."""
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in_by_form(page, user.email)
    page.wait_for_url("**/")
    return console


def test_main_pages_and_the_api_docs_cause_no_csp_violation(page):
    w = build_world()
    w.users["member"].passkeys.all().delete()  # the world's passkey would ask for a second step
    console = signed_in(page, w.users["member"])
    violations = {}
    for url in [
        "/",
        "/menschen/",
        f"/projekte/{w.project.pk}/",
        "/forum/",
        f"/forum/thema/{w.thread.pk}/",
        f"/chat/{w.private_room.slug}/",
        f"/termine/{w.event.pk}/",
        "/benachrichtigungen/",
        "/api/docs/",
    ]:
        page.goto(url)
        page.wait_for_load_state("load")
        if url == "/api/docs/":
            page.locator(".swagger-ui .info .title").wait_for()  # rendered by its scripts
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[url] = found
    assert violations == {}
    assert [m for m in console if "Content Security Policy" in m] == []


def test_the_admin_causes_no_csp_violation(page):
    w = build_world()
    console = signed_in(page, w.users["admin"])
    violations = {}
    for url in [
        "/admin/",
        "/admin/community/user/",
        f"/admin/community/user/{w.users['member'].pk}/change/",
        f"/admin/community/project/{w.project.pk}/change/",
        "/admin/events/event/add/",
    ]:
        page.goto(url)
        page.wait_for_load_state("load")
        found = page.evaluate("window.__cspViolations")
        if found:
            violations[url] = found
    assert violations == {}
    assert [m for m in console if "Content Security Policy" in m] == []
