"""``/healthz``: is this worker able to reach its database and Redis?

For load balancers and monitoring; says nothing about members or content.
A load balancer asks every few seconds: the Redis client (and its connection
pool) is made once per process and URL, so a check reuses its connection
instead of opening and closing one each time.
"""

import logging
import threading

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis_client(url: str):
    """One client per process and URL; its pool keeps the connection between checks."""
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = redis.Redis.from_url(
                    url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
                )
    return client


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    _redis_client(settings.REDIS_URL).ping()
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in (("database", _database), ("redis", _redis)):
        try:
            checks[name] = check()
        except Exception:  # any failure means "not healthy"; the log has the details
            logger.exception("health check %s failed", name)
            checks[name] = "unavailable"
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
