"""Sending the platform's e-mails from templates.

Each mail has ``<template>_subject.txt`` and ``<template>.txt``. Callers send
from ``transaction.on_commit`` so no mail leaves for a change that rolled back.
The subject is a header: names and titles in it end up on one line, without
control or bidirectional characters (whatever older data may still hold).
"""

import logging
import re

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from core.site import site_url

logger = logging.getLogger(__name__)
_NOT_IN_HEADERS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def header_line(value: str) -> str:
    """One line for a mail header: control and invisible characters become spaces."""
    return " ".join(_NOT_IN_HEADERS.sub(" ", value).split())


def send(*, to: str, template: str, context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, "site_url": site_url(), **context}
    subject = header_line(render_to_string(f"{template}_subject.txt", context))
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    logger.info("mail sent", extra={"template": template})
