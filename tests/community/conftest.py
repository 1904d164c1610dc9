"""Fixtures of the community tests."""

from tests.community.second_factor_helpers import clock  # noqa: F401 - the fixture
