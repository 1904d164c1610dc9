import pytest

from files import services
from tests.files import samples


@pytest.fixture
def loose_file(member):
    """An unattached PNG of ``member``."""
    return services.file_upload(uploader=member, upload=samples.upload("bild.png", samples.png()))
