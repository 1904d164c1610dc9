"""The stored form of a random secret (API keys, invitation links)."""

import hashlib


def hash_token(token: str) -> str:
    """SHA-256: the secrets are 128+ random bits, so no slow hash is needed, and a
    leaked database holds no usable key."""
    return hashlib.sha256(token.encode()).hexdigest()
