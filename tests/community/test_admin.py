"""The Django admin is usable for every model of the foundation."""

import pytest

from community.models import User
from directory import selectors as directory_selectors

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
    created = User.objects.get(email_canonical="neu.mitglied@wetzlar.de")
    assert created.email == "Neu.Mitglied@wetzlar.de"
    assert created.handle == "neu-mitglied"


def test_members_without_admin_role_cannot_open_the_admin(client, member, moderator):
    for user in (member, moderator):
        client.force_login(user)
        response = client.get("/admin/community/user/")
        assert response.status_code == 302


# --- edits in the admin reach the search index -----------------------------------------
def _post_change(client, url, **changes):
    """Submit an admin change form as it stands, with ``changes`` (inlines kept)."""
    from django.db.models import Model

    def plain(value):
        if isinstance(value, Model):
            return value.pk
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return "" if value is None else value

    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled or name == "password":
            continue
        value = plain(form.initial.get(name, field.initial))
        if value is False:
            continue  # an unticked checkbox sends nothing
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.management_form.prefix}-{k}": v
                for k, v in formset.management_form.initial.items()
            }
        )
        for sub in formset.initial_forms:
            for name in sub.fields:
                value = plain(sub.initial.get(name, sub.fields[name].initial))
                if value is not False:
                    data[sub.add_prefix(name)] = value
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _found(viewer, q):
    return [m.display_name for m in directory_selectors.member_search(viewer=viewer, q=q).members]


def test_a_profile_edited_in_the_admin_is_found_by_what_it_says_now(admin_client_, member):
    _post_change(
        admin_client_, f"/admin/community/user/{member.pk}/change/", position="Open-Data-Lotsin"
    )
    assert _found(member, "Open-Data-Lotsin") == ["Anna Schmidt"]


def test_a_municipality_renamed_in_the_admin_is_found_by_its_new_name(
    admin_client_, member, municipality
):
    _post_change(
        admin_client_,
        f"/admin/community/municipality/{municipality.pk}/change/",
        name="Wetzlar an der Lahn",
    )
    assert _found(member, "Lahn") == ["Anna Schmidt"]


def test_a_tool_renamed_in_the_admin_is_found_by_its_new_name(admin_client_, member, municipality):
    from community import services
    from community.models import Tool

    services.project_create(
        created_by=member,
        municipality=municipality,
        title="Dienstpläne digital",
        kind="other",
        tools=["Plantafel"],
        members=[member],
        is_published=True,
    )
    tool = Tool.objects.get(name="Plantafel")
    _post_change(admin_client_, f"/admin/community/tool/{tool.pk}/change/", name="Schichtplaner")
    assert _found(member, "Schichtplaner") == ["Anna Schmidt"]
