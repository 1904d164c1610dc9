"""Settings for the test suite: the real ones, with a test secret and fast hashing.

DATABASE_URL and REDIS_URL are honoured as in production, so `.ci/run` tests
against PostgreSQL and Redis; without them the embedded default is tested.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-suite-only-" + "x" * 50)
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "lotsennetz-test")
os.environ.setdefault("CACHE_KEY_PREFIX", "lotsennetz-test")
# The suite's coordinators, moderators and admins are signed in by force_login all
# over; the requirement of a second factor is tested on its own with "roles"
# (tests/community/test_second_factor*.py). Production's default is "roles".
os.environ.setdefault("SECOND_FACTOR_REQUIRED_FOR", "none")

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_URL = "http://testserver"
# Fixed for the suite, so a link never depends on which request ran before
# (tests of core/site.py switch it off, and a daphne started with
# LOTSENNETZ_TEST_FOLLOW_HOST=1 follows its own address as in production).
SITE_URL_EXPLICIT = os.environ.get("LOTSENNETZ_TEST_FOLLOW_HOST") != "1"
# Tests talk plain HTTP to the test client and the live server.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Uploaded files of one test run in a directory of their own, shared with the
# daphne processes it starts (inherited through the environment), removed at exit.
FILES_ROOT = Path(
    os.environ.setdefault(
        "LOTSENNETZ_TEST_FILES_ROOT", tempfile.mkdtemp(prefix="lotsennetz-test-files-")
    )
)
if os.environ.get("LOTSENNETZ_TEST_FILES_OWNER", str(os.getpid())) == str(os.getpid()):
    os.environ["LOTSENNETZ_TEST_FILES_OWNER"] = str(os.getpid())
    atexit.register(shutil.rmtree, FILES_ROOT, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": FILES_ROOT, "base_url": None},
    },
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that daphne processes started by tests share it;
    # one per test run, and inherited by those processes through the environment.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.setdefault(
            "LOTSENNETZ_TEST_SQLITE", str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")
        )
    }
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# A daphne process started by a test serves the test database as its own.
if os.environ.get("LOTSENNETZ_CHILD_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["LOTSENNETZ_CHILD_DATABASE_NAME"]
# The tests' push services (tests/notifications/pushservice.py on 127.0.0.1, and
# push.example.net for stored subscriptions that are never sent to).
PUSH_SERVICE_HOSTS = [*PUSH_SERVICE_HOSTS, "push.example.net", "127.0.0.1"]  # noqa: F405
