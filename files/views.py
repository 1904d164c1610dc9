"""Downloads: ``/dateien/<id>/<name>`` and ``/dateien/<id>/vorschau/``.

The reader is the signed-in member, or for API clients the member of the
``Authorization: Token`` header (the API's own authentication classes, named in
settings, so that files need not know the app that issues tokens). Nobody
signed in: the sign-in page, as on every page of the closed network. The
access check is the object's (files.access); the bytes leave by
``FILES_DELIVERY`` (files.delivery). The name in the address is only for
people and browsers; the id decides.
"""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_safe
from rest_framework.authentication import SessionAuthentication, get_authorization_header
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from files import access, delivery


def _token_reader(request):
    authenticators = [
        authentication()
        for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES
        if not issubclass(authentication, SessionAuthentication)
    ]
    return Request(request, authenticators=authenticators).user


def _checked(view):
    """Find the reader first (sign-in before 405, as on every page); a refused token
    is a 401 as in the API."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and get_authorization_header(request):
            try:
                request.user = _token_reader(request)
            except APIException as refusal:
                return JsonResponse({"detail": str(refusal.detail)}, status=refusal.status_code)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return require_safe(view)(request, *args, **kwargs)

    return login_not_required(wrapper)


@_checked
def download(request, pk, name=""):
    file = access.access_file(request.user, pk)
    return delivery.deliver_file(file)


@_checked
def thumbnail(request, pk):
    file = access.access_file(request.user, pk)
    if not file.thumbnail:
        raise Http404
    return delivery.deliver_thumbnail(file)
