"""What the directory keeps itself: the synonyms and spellings its search expands."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.search_text import words


class SearchSynonym(models.Model):
    """Words that mean the same to the search ("E-Akte, elektronische Akte, DMS").

    The network's administrators keep the list in the admin: a query that names
    one of the spellings finds every one of them, on every database.
    """

    variants = models.CharField(
        _("Schreibweisen"),
        max_length=500,
        unique=True,
        help_text=_("Durch Kommas getrennt, z. B. „E-Akte, elektronische Akte, DMS“."),
    )
    note = models.CharField(_("Anmerkung"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Suchbegriff mit Synonymen")
        verbose_name_plural = _("Synonyme und Schreibweisen der Suche")
        ordering = ["variants"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(variants=""), name="searchsynonym_variants_not_empty"
            )
        ]

    def __str__(self) -> str:
        return self.variants

    def variant_list(self) -> list[str]:
        """The spellings with at least one word each, in the order written."""
        return [v.strip() for v in self.variants.split(",") if words(v)]
