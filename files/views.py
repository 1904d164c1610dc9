"""Downloads: ``/dateien/<id>/<name>`` and ``/dateien/<id>/vorschau/``.

The access check is the object's (files.access); the bytes leave by
``FILES_DELIVERY`` (files.delivery). The name in the address is only for
people and browsers; the id decides.
"""

from django.http import Http404
from django.views.decorators.http import require_safe

from files import access, delivery


@require_safe
def download(request, pk, name=""):
    file = access.access_file(request.user, pk)
    return delivery.deliver_file(file)


@require_safe
def thumbnail(request, pk):
    file = access.access_file(request.user, pk)
    if not file.thumbnail:
        raise Http404
    return delivery.deliver_thumbnail(file)
