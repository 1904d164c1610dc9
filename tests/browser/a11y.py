"""Helpers for the accessibility and walkthrough tests: axe-core, sessions, focus, screenshots."""

from pathlib import Path

from django.conf import settings

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def session_cookie(base_url: str, user) -> list[dict]:
    """A session cookie for ``user`` (signing in through the form has its own tests)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url,
        }
    ]


def new_context(browser, base_url: str, user=None, **options):
    """A browser context of its own for one person, signed in if ``user`` is given."""
    context = browser.new_context(
        base_url=base_url, locale="de-DE", viewport={"width": 1280, "height": 800}, **options
    )
    context.set_default_timeout(10_000)
    if user is not None:
        context.add_cookies(session_cookie(base_url, user))
    return context


def axe_violations(page, axe_script: Path) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA) in the page; the test injects the script, not the platform."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    result = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary,
                                            html: n.html})),
            }));
        }""",
        WCAG_TAGS,
    )
    return result


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    """The violations, readable in a failing test's output."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    - {node['target']}")
            lines.append(f"      {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"        {summary_line}")
    return "\n".join(lines)


def has_visible_focus(page) -> bool:
    """The focused element draws an outline or a box-shadow (WCAG 2.4.7)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            return outline || (style.boxShadow && style.boxShadow !== "none");
        }"""
    )


def tab_to(page, locator, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus; each stop must show it."""
    handle = locator.element_handle()
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(el) => document.activeElement === el", handle):
            assert has_visible_focus(page), f"no visible focus on {locator}"
            return
    raise AssertionError(f"{locator} not reached with {key} in {limit} steps")


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """A picture for the README (the whole page, or what the screen shows), overwritten on
    every run (fixed names)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    page.screenshot(path=path, full_page=full_page, animations="disabled")


# WCAG 1.4.11: the edge of a form field or button against what is behind it, 3:1.
LOW_CONTRAST_CONTROLS = """() => {
    const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
        const f = (v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
    };
    const behind = (el) => {
        for (let p = el.parentElement; p; p = p.parentElement) {
            const c = rgb(getComputedStyle(p).backgroundColor);
            if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const found = [];
    const controls = "input:not([type=hidden]):not([type=checkbox]):not([type=radio]),"
        + " select, textarea, button";
    for (const el of document.querySelectorAll(controls)) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || getComputedStyle(el).visibility === "hidden") continue;
        const style = getComputedStyle(el);
        const outside = behind(el);
        const fill = rgb(style.backgroundColor);
        const filled = fill.length === 3 || fill[3] > 0;
        const width = parseFloat(style.borderTopWidth);
        const bordered = width > 0 && style.borderTopStyle !== "none";
        const edge = bordered ? rgb(style.borderTopColor) : null;
        // A control is told apart by its border or by its own filled background.
        const best = Math.max(
            edge ? ratio(edge.slice(0, 3), outside) : 1,
            filled ? ratio(fill.slice(0, 3), outside) : 1,
        );
        const looksLikeText = !edge && !filled;  // link-style buttons: text contrast applies
        if (!looksLikeText && best < 3) {
            found.push(el.outerHTML.slice(0, 100) + " " + best.toFixed(2) + ":1");
        }
    }
    return found;
}"""


def low_contrast_controls(page) -> list[str]:
    return page.evaluate(LOW_CONTRAST_CONTROLS)
