"""ETag / If-Match for the API's editable objects (see core.concurrency).

A GET of a forum post, chat message, event or project answers with
``ETag: "<version>"``; a PATCH may send it back as ``If-Match``. A stale
version answers 412 ``{"code": "precondition_failed", "detail": ...}`` with
the current ETag and changes nothing; a malformed If-Match answers 400; no
If-Match (or ``*``) edits as before.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from core.concurrency import VersionConflict, etag, parse_if_match

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        'Das ETag aus dem GET, z. B. "3": Ist das Objekt inzwischen geändert, antwortet '
        "die API mit 412 und ändert nichts. Ohne If-Match (oder mit *) wie bisher. Schwache "
        "ETags (W/...) passen nie; kein gültiges Entity-Tag: 400."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='Die Version des Objekts, z. B. "3"; als If-Match beim PATCH zurückschicken.',
)
PRECONDITION_FAILED = OpenApiResponse(
    inline_serializer(
        "PreconditionFailed",
        {"code": serializers.CharField(), "detail": serializers.CharField()},
    ),
    description=(
        "Das Objekt wurde seit dem GET geändert (If-Match passt nicht mehr); nichts ist "
        "gespeichert. Der Header ETag nennt die aktuelle Version."
    ),
)


def expected_version(request) -> frozenset[int] | None:
    """The versions the request's If-Match accepts (None: no condition); malformed is a 400."""
    try:
        return parse_if_match(request.headers.get("If-Match"))
    except ValueError as exc:
        raise exceptions.ValidationError(
            {"If-Match": [_('Kein gültiges ETag; erwartet wird z. B. "3" oder *.')]},
            code="invalid_if_match",
        ) from exc


def with_etag(response: Response, obj) -> Response:
    """The response, carrying the version of ``obj`` as its ETag."""
    response["ETag"] = etag(obj.version)
    return response


def precondition_failed(exc: VersionConflict) -> Response:
    """412 for a stale If-Match; the current ETag lets the client fetch and compare."""
    response = Response(
        {
            "code": "precondition_failed",
            "detail": _(
                "Das Objekt wurde inzwischen geändert (aktuelle Version %(etag)s); nichts "
                "ist gespeichert. Bitte neu laden und die Änderung erneut anwenden."
            )
            % {"etag": etag(exc.current.version)},
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
    )
    return with_etag(response, exc.current)
