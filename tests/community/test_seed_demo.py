"""The demo network: believable, complete, and safe to load twice."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

from community.management.commands.seed_demo import DEMO_PASSWORD, DEMO_URL, MEMBERS
from community.models import EmailDomain, Municipality, Role, User

NAMED_MUNICIPALITIES = {
    "Wetzlar",
    "Marburg",
    "Offenbach am Main",
    "Limburg an der Lahn",
    "Fulda",
    "Gießen",
    "Offenburg",
}


@override_settings(DEBUG=True)
def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_network_with_its_known_password_is_refused_in_production():
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert User.objects.exists()


def counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "domains": EmailDomain.objects.count(),
        "members": User.objects.count(),
    }


def first_with_role(role: str) -> User:
    return User.objects.filter(role=role).order_by("pk").first()


@pytest.mark.django_db
def test_demo_network_has_the_named_municipalities_and_enough_members():
    seed()

    assert Municipality.objects.count() >= 19
    names = set(Municipality.objects.values_list("name", flat=True))
    assert names >= NAMED_MUNICIPALITIES
    assert Municipality.objects.get(name="Offenburg").state == "BW"
    assert Municipality.objects.get(name="Gießen").state == "HE"
    assert User.objects.count() >= 60
    assert User.objects.count() == len(MEMBERS)  # no two demo people share an e-mail


@pytest.mark.django_db
def test_demo_network_has_coordinators_one_moderator_and_one_superuser_admin():
    seed()

    coordinators = User.objects.filter(role=Role.COORDINATOR)
    assert coordinators.count() >= 5
    assert not coordinators.filter(municipality__isnull=True).exists()
    assert coordinators.values("municipality").distinct().count() == coordinators.count()
    assert User.objects.filter(role=Role.MODERATOR).count() == 1
    admin = User.objects.get(role=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert not User.objects.exclude(pk=admin.pk).filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_each_municipality_gets_one_example_domain_and_no_guessed_key():
    seed()

    for municipality in Municipality.objects.prefetch_related("email_domains"):
        domains = [d.domain for d in municipality.email_domains.all()]
        assert domains == [f"{municipality.slug}.example"]
        assert municipality.ags == ""
        assert municipality.population and municipality.population > 10_000


@pytest.mark.django_db
def test_member_emails_are_ascii_with_transliterated_umlauts_on_their_town_domain():
    seed()

    for member in User.objects.select_related("municipality"):
        assert member.email.isascii()
        assert member.email.endswith(f"@{member.municipality.slug}.example")
    emails = dict(User.objects.values_list("display_name", "email"))
    assert emails["Jürgen Hofmann"] == "juergen.hofmann@wetzlar.example"
    assert emails["Kerstin Maaß"] == "kerstin.maass@ruesselsheim.example"
    assert emails["Mehmet Aydın"] == "mehmet.aydin@marburg.example"
    assert User.objects.filter(email__startswith="sabine.meyer-lang@").exists()


@pytest.mark.django_db
def test_every_member_has_a_department_a_position_and_a_rendered_bio():
    seed()

    members = User.objects.all()
    assert not members.filter(department="").exists()
    assert not members.filter(position="").exists()
    assert not members.filter(bio_html="").exists()
    assert members.filter(bio_html__contains="<strong>").exists()


@pytest.mark.django_db
def test_running_twice_creates_no_duplicates_and_both_runs_list_the_demo_logins():
    first = seed()
    before = counts()

    second = seed()

    assert counts() == before
    assert "schon vorhanden" not in first
    assert "schon vorhanden" in second
    for output in (first, second):
        assert DEMO_PASSWORD in output
        assert DEMO_URL in output
        for role in (Role.ADMIN, Role.MODERATOR, Role.COORDINATOR, Role.MEMBER):
            assert first_with_role(role).email in output


@pytest.mark.django_db
def test_running_again_only_adds_what_is_missing():
    seed()
    before = counts()
    User.objects.get(display_name="Anna Schmidt").delete()

    output = seed()

    assert counts() == before
    assert "1 neue Mitglieder" in output
    assert User.objects.get(display_name="Anna Schmidt").role == Role.COORDINATOR


@pytest.mark.django_db
def test_demo_login_signs_in_on_the_login_page(client):
    seed()
    moderator = first_with_role(Role.MODERATOR)

    response = client.post("/anmelden/", {"username": moderator.email, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == moderator.pk


@pytest.mark.django_db
def test_every_demo_member_has_the_demo_password():
    seed()

    for role in (Role.ADMIN, Role.COORDINATOR, Role.MEMBER):
        member = first_with_role(role)
        assert authenticate(email=member.email, password=DEMO_PASSWORD) == member
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_logins_point_to_the_address_the_server_runs_on():
    out = io.StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:8080/", stdout=out)
    assert "Anmelden unter http://127.0.0.1:8080/" in out.getvalue()
