"""Helpers for the second-factor tests: codes from Debian's oathtool (an independent
implementation of RFC 6238) and a clock the server reads."""

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from community import services

OATHTOOL = "/usr/bin/oathtool"
STEP = 30


def oathtool(secret: str, at: datetime) -> str:
    """The TOTP code of ``secret`` at ``at``, computed by oathtool, not by pyotp."""
    now = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    result = subprocess.run(
        [OATHTOOL, "--totp", "-b", "--now", now, secret],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


class Clock:
    """The server's ``timezone.now``, set by the test: the middle of a 30-second step."""

    def __init__(self, monkeypatch):
        real = datetime.now(UTC)
        start = int(real.timestamp()) // STEP * STEP + STEP // 2
        self.now = datetime.fromtimestamp(start, UTC)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, steps: int = 1) -> None:
        self.now += timedelta(seconds=STEP * steps)

    def code(self, secret: str, offset_steps: int = 0) -> str:
        return oathtool(secret, self.now + timedelta(seconds=STEP * offset_steps))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _newest_session_key(member) -> str | None:
    sessions = Session.objects.order_by("-expire_date")
    for session in sessions:
        if session.get_decoded().get("_auth_user_id") == str(member.pk):
            return session.session_key
    return None


def with_authenticator(member, clock: Clock) -> tuple[str, list[str]]:
    """Set up an authenticator app for ``member`` as the member would (one step ago) in
    their newest browser session (a client signed in earlier stays signed in; other
    sessions and tokens without a factor end, as ``totp_confirm`` ends them), returning
    its secret and the recovery codes."""
    _device, secret = services.totp_begin(member=member)
    added = services.totp_confirm(
        member=member, otp=clock.code(secret, -1), except_session_key=_newest_session_key(member)
    )
    return secret, added.recovery_codes
