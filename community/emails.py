"""Sending the platform's e-mails from templates.

Each mail has ``<template>_subject.txt`` and ``<template>.txt``. Callers send
from ``transaction.on_commit`` so no mail leaves for a change that rolled back.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def send(*, to: str, template: str, context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    logger.info("mail sent", extra={"template": template})
