"""Settings for the chat benchmark: production settings, with the rate limit out of the way.

The benchmark's clients send one message a second each, which is the rate
limit's sustained rate; a higher burst keeps jitter from tripping it. The
token bucket is still taken for every message, so its cost is measured.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("CHANNEL_LAYER_PREFIX", "chat-bench")
os.environ.setdefault("CACHE_KEY_PREFIX", "chat-bench")

from config.settings import *  # noqa: F403

CHAT_RATE_BURST = 100_000
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
# channels_redis reports dropped group messages at INFO ("over capacity"); keep those.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"channels_redis": {"level": "INFO"}},
}
