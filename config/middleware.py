"""Security headers Django's SecurityMiddleware does not set, and rate limits.

``SecurityHeadersMiddleware``: Content-Security-Policy, Permissions-Policy,
Cross-Origin-Resource-Policy. ``RateLimitMiddleware``: sign-up, password reset
and forum posting (see docs/security.md).

The Content-Security-Policy allows no inline script anywhere: every script is
a static file of our own (``static/js``), nothing is loaded from a third party.
``connect-src`` names the WebSocket scheme of the requesting host explicitly,
because browsers before CSP level 3 do not let ``'self'`` cover ``ws(s):``.

The sign-in through a municipality's identity provider (issue 21) leaves by a
redirect after a form (the address on the sign-in page, the sign-out button):
``form-action`` then names the provider's origin too (``_form_action_sources``).

One view gets a policy of its own: the Swagger UI at ``/api/docs/`` renders
drf-spectacular's inline bootstrap script and style. Exactly those blocks are
allowed by their SHA-256 hashes, computed from the response the view produced,
and only when no query parameter reached the template (drf-spectacular copies
``lang`` and ``version`` into the script).
"""

import base64
import hashlib
import re

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.authentication import get_authorization_header

from community.authentication import key_from_authorization, request_token
from core import throttling
from core.addresses import canonical_email

CSP_FORM_ACTION_SESSION_KEY = "csp_form_action"
# scheme://host[:port] and nothing else: no spaces, quotes or semicolons reach the header.
CSP_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?"
)
INLINE_BLOCK = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


def _sha256_source(content: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode() + "'"


def _websocket_sources(request) -> list[str]:
    host = request.get_host()
    return [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]


def _policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(
        " ".join([name, *sources]) if sources else name for name, sources in directives.items()
    )


def _form_action_sources(request) -> list[str]:
    """Other origins a form of this page may lead to through a redirect (browsers check
    form-action on every redirect of a form's submission): a view names them in
    ``request.csp_form_action``, a session in ``csp_form_action`` (read only when the
    page read the session anyway, so no response varies by cookie because of this)."""
    sources = list(getattr(request, "csp_form_action", ()))
    session = getattr(request, "session", None)
    if session is not None and session.accessed:
        stored = session.get(CSP_FORM_ACTION_SESSION_KEY)
        if isinstance(stored, list):
            sources += [s for s in stored if isinstance(s, str)]
    return [s for s in dict.fromkeys(sources) if CSP_ORIGIN.fullmatch(s)]


def content_security_policy(request, response) -> str:
    directives = {name: list(sources) for name, sources in settings.CSP_DIRECTIVES.items()}
    directives["connect-src"] = [*directives.get("connect-src", []), *_websocket_sources(request)]
    if extra := _form_action_sources(request):
        directives["form-action"] = [*directives.get("form-action", []), *extra]
    match = getattr(request, "resolver_match", None)
    if (
        match is not None
        and match.url_name in settings.CSP_HASHED_INLINE_VIEWS
        and not request.GET
        and not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("text/html")
    ):
        for tag, body in INLINE_BLOCK.findall(response.content):
            if body.strip():
                directive = "script-src" if tag.lower() == b"script" else "style-src"
                directives[directive].append(_sha256_source(body))
        directives["img-src"] = [*directives.get("img-src", []), "data:"]
    return _policy(directives)


class SecurityHeadersMiddleware:
    """Adds CSP, Permissions-Policy and Cross-Origin-Resource-Policy to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request, response))
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


# --- rate limits -------------------------------------------------------------------------
# POSTs to these views are counted; sign-in has its own throttle (core.throttling).
# view name -> [(limit name in settings.RATE_LIMITS, what is counted)]
RATE_LIMITED_VIEWS = {
    "signup": [("signup_address", "address"), ("signup_email", "email")],
    "password_reset": [("password_reset_address", "address"), ("password_reset_email", "email")],
    "forum:thread_create": [("forum_thread", "member")],
    "forum-thread-list": [("forum_thread", "member")],
    "forum:reply": [("forum_post", "member")],
    "forum-thread-posts": [("forum_post", "member")],
    # Without a session (a service worker): guessing old endpoints and secrets is slow.
    "api_push_subscription_change": [("push_change_address", "address")],
}


def _identity(request, counted: str) -> str | None:
    if counted == "address":
        return throttling.client_address(request)
    if counted == "email":
        # Every spelling of one mailbox shares its counter (core.addresses).
        return canonical_email(request.POST.get("email", "")) or None
    # The member the view will act for counts, never the header's text. The API
    # (DRF) takes a Token header before the session and authenticates inside the
    # view, reusing this lookup; pages know only the session. Without a valid
    # member (a made-up token), the address counts.
    if request.path.startswith("/api/") and key_from_authorization(
        get_authorization_header(request)
    ):
        token = request_token(request)
        member_id = token.user_id if token is not None else None
    else:
        member_id = request.user.pk if request.user.is_authenticated else None
    if member_id is not None:
        return f"user:{member_id}"
    address = throttling.client_address(request)
    return f"address:{address}" if address else None


def _too_many(request, window: int):
    message = _("Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es später noch einmal.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(window)
    return response


def _as_if_sent(request, view_name: str):
    """What the view answers when the e-mail leaves, so the limit reveals no account."""
    if view_name == "password_reset":
        return redirect("password_reset_done")
    return render(request, "community/signup_sent.html", {"email": request.POST.get("email")})


class RateLimitMiddleware:
    """Fixed-window limits on sign-up, password reset and forum posting.

    Sign-up and password reset count per address (flood level, for a city hall
    behind one NAT address) and per target e-mail address; over the e-mail limit
    the answer is the same as when the mail is sent, so it never tells whether
    an account exists. Posting counts per member (session or valid token, one
    counter for both); a request without a valid member counts its address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = getattr(request, "resolver_match", None)
        rules = RATE_LIMITED_VIEWS.get(match.view_name) if match else None
        if not rules:
            return None
        for limit_name, counted in rules:
            identity = _identity(request, counted)
            if identity is None:
                continue
            limit, window = settings.RATE_LIMITS[limit_name]
            if throttling.rate_limited(
                scope=limit_name, identity=identity, limit=limit, window=window
            ):
                if counted == "email":
                    return _as_if_sent(request, match.view_name)
                return _too_many(request, window)
        return None
