"""A bell text that each reader gets in their own language.

A bell entry used to store its text as the request that caused it rendered
it: a reply written on an English page reached German readers in English.
Callers now hand ``later(gettext_noop("… %(name)s …"), name=…)``: the entry
keeps the untranslated text and its values, and ``Notification.display_text``
translates it for whoever reads (list, API, live bell, Web Push). ``text`` keeps
it rendered in the site's language (mails, and a text without a template).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class Later:
    """A text to translate when shown: the msgid (marked with ``gettext_noop``) and its values."""

    template: str
    args: dict = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        with translation.override(language or translation.get_language()):
            return render(self.template, self.args, fallback=self.template)

    def __str__(self) -> str:
        return self.render()


def later(template: str, **args) -> Later:
    return Later(template, {key: str(value) for key, value in args.items()})


def render(template: str, args: dict, *, fallback: str) -> str:
    """``template`` translated into the active language and filled in; a
    translation that does not fit its values falls back to ``fallback``."""
    try:
        return translation.gettext(template) % args
    except (KeyError, ValueError, TypeError):
        return fallback


def stored(text) -> tuple[str, str, dict]:
    """``text`` as stored: in the site's language, and the template with its values."""
    if isinstance(text, Later):
        return text.render(settings.LANGUAGE_CODE), text.template, text.args
    return str(text), "", {}
