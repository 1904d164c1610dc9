"""Settings for the forum benchmark: production settings (DEBUG off, cached templates).

Only what an in-process measurement needs differs: a bench-only secret, plain
HTTP, and static URLs without the collectstatic manifest.
"""

import os

os.environ.setdefault("SECRET_KEY", "forum-bench-only-" + "x" * 50)
os.environ.setdefault("CACHE_KEY_PREFIX", "forum-bench")
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "forum-bench")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
