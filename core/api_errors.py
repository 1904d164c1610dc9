"""Every API error is a 4xx with a JSON body naming the field or the reason."""

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.api_versions import precondition_failed
from core.concurrency import VersionConflict


def _details(errors) -> list[exceptions.ErrorDetail]:
    details = []
    for error in errors:
        for single in error.error_list:
            message = single.message % single.params if single.params else single.message
            details.append(exceptions.ErrorDetail(str(message), code=single.code or "invalid"))
    return details


def _as_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): _details(errors)
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({"non_field_errors": _details(exc.error_list)})


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(_("Die Anfrage ist zu groß."))


def _body_refused(exc: Exception) -> exceptions.APIException | None:
    """Django's limits on request bodies, as the API's JSON errors (else 400 HTML)."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ParseError(_("Die Anfrage enthält zu viele Felder."))
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError(_("Die Anfrage ist ungültig."))
    return None


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors from services as 400, a stale
    If-Match (a service's VersionConflict) as 412, and Django's body limits as
    JSON 413/400 instead of an HTML page."""
    if isinstance(exc, VersionConflict):
        set_rollback()  # as DRF does for its own errors (under ATOMIC_REQUESTS)
        return precondition_failed(exc)
    refused = _body_refused(exc)
    if refused is not None:
        exc = refused
    elif isinstance(exc, DjangoValidationError):
        exc = _as_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def api_bad_request(request, exception=None):
    """``handler400`` for /api/: a body refused before any view ran is JSON too."""
    refused = _body_refused(exception) or exceptions.ParseError(_("Die Anfrage ist ungültig."))
    return JsonResponse({"detail": str(refused.detail)}, status=refused.status_code)


def api_forbidden(request, exception=None):
    return JsonResponse({"detail": str(exceptions.PermissionDenied().detail)}, status=403)


def api_not_found(request, exception=None):
    return JsonResponse({"detail": _("Nicht gefunden.")}, status=404)


def api_server_error(request):
    return JsonResponse(
        {"detail": _("Interner Fehler. Bitte später erneut versuchen.")}, status=500
    )
