"""Fixtures of the security tests: the world of tests/security/world.py, and Chromium."""

# The browser of tests/browser.
from tests.browser.conftest import chromium, page  # noqa: F401
