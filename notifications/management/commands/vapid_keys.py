"""Print a new VAPID key pair for Web Push, as lines for the environment file."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = "Erzeugt ein VAPID-Schlüsselpaar für Web Push (Zeilen für die Umgebungsdatei)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--subject",
            default="mailto:betrieb@example.de",
            help="Kontakt für die Push-Dienste (mailto: oder https:)",
        )

    def handle(self, *args, subject, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        private = key.private_numbers().private_value.to_bytes(32, "big")
        self.stdout.write(f"VAPID_PUBLIC_KEY={_b64url(public)}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={_b64url(private)}")
        self.stdout.write(f"VAPID_SUBJECT={subject}")
