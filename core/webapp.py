"""The platform as an installable web app: manifest, service worker, offline page, favicon.

The service worker (``static/js/sw.js``) is served from the site's root, so
its scope is the whole site. It keeps the page shell (styles, scripts, icons,
the offline page) and shows ``/offline/`` when a page cannot be loaded; it
never keeps a page or an API answer, which are private to the member. Every
piece here is public (no member data), so the browser may fetch it without a
session, as it does the manifest.
"""

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

THEME_COLOR = "#0b4f8a"  # --brand in static/css/site.css
BACKGROUND_COLOR = "#ffffff"  # --paper

# What the service worker keeps: the page shell, never a page or an answer.
SHELL_STATIC = [
    "css/site.css",
    "css/forum.css",
    "css/chat.css",
    "css/events.css",
    "js/api.js",
    "js/live.js",
    "js/notifications.js",
    "js/push.js",
    "js/sw-register.js",
    "js/forum.js",
    "js/chat.js",
    "js/events.js",
    "js/uploads.js",
    "js/photo.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/favicon-32.png",
]


@login_not_required
@require_GET
@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest (in German, the platform's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        data = {
            "name": settings.SITE_NAME,
            "short_name": settings.SITE_NAME,
            "description": _("Das Netzwerk der Digitallotsinnen und Digitallotsen der Kommunen"),
            "lang": "de",
            "dir": "ltr",
            "id": "/",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "icons": [
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@cache
def _worker_source() -> str:
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as source:
        return source.read()


def _worker_config() -> dict:
    shell = [static(name) for name in SHELL_STATIC]
    offline = reverse("offline")
    digest = hashlib.sha256(json.dumps([shell, offline, _worker_source()]).encode()).hexdigest()
    return {"version": digest[:12], "shell": shell, "offline": offline}


@login_not_required
@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """``static/js/sw.js`` at the root of the site, told what to keep.

    A new deploy changes the hashed names, so the version and the browser
    installs the new worker, which drops the old cache.
    """
    config = json.dumps(_worker_config())
    response = HttpResponse(
        f"const LOTSENNETZ = {config};\n{_worker_source()}",
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
@require_GET
def offline(request):
    """Shown by the service worker when a page cannot be loaded: nothing personal on it."""
    response = render(request, "offline.html", {"theme_color": THEME_COLOR})
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_GET
def favicon(request):
    return redirect(static("icons/favicon.ico"), permanent=True)
