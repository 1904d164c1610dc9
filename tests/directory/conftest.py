"""The small e-file network of test_search, for the relevance tests beside it."""

from tests.directory.test_search import network  # noqa: F401 (the fixture)
