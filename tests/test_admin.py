"""The Django admin is usable for every model of the foundation."""

import pytest

from community.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_member):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/community/user/",
        "/admin/community/user/?q=anna&role__exact=member",
        "/admin/community/user/add/",
        "/admin/community/municipality/",
        "/admin/community/municipality/?q=wetz&state__exact=HE",
        "/admin/community/municipality/add/",
        "/admin/community/invitation/",
        "/admin/community/expertise/",
        "/admin/community/qualification/",
        "/admin/community/tool/",
        "/admin/community/project/",
        "/admin/community/project/add/",
        "/admin/community/project/?q=enaio&kind__exact=eakte",
    ],
)
def test_admin_pages_open(admin_client_, member, path):
    assert admin_client_.get(path).status_code == 200


def test_admin_change_pages_open(admin_client_, member, municipality):
    assert admin_client_.get(f"/admin/community/user/{member.pk}/change/").status_code == 200
    assert (
        admin_client_.get(f"/admin/community/municipality/{municipality.pk}/change/").status_code
        == 200
    )


def test_admin_adds_a_member_with_normalised_email_and_a_handle(admin_client_, municipality):
    response = admin_client_.post(
        "/admin/community/user/add/",
        {
            "email": "Neu.Mitglied@Wetzlar.de",
            "display_name": "Neu Mitglied",
            "municipality": municipality.pk,
            "role": "member",
            "usable_password": "true",
            "password1": "Ein-gutes-Passwort-1",
            "password2": "Ein-gutes-Passwort-1",
            **{
                f"{prefix}-{key}": value
                for prefix in ("expertise_entries", "qualifications")
                for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(email="neu.mitglied@wetzlar.de")
    assert created.handle == "neu-mitglied"


def test_members_without_admin_role_cannot_open_the_admin(client, member, moderator):
    for user in (member, moderator):
        client.force_login(user)
        response = client.get("/admin/community/user/")
        assert response.status_code == 302
