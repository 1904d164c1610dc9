"""Rules the database itself keeps, and the small behaviours of members and municipalities."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from community import services
from community.models import EmailDomain, Municipality, Role, User
from core.markdown import render_markdown

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ags", ["0653202", "065320231", "06a32023", " 6532023"])
def test_an_ags_that_is_not_eight_digits_is_refused(ags):
    with pytest.raises(ValidationError) as excinfo:
        services.municipality_create(name="Wetzlar", state="HE", ags=ags)
    assert "ags" in excinfo.value.message_dict


def test_an_ags_may_stay_empty_and_is_unique_when_given():
    services.municipality_create(name="Ohne AGS", state="HE")
    services.municipality_create(name="Auch ohne", state="HE")
    services.municipality_create(name="Wetzlar", state="HE", ags="06532023")
    with pytest.raises(ValidationError):
        services.municipality_create(name="Doppelt", state="HE", ags="06532023")


def test_the_database_refuses_a_malformed_ags_even_past_validation():
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(name="Roh", slug="roh", state="HE", ags="12")


def test_the_database_refuses_an_unknown_state():
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(name="Roh", slug="roh", state="XX")


def test_the_database_refuses_a_second_row_for_one_mailbox_in_another_case():
    municipality = services.municipality_create(name="Roh", state="HE")
    User.objects.create(
        email="gross@roh.de", handle="gross", display_name="G", municipality=municipality
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(
            email="Gross@roh.de", handle="gross-2", display_name="G", municipality=municipality
        )


def test_a_coordinator_always_belongs_to_a_municipality():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="k@roh.de", handle="k", display_name="K", role=Role.COORDINATOR)


def test_municipality_slugs_transliterate_german_letters():
    assert services.municipality_create(name="Gießen", state="HE").slug == "giessen"
    assert services.municipality_create(name="Bad Homburg vor der Höhe", state="HE").slug == (
        "bad-homburg-vor-der-hoehe"
    )


def test_email_domains_are_normalised_and_belong_to_one_municipality():
    wetzlar = services.municipality_create(
        name="Wetzlar", state="HE", email_domains=[" @Wetzlar.DE "]
    )
    assert list(wetzlar.email_domains.values_list("domain", flat=True)) == ["wetzlar.de"]
    with pytest.raises(ValidationError) as excinfo:
        services.municipality_create(name="Falsch", state="HE", email_domains=["wetzlar.de"])
    assert excinfo.value.error_dict["email_domains"][0].code == "domain_taken"
    assert not Municipality.objects.filter(name="Falsch").exists()  # nothing half-stored


def test_municipality_update_replaces_the_domains():
    wetzlar = services.municipality_create(name="Wetzlar", state="HE", email_domains=["wetzlar.de"])
    services.municipality_update(municipality=wetzlar, email_domains=["stadt-wetzlar.de"])
    assert list(EmailDomain.objects.values_list("domain", flat=True)) == ["stadt-wetzlar.de"]


def test_handles_are_unique_and_readable(make_member):
    first = make_member(display_name="Jürgen Maß")
    second = make_member(display_name="Jürgen Maß")
    assert first.handle == "juergen-mass"
    assert second.handle == "juergen-mass-2"


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Anna Schmidt", "AS"),
        ("Hans-Peter Zimmermann", "HZ"),
        ("Özlem", "ÖZ"),
        ("", "M"),
        ("  ", "M"),
    ],
)
def test_avatar_initials_come_from_the_display_name(name, initials):
    assert User(display_name=name, email="m@x.de").initials == initials


def test_member_emails_keep_the_local_part_as_typed_and_are_identified_in_lowercase(make_member):
    member = make_member(email="Anna.SCHMIDT@Wetzlar.de")
    assert member.email == "Anna.SCHMIDT@wetzlar.de"  # mail goes where it was typed
    assert member.email_canonical == "anna.schmidt@wetzlar.de"


def test_roles_know_their_powers(make_member, municipality, make_municipality):
    coordinator = make_member(municipality=municipality, role=Role.COORDINATOR)
    admin = make_member(role=Role.ADMIN)
    moderator = make_member(role=Role.MODERATOR)
    assert coordinator.is_coordinator_of(municipality)
    assert not coordinator.is_coordinator_of(make_municipality())
    assert admin.is_network_admin and admin.is_moderator and admin.is_staff
    assert moderator.is_moderator and not moderator.is_network_admin and not moderator.is_staff


def test_markdown_is_sanitised_to_the_allow_list():
    html = render_markdown(
        "# Titel\n\n[klick](javascript:alert(1)) <img src=x onerror=alert(1)> "
        '<a href="https://wetzlar.de" onclick="x()" id="main">ok</a>\n\n'
        "[data](data:text/html;base64,PHNjcmlwdD4=) <svg><script>alert(1)</script></svg>"
    )
    assert "<h3>Titel</h3>" in html  # below the page's own headings
    for forbidden in (
        "javascript:",
        "onerror",
        "onclick",
        "<img",
        "<svg",
        "<script",
        'id="main"',
        "data:",
    ):
        assert forbidden not in html
    assert 'href="https://wetzlar.de"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
