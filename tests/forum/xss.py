"""An XSS corpus and a checker for HTML that claims to be safe (shared by the forum tests)."""

from html.parser import HTMLParser

# Every form of link Markdown has, with hostile schemes plain, mixed-case,
# entity-obfuscated and split by whitespace; raw HTML with event handlers;
# svg/math mutation payloads; attr-list style injection.
XSS_PAYLOADS = [
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick]( javascript:alert(1) )",
    "[klick](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[klick](&#x6A;avascript&#x3A;alert(1))",
    "[klick](java\tscript:alert(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klick](vbscript:msgbox(1))",
    '[klick](https://example.org "title" onmouseover=alert(1))',
    "[ref][x]\n\n[x]: javascript:alert(1)",
    "[ref][y]\n\n[y]: data:text/html,<script>alert(1)</script>",
    "<javascript:alert(1)>",
    "![bild](javascript:alert(1))",
    "![bild](x onerror=alert(1))",
    '<a href="javascript:alert(1)">a</a>',
    '<a href="&#106;avascript:alert(1)">b</a>',
    '<a href="jav&#x09;ascript:alert(1)">c</a>',
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<div onclick="alert(1)">d</div>',
    '<p style="background:url(javascript:alert(1))">e</p>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<svg><a xlink:href=javascript:alert(1)><text>f</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"
    "</style></mglyph></table></mtext></math>",
    "<math><mi xlink:href=javascript:alert(1)>g</mi></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><svg><mtext><style>"
    '<path id="</style><img onerror=alert(1) src>">',
    "<details open ontoggle=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "<input autofocus onfocus=alert(1)>",
    "# Titel {: onclick=alert(1) }",
    'Absatz {: style="color:red" onclick="alert(1)" }',
    "[link](https://example.org){: onclick=alert(1) style=x }",
    '<h1 id="main">Kopf</h1>',
    '<a name="main" id="posts">anker</a>',
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    '<td align="left" onclick="alert(1)">x</td>',
    "@<img src=x onerror=alert(1)>",
    "@javascript:alert(1)",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
]

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
SAFE_SCHEMES = ("http://", "https://", "mailto:")
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "img", "form", "input",
    "base", "meta", "link", "details", "textarea", "noscript", "h1", "h2",
}  # fmt: skip


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href":
                target = (value or "").strip().lower()
                if not (target.startswith(SAFE_SCHEMES) or target.startswith("/menschen/")):
                    self.problems.append(f"href {value!r}")


def problems(html: str) -> list[str]:
    """Why this HTML is not safe to insert into a page (empty when it is)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


def assert_safe(html: str) -> None:
    found = problems(html)
    assert not found, f"{found} in {html!r}"


class _PageChecker(HTMLParser):
    """A whole page: only the site's own static scripts, no handlers, no hostile URLs."""

    BAD_TAGS = {"svg", "math", "iframe", "img", "object", "embed", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # The site's own decorative icons (base.html's bell): the sanitiser never lets an
        # <svg> through, so one with exactly these attributes is the template's.
        own_icon = tag == "svg" and attrs.get("class") == "icon" and attrs.get("aria-hidden")
        if tag in self.BAD_TAGS and not own_icon:
            self.problems.append(f"tag <{tag}>")
        # json_script's data (type="application/json") is never run; the CSP forbids inline code.
        if (
            tag == "script"
            and not (attrs.get("src") or "").startswith("/static/")
            and attrs.get("type") != "application/json"
        ):
            self.problems.append("inline script")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in {"href", "src", "action", "formaction"}:
                target = "".join((value or "").split()).lower()
                if target.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{name}={value!r}")


def page_problems(html: str) -> list[str]:
    checker = _PageChecker()
    checker.feed(html)
    checker.close()
    return checker.problems
