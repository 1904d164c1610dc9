from pathlib import Path

import pytest
from django.conf import settings

from files import services
from tests.files import samples


def stored_blobs() -> set[Path]:
    """Every file in the storage of this test run (blobs and thumbnails)."""
    return {path for path in Path(settings.FILES_ROOT).rglob("*") if path.is_file()}


@pytest.fixture(autouse=True)
def _own_storage(settings, tmp_path):
    """Each test's files in a directory of its own: what it leaves behind is visible."""
    root = tmp_path / "dateien"
    root.mkdir()
    settings.FILES_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }


@pytest.fixture
def blobs_before():
    return stored_blobs()


@pytest.fixture
def loose_file(member):
    """An unattached PNG of ``member``."""
    return services.file_upload(uploader=member, upload=samples.upload("bild.png", samples.png()))


# The attachment tests (test_attach_*) use the forum's and the chat's fixtures too.
from tests.chat.conftest import make_token, network_room, private_room, token  # noqa: E402, F401
from tests.events.conftest import make_event, organizer  # noqa: E402, F401
from tests.forum.conftest import category, make_thread, other, thread  # noqa: E402, F401
