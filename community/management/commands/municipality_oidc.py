"""Connect a municipality to its OpenID Connect provider, or disconnect it (issue 21)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from community.models import Municipality
from community.oidc import redirect_uri
from community.services.oidc import oidc_provider_remove, oidc_provider_set


class Command(BaseCommand):
    help = (
        "Verbindet eine Kommune mit ihrem OpenID-Connect-Anbieter (--off trennt sie). "
        "Beim Anbieter einzutragende Redirect-URI: <SITE_URL>/anmelden/oidc/callback/."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--issuer")
        parser.add_argument("--client-id")
        parser.add_argument("--client-secret")
        parser.add_argument("--email-claim", default="email")
        parser.add_argument(
            "--require",
            action="store_true",
            help="Alle Mitglieder der Kommune melden sich über den Anbieter an (kein Passwort).",
        )
        parser.add_argument("--off", action="store_true", help="Trennt die Kommune vom Anbieter.")

    def handle(
        self, *args, slug, issuer, client_id, client_secret, email_claim, require, off, **options
    ):
        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            raise CommandError(f"Keine Kommune mit dem Kurznamen {slug!r}.")
        if off:
            removed = oidc_provider_remove(municipality=municipality)
            self.stdout.write(
                f"{municipality}: Anbieter getrennt."
                if removed
                else f"{municipality}: kein Anbieter."
            )
            return
        if not issuer or not client_id:
            raise CommandError("--issuer und --client-id sind nötig (oder --off).")
        try:
            provider = oidc_provider_set(
                municipality=municipality,
                issuer=issuer,
                client_id=client_id,
                client_secret=client_secret,
                email_claim=email_claim,
                required=require,
                by=None,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"{municipality}: verbunden mit {provider.issuer} (Client {provider.client_id}"
            f"{', verpflichtend' if provider.required else ''}). "
            f"Redirect-URI beim Anbieter: {redirect_uri()}"
        )
