"""Fixtures of the start page: a member of Wetzlar (Hesse) with expertise in the E-Akte,
and a world around her built through the services of each app."""

import pytest

from community import services as community_services
from community.models import Role
from forum import services as forum_services
from tests.events.conftest import in_days  # noqa: F401  (re-exported for the tests)
from tests.forum.conftest import _category


@pytest.fixture
def anna(member, taxonomy):
    community_services.member_set_expertise(member=member, expertise={"e-akte-dms": 3})
    return member


@pytest.fixture
def anna_client(client, anna):
    client.force_login(anna)
    return client


@pytest.fixture
def peter(make_member, municipality):
    return make_member(municipality=municipality, display_name="Peter Pohl")


@pytest.fixture
def giessen(make_municipality):
    return make_municipality(name="Gießen", state="HE", domains=["giessen.example"])


@pytest.fixture
def offenburg(make_municipality):
    return make_municipality(name="Offenburg", state="BW", domains=["offenburg.example"])


@pytest.fixture
def giessen_coordinator(make_member, giessen):
    return make_member(municipality=giessen, role=Role.COORDINATOR, display_name="Gerd Gießen")


@pytest.fixture
def offenburg_coordinator(make_member, offenburg):
    return make_member(municipality=offenburg, role=Role.COORDINATOR, display_name="Olga Ortenau")


@pytest.fixture
def category(db):
    return _category("austausch")


@pytest.fixture
def make_thread(category):
    def make(author, *, title="Erfahrungen mit der E-Akte", body="Wer hat schon umgestellt?", **kw):
        return forum_services.thread_create(
            author=author, category=kw.pop("category", category), title=title, body=body, **kw
        )

    return make
