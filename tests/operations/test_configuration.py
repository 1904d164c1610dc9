"""Settings from the environment, production safety, migrations, and proof of the services."""

import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.servers import ROOT, run_python

SETUP = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); "
)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(SETUP + "print('started')", DEBUG="0", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = run_python(
        SETUP + "print('started')", DEBUG="0", SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_mode_starts_without_any_configuration():
    result = run_python(
        SETUP
        + "from django.conf import settings as s; "
        + "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], "
        + "s.CACHES['default']['BACKEND'])",
        DEBUG="1",
        SECRET_KEY=None,
        DATABASE_URL=None,
        REDIS_URL=None,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    result = run_python(
        SETUP
        + "from django.conf import settings as s; "
        + "host = s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0]; "
        + "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'], "
        + "s.CACHES['default']['BACKEND'], host['socket_timeout'], host['max_connections'])",
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lotsennetz",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    engine, layer, cache, socket_timeout, max_connections = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert layer == "core.channel_layer.RedisChannelLayer"
    assert cache == "django.core.cache.backends.redis.RedisCache"
    from channels_redis.core import RedisChannelLayer

    # The read timeout must outlast the blocking pop, or idle sockets die with 1011.
    assert float(socket_timeout) > RedisChannelLayer.brpop_timeout * 2
    assert int(max_connections) > 100


def test_check_deploy_reports_nothing_in_a_production_configuration():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "lotsennetz.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail("models changed without a migration:\n" + out.getvalue())


@pytest.mark.django_db
def test_under_ci_the_suite_runs_against_postgresql_and_redis():
    """Under CI this must hold; outside CI the embedded default is fine."""
    from channels.layers import get_channel_layer
    from django.core.cache import caches
    from django.db import connection

    if not os.environ.get("CI"):
        pytest.skip("outside CI the suite may run on the embedded default")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    # The chat rooms' doorbells go over Redis pub/sub (chat.hub), the rest does not.
    from chat import hub

    assert type(hub.room_layer()).__name__ == "RedisPubSubChannelLayer"
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    cache.set("ci-proof", "ok", 10)
    assert cache.get("ci-proof") == "ok"


def test_a_malformed_retention_per_room_kind_stops_the_start_with_a_clear_message():
    result = run_python(
        SETUP + "print('started')", DEBUG="1", CHAT_RETENTION_DAYS_BY_KIND="direct=neunzig"
    )
    assert result.returncode != 0
    assert "CHAT_RETENTION_DAYS_BY_KIND: 'direct=neunzig' is not kind=days" in result.stderr


def test_an_unknown_room_kind_in_the_retention_is_reported_by_the_system_check():
    result = run_python(
        SETUP + "from django.core.management import call_command; call_command('check')",
        DEBUG="1",
        CHAT_RETENTION_DAYS_BY_KIND="direkt=90, private=365",
    )
    assert result.returncode != 0
    assert "chat.E001" in result.stderr and "direkt" in result.stderr


def test_the_retention_per_room_kind_is_read_from_the_environment():
    result = run_python(
        SETUP + "from django.conf import settings as s; print(s.CHAT_RETENTION_DAYS_BY_KIND)",
        DEBUG="1",
        CHAT_RETENTION_DAYS_BY_KIND="direct=90, private = 365",
    )
    assert result.stdout.strip() == "{'direct': 90, 'private': 365}", result.stderr


def test_pages_may_show_pictures_from_the_object_storage_when_downloads_go_there():
    result = run_python(
        SETUP
        + "from django.conf import settings as s; print(' '.join(s.CSP_DIRECTIVES['img-src']))",
        DEBUG="1",
        FILES_STORAGE="s3",
        FILES_DELIVERY="s3",
        S3_BUCKET="lotsennetz",
        S3_ENDPOINT_URL="https://s3.example-cloud.de",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "'self'",
        "https://s3.example-cloud.de",
        "https://lotsennetz.s3.example-cloud.de",
    ]
