"""Helpers of the attachment tests: uploads through the service, checks through the API."""

from files import services
from files.models import StoredFile
from tests.files import samples


def upload(member, name="bild.png", data=None) -> StoredFile:
    """An unattached file of ``member`` (a PNG unless ``data`` says otherwise)."""
    return services.file_upload(
        uploader=member, upload=samples.upload(name, data if data is not None else samples.png())
    )


def pdf(member, text="Dienstanweisung E-Akte", name="anweisung.pdf") -> StoredFile:
    return upload(member, name, samples.pdf(text))


def api_status(api_client, user, file: StoredFile) -> int:
    """The file object through the API, for ``user`` (whose credential still works)."""
    api_client.force_authenticate(user)
    try:
        return api_client.get(f"/api/files/{file.pk}/").status_code
    finally:
        api_client.force_authenticate(None)


def page_status(client, user, file: StoredFile, *, thumbnail: bool = False) -> int:
    """The download (or the preview) for a signed-in browser (session) of ``user``."""
    client.force_login(user)
    try:
        url = file.get_thumbnail_url() if thumbnail else file.get_absolute_url()
        return client.get(url).status_code
    finally:
        client.logout()


def statuses(api_client, client, user, file: StoredFile) -> tuple[int, int]:
    """(file object over the API, download in the browser) for ``user``."""
    return api_status(api_client, user, file), page_status(client, user, file)


def gone(file: StoredFile) -> bool:
    return not StoredFile.objects.filter(pk=file.pk).exists()
