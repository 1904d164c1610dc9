"""Virus scanning with ClamAV's daemon (clamd) through ``clamav-client``, if configured.

``CLAMAV_SOCKET`` (a Unix socket) or ``CLAMAV_HOST``/``CLAMAV_PORT``. Without
either, uploads are not scanned (README: what the operator gives up). When a
scanner is configured but does not answer, the upload is refused: a file that
was meant to be scanned is never kept unscanned.
"""

import logging
from dataclasses import dataclass

from clamav_client.clamd import ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    clean: bool
    reason: str = ""  # the signature's name when flagged, the error when not scanned
    scanned: bool = True


def scanner_configured() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def _client():
    if settings.CLAMAV_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMAV_SOCKET, timeout=settings.CLAMAV_TIMEOUT)
    return ClamdNetworkSocket(
        host=settings.CLAMAV_HOST, port=settings.CLAMAV_PORT, timeout=settings.CLAMAV_TIMEOUT
    )


def scan(path: str) -> Verdict:
    """Stream the file to clamd (INSTREAM); ``scanned=False`` when it could not."""
    try:
        with open(path, "rb") as handle:
            report = _client().instream(handle)
    except Exception as error:  # connection refused, timeout, stream limit
        logger.error("virus scan failed: %s", error)
        return Verdict(clean=False, reason=str(error), scanned=False)
    status, reason = report.get("stream", (None, None))
    if status == "OK":
        return Verdict(clean=True)
    if status == "FOUND":
        return Verdict(clean=False, reason=reason or "")
    logger.error("virus scan gave no verdict: %r", report)
    return Verdict(clean=False, reason=str(reason), scanned=False)
