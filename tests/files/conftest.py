import pytest

from files import services
from tests.files import samples


@pytest.fixture
def loose_file(member):
    """An unattached PNG of ``member``."""
    return services.file_upload(uploader=member, upload=samples.upload("bild.png", samples.png()))


# The attachment tests (test_attach_*) use the forum's and the chat's fixtures too.
from tests.chat.conftest import make_token, network_room, private_room, token  # noqa: E402, F401
from tests.events.conftest import make_event, organizer  # noqa: E402, F401
from tests.forum.conftest import category, make_thread, other, thread  # noqa: E402, F401
