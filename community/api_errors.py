"""Every API error is a 4xx with a JSON body naming the field or the reason."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from community.api_versions import precondition_failed
from community.concurrency import VersionConflict


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


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors from services as 400 and
    a stale If-Match (a service's VersionConflict) as 412."""
    if isinstance(exc, VersionConflict):
        set_rollback()  # as DRF does for its own errors (under ATOMIC_REQUESTS)
        return precondition_failed(exc)
    if isinstance(exc, DjangoValidationError):
        exc = _as_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def api_not_found(request, exception=None):
    return JsonResponse({"detail": _("Nicht gefunden.")}, status=404)


def api_server_error(request):
    return JsonResponse(
        {"detail": _("Interner Fehler. Bitte später erneut versuchen.")}, status=500
    )
