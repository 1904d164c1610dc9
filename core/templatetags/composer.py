"""The texts of the Markdown composer's toolbar and drafts (static/js/composer.js).

``{% composer_texts %}`` writes them once per page as a json_script element,
translated into the reader's language; the module reads them from there.
"""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def composer_texts():
    return json_script(
        {
            "toolbar": _("Formatierung"),
            "bold": _("Fett"),
            "boldHint": _("Fett (Strg+B)"),
            "boldText": _("fetter Text"),
            "italic": _("Kursiv"),
            "italicHint": _("Kursiv (Strg+I)"),
            "italicText": _("kursiver Text"),
            "link": _("Link"),
            "linkText": _("Linktext"),
            "list": _("Liste"),
            "code": _("Code"),
            "codeText": _("Code"),
            "restored": _("Ihr Entwurf von vorhin ist wiederhergestellt."),
            "discardDraft": _("Entwurf verwerfen"),
            "discarded": _("Der Entwurf ist verworfen."),
        },
        "composer-texts",
    )
