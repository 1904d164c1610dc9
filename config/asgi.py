"""ASGI entry point: HTTP through Django, WebSocket through Channels.

Several daphne processes serve this application side by side; they share
PostgreSQL and the Redis channel layer and so form one platform.
"""

import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from community.middleware import socket_needs_second_factor  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from config.runtime import (  # noqa: E402
    feed_request_bodies_from_disk,
    format_websocket_options_lazily,
    keep_request_bodies_out_of_twisted,
    settle_heap,
)
from core.ws_auth import SocketAuthMiddleware  # noqa: E402
from files.asgi import BodyLimitMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Oversized uploads are refused before Django reads their body.
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            SocketAuthMiddleware(
                URLRouter(websocket_urlpatterns), refuse=socket_needs_second_factor
            )
        ),
    }
)

# Uploads reach Django as they came, not parsed into memory by Twisted first.
keep_request_bodies_out_of_twisted()
feed_request_bodies_from_disk()
# autobahn's debug dump of each WebSocket's options, formatted only if logged.
format_websocket_options_lazily()

# Load the URLconf (and with it every view module) now, then put what was
# loaded out of the garbage collector's way.
get_resolver().url_patterns  # noqa: B018
settle_heap()
