"""The closed network: every page needs an account.

Pages marked with ``login_not_required`` (sign-in, sign-up, password reset,
legal pages) are the exceptions. API views are left to Django REST framework,
which answers 401/403 with a JSON reason instead of a redirect.
"""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from rest_framework.authentication import get_authorization_header
from rest_framework.views import APIView

from community import services
from community.authentication import key_from_authorization, request_token


class ClosedNetworkMiddleware(LoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


# Pages a member who still needs a second factor may reach: setting it up, signing out.
SECOND_FACTOR_FREE_PAGES = {"logout", "set_language"}
SECOND_FACTOR_FREE_API = {"api_token", "api_member_totp", "api_member_totp_confirm"}


def _is_api_view(view_func) -> bool:
    view_class = getattr(view_func, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _acting_member(request, api: bool):
    """The member the view will act for: a valid token's (API) or the session's."""
    if api and key_from_authorization(get_authorization_header(request)):
        token = request_token(request)
        return token.user if token is not None else None
    user = request.user
    return user if user.is_authenticated else None


class SecondFactorRequiredMiddleware:
    """Members whose role requires a second factor reach only its set-up until they have one.

    Pages redirect to ``/profil/zweiter-faktor/``; the API answers 403
    ``{"code": "second_factor_required"}`` except for the endpoints that set one up
    (docs/api.md). Public pages (``login_not_required``) stay public.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        api = _is_api_view(view_func)
        if not api and not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if api and name in SECOND_FACTOR_FREE_API:
            return None
        if not api and (name in SECOND_FACTOR_FREE_PAGES or name.startswith("second_factor")):
            return None
        if not api and request.session.get("oidc_second_factor"):
            # Signed in through the municipality's identity provider, which said it asked
            # for a second factor (or the operator trusts it to; docs/deploy, 19).
            return None
        member = _acting_member(request, api)
        if member is None or not services.second_factor_missing(member):
            return None
        if api:
            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "detail": _(
                        "Ihre Rolle verlangt einen zweiten Faktor. Richten Sie zuerst eine "
                        "Authenticator-App ein (POST /api/members/me/totp/)."
                    ),
                },
                status=403,
            )
        return redirect("second_factor_manage")


def socket_needs_second_factor(user) -> bool:
    """A socket of a member who still needs a second factor authenticates nobody:
    every consumer then refuses it (4401), as it refuses a socket without a session
    (config/asgi.py hands this to ``core.ws_auth.SocketAuthMiddleware``)."""
    return services.second_factor_missing(user)


class LanguageMemoryMiddleware:
    """Remember the language of a signed-in member's pages (``User.language``).

    What reaches a member without a request of theirs (the live bell, Web
    Push) speaks the language they last used. One UPDATE only when it changed;
    the site's language is stored as empty, so a member who never chose
    another costs nothing. After LocaleMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(request, "LANGUAGE_CODE", "") or ""
            stored = "" if language == settings.LANGUAGE_CODE else language
            if language in dict(settings.LANGUAGES) and user.language != stored:
                services.member_language_remember(member=user, language=stored)
        return self.get_response(request)
