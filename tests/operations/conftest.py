"""The operations tests reuse the privacy tests' small network."""

from tests.privacy.conftest import world  # noqa: F401
