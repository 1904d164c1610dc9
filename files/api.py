"""REST API of the files app, as docs/api.md ("Files") describes it.

- ``POST /api/files/``: multipart with one part ``file`` → 201 and the file
  object; refusals 400 (empty, bad name, damaged), 413 (too large, quota),
  415 (type not accepted or not matching its name), 422 (virus scanner),
  503 (scanner unreachable), each ``{"detail", "code"}``.
- ``GET /api/files/<id>/``: the file object, for whoever may see it.
- ``DELETE /api/files/<id>/``: its uploader, or whoever manages the object it
  is attached to.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_parsers import JSONParser
from core.api_parsers import MultiPartParser as RefusingMultiPartParser
from files import access, services
from files.errors import FileRefused
from files.serializers import FileRefusalSerializer, FileSerializer, FileUploadSerializer


def _refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(FileRefusalSerializer, description=description)


def _refused(refusal: FileRefused) -> Response:
    return Response({"detail": refusal.detail, "code": refusal.code}, status=refusal.status)


class FileUploadView(APIView):
    # JSON is parsed only to say that the file part is missing (400, not 415).
    parser_classes = [RefusingMultiPartParser, JSONParser]

    @extend_schema(
        operation_id="files_upload",
        request={"multipart/form-data": FileUploadSerializer},
        responses={
            201: FileSerializer,
            413: _refusal("Zu groß, oder der Speicherplatz des Mitglieds reicht nicht."),
            415: _refusal("Typ nicht angenommen, oder der Inhalt passt nicht zum Namen."),
            422: _refusal("Vom Virenscanner beanstandet."),
            503: _refusal("Der Virenscanner ist nicht erreichbar."),
        },
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Bitte eine Datei mitschicken.")]})
        try:
            file = services.file_upload(uploader=request.user, upload=upload)
        except FileRefused as refusal:
            return _refused(refusal)
        return Response(
            FileSerializer(file, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class FileDetailView(APIView):
    @extend_schema(operation_id="files_retrieve", responses=FileSerializer)
    def get(self, request, pk):
        file = access.access_file(request.user, pk)
        return Response(FileSerializer(file, context={"request": request}).data)

    @extend_schema(operation_id="files_destroy", responses={204: None})
    def delete(self, request, pk):
        file = access.access_file(request.user, pk)
        services.file_delete(user=request.user, file=file)
        return Response(status=status.HTTP_204_NO_CONTENT)
