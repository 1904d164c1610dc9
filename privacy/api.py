"""The member's data export over the API (the same file as /profil/daten/export/)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy import export


class MemberExportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        description=(
            "Alles, was über das angemeldete Mitglied gespeichert ist (Art. 15/20 DSGVO): "
            "Konto und Profil ohne Passwort-Hash, Erfahrungen, Qualifizierungen, Projekte, "
            "Forum, Chat (nur eigene Nachrichten), Termine, Benachrichtigungen, Einladungen, "
            "Suchdokument. Dieselbe Datei wie unter /profil/daten/."
        ),
    )
    def get(self, request):
        return Response(export.member_export(member=request.user))
