"""Settings for the files benchmark: production settings (DEBUG off), plain HTTP.

bench/files.py runs daphne with these, against a scratch directory of its own
(LOTSENNETZ_VAR_DIR, FILES_ROOT) unless DATABASE_URL names a bench database.
"""

import os

os.environ.setdefault("SECRET_KEY", "files-bench-only-" + "x" * 50)
os.environ.setdefault("CACHE_KEY_PREFIX", "files-bench")
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "files-bench")

from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "lotsennetz.example.de"]
# Directly to daphne over HTTP, and through nginx with X-Forwarded-Proto: https.
SECURE_SSL_REDIRECT = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
