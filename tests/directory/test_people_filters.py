"""The people page: the municipality is a filter of the form, and filters survive paging."""

import pytest

from directory.views import PEOPLE_PER_PAGE

pytestmark = pytest.mark.django_db


def _listed(page: str) -> str:
    return page.split('<ul class="member-list">')[1].split("</ul>")[0]


def test_the_municipality_is_a_choice_in_the_form(member_client, make_member, make_municipality):
    giessen = make_municipality(name="Gießen")
    make_member(municipality=giessen, display_name="Gerda Gießen")
    page = member_client.get("/menschen/").content.decode()
    assert '<select name="municipality"' in page
    assert f'<option value="{giessen.slug}">Gießen</option>' in page
    page = member_client.get("/menschen/", {"municipality": giessen.slug}).content.decode()
    listed = _listed(page)
    assert "Gerda Gießen" in listed and "Anna Schmidt" not in listed
    assert f'<option value="{giessen.slug}" selected>Gießen</option>' in page


def test_an_unknown_municipality_is_no_error(member_client):
    assert member_client.get("/menschen/", {"municipality": "nirgendwo\x00"}).status_code == 200


def test_paging_keeps_the_query_and_the_filters(member_client, make_member, make_municipality):
    giessen = make_municipality(name="Gießen")
    for n in range(PEOPLE_PER_PAGE + 2):
        make_member(municipality=giessen, display_name=f"Person {n:02d}")
    page = member_client.get("/menschen/", {"municipality": giessen.slug, "state": "HE"})
    html = page.content.decode()
    assert f"municipality={giessen.slug}" in html.split('rel="next"')[0].rsplit("href=", 1)[1]
    assert "state=HE" in html.split('rel="next"')[0].rsplit("href=", 1)[1]
    second = member_client.get(
        "/menschen/", {"municipality": giessen.slug, "state": "HE", "page": 2}
    ).content.decode()
    assert f'<option value="{giessen.slug}" selected>Gießen</option>' in second
    assert "Person" in _listed(second) and "Anna Schmidt" not in _listed(second)
