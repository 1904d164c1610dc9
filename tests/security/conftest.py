"""Fixtures of the security tests: the world of tests/security/world.py, and Chromium."""

# Sockets' worker threads must end their PostgreSQL sessions before the test
# database is dropped (the WebSocket leak tests), and the browser of tests/browser.
from tests.browser.conftest import chromium, page  # noqa: F401
from tests.chat.conftest import _sessions_end_before_the_test_database_is_dropped  # noqa: F401
