"""One account per person, whatever the spelling of the address.

An address that differs from a member's only by case or by a Unicode look-alike
(the Kelvin sign "K", the long s "ſ", the dotless ı, fullwidth letters) is the
same mailbox and so the same person: it cannot become a second account (by API,
invitation page, sign-up or directly in the database), it signs in as the one
member, and it shares that member's sign-in lockout and mail limits.
Coordinators create accounts only on their municipality's registered domains.
"""

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings

from community import services
from community.models import Role, User
from core import addresses, throttling
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REAL = "kai.sommer@wetzlar.de"
# Spellings of REAL that a mail system and PostgreSQL's upper()/lower() treat as REAL.
LOOK_ALIKES = [
    "\u212aai.sommer@wetzlar.de",  # KELVIN SIGN
    "kai.\u017fommer@wetzlar.de",  # LATIN SMALL LETTER LONG S
    "ka\u0131.sommer@wetzlar.de",  # LATIN SMALL LETTER DOTLESS I
    "KA\u0130.SOMMER@wetzlar.de",  # LATIN CAPITAL LETTER I WITH DOT ABOVE
    "Kai.Sommer@Wetzlar.DE",
    "kai.sommer@\uff57etzlar.de",  # FULLWIDTH LATIN SMALL LETTER W (in the domain)
    "\u212aa\u0131.\u017fommer@WETZLAR.de",
]
NEW_PASSWORD = "Neues-Lotsen-Passwort-7"


@pytest.fixture
def kai(make_member, municipality):
    return make_member(municipality=municipality, display_name="Kai Sommer", email=REAL)


def browser(address="203.0.113.9") -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/anmelden/", {"username": email, "password": password})


def accounts_of(email: str) -> list[int]:
    return list(
        User.objects.filter(email_canonical=addresses.canonical_email(email)).values_list(
            "pk", flat=True
        )
    )


# --- the canonical form -------------------------------------------------------------
@pytest.mark.parametrize("spelling", [*LOOK_ALIKES, " kai.sommer@wetzlar.de. "])
def test_every_spelling_of_one_mailbox_has_one_canonical_form(spelling):
    assert addresses.canonical_email(spelling) == REAL


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("\uff4bai@wetzlar.de", "kai@wetzlar.de"),  # fullwidth in the local part
        ("Stra\u00dfe@wetzlar.de", "strasse@wetzlar.de"),
        ("anna@M\u00dcNCHEN.de", "anna@xn--mnchen-3ya.de"),  # IDNA, as Django delivers it
        ("anna@xn--mnchen-3ya.de", "anna@xn--mnchen-3ya.de"),
    ],
)
def test_the_canonical_form_folds_unicode_and_names_the_domain_as_mail_reaches_it(typed, canonical):
    assert addresses.canonical_email(typed) == canonical


def test_the_address_to_send_to_keeps_the_local_part_as_typed(make_member, municipality):
    member = make_member(municipality=municipality, email=" Anna.SCHMIDT@Wetzlar.DE ")
    assert member.email == "Anna.SCHMIDT@wetzlar.de"
    assert member.email_canonical == "anna.schmidt@wetzlar.de"


# --- no second account -------------------------------------------------------------
@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_coordinator_cannot_create_a_look_alike_account_through_the_api(
    kai, coordinator, municipality, api_client, spelling
):
    api_client.force_authenticate(coordinator)
    response = api_client.post(
        "/api/members/",
        {"email": spelling, "display_name": "Doppelgänger", "municipality": municipality.slug},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["email"][0]
    assert accounts_of(REAL) == [kai.pk]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_coordinator_cannot_invite_a_look_alike_account_on_the_page(
    kai, coordinator, municipality, client, spelling
):
    client.force_login(coordinator)
    response = client.post(
        "/einladen/",
        {
            "email": spelling,
            "display_name": "Doppelgänger",
            "municipality": municipality.slug,
            "role": Role.MEMBER,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert accounts_of(REAL) == [kai.pk]
    assert mail.outbox == []


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_the_invitation_service_refuses_a_look_alike_account(
    kai, admin_member, municipality, spelling
):
    with pytest.raises(ValidationError) as refused:
        services.member_invite(
            invited_by=admin_member,
            email=spelling,
            display_name="Doppelgänger",
            municipality=municipality,
        )
    assert refused.value.error_dict["email"][0].code == "exists"
    assert accounts_of(REAL) == [kai.pk]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_signing_up_with_a_look_alike_tells_only_the_real_mailbox(
    kai, client, spelling, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registrieren/", {"email": spelling})
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [[kai.email]]  # "you have an account already"
    assert "/registrieren/" not in mail.outbox[0].body
    assert accounts_of(REAL) == [kai.pk]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_sign_up_link_for_a_look_alike_cannot_create_a_second_account(kai, client, spelling):
    # A link for this spelling, sent before the real member had an account.
    token = signing.dumps({"email": spelling}, salt=services.SIGNUP_SALT)
    response = client.post(
        f"/registrieren/{token}/",
        {"display_name": "Doppelgänger", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert accounts_of(REAL) == [kai.pk]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_the_database_refuses_a_look_alike_row_that_bypasses_the_services(kai, spelling):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=spelling, handle="doppel", display_name="Doppelgänger")


def test_the_admin_refuses_a_look_alike_account(client, kai, admin_member, municipality):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    response = client.post(
        "/admin/community/user/add/",
        {
            "email": "kai.\u017fommer@wetzlar.de",
            "display_name": "Doppelgänger",
            "municipality": municipality.pk,
            "role": "member",
            "usable_password": "false",
            **{
                f"{prefix}-{key}": value
                for prefix in ("expertise_entries", "qualifications")
                for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
            },
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"]
    assert accounts_of(REAL) == [kai.pk]


# --- signing in ---------------------------------------------------------------------
def test_the_real_member_still_signs_in_after_a_look_alike_was_attempted(
    needs_postgres, kai, coordinator, municipality, api_client
):
    """PostgreSQL's upper('ſ') is 'S': a look-alike row made the real sign-in a 500."""
    api_client.force_authenticate(coordinator)
    for spelling in LOOK_ALIKES:
        api_client.post(
            "/api/members/",
            {"email": spelling, "display_name": "Doppelgänger", "municipality": municipality.slug},
            format="json",
        )
    response = sign_in(browser(), REAL)
    assert (response.status_code, response.url) == (302, "/")
    api_client.force_authenticate(None)
    response = api_client.post(
        "/api/auth/token/", {"email": REAL, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_any_spelling_signs_in_as_the_one_member(kai, spelling):
    client = browser()
    response = sign_in(client, spelling)
    assert (response.status_code, response.url) == (302, "/")
    assert int(client.session["_auth_user_id"]) == kai.pk


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_the_lockout_counts_every_spelling_of_the_account_on_one_counter(kai):
    guesses = LOOK_ALIKES[:3]
    for n, spelling in enumerate(guesses):
        response = sign_in(browser(f"198.51.100.{n}"), spelling, "geraten")
        assert response.status_code == 200
    for spelling in [REAL, *LOOK_ALIKES]:
        response = sign_in(browser("192.0.2.1"), spelling)
        assert "Zu viele" in response.content.decode(), spelling


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_the_api_lockout_counts_every_spelling_too(kai, api_client):
    for spelling in LOOK_ALIKES[1:4]:
        api_client.post(
            "/api/auth/token/", {"email": spelling, "password": "geraten"}, format="json"
        )
    response = api_client.post(
        "/api/auth/token/", {"email": LOOK_ALIKES[4], "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


def test_a_device_cookie_knows_the_account_in_any_spelling(kai):
    cookie = throttling.device_cookie_value(email="Kai.Sommer@wetzlar.de", cookie=None)
    for spelling in LOOK_ALIKES:
        assert throttling.trusted_device(email=spelling, cookie=cookie), spelling


def test_password_reset_mails_for_any_spelling_go_to_the_stored_address_and_share_a_limit(kai):
    client = browser()
    for spelling in LOOK_ALIKES[:5]:
        response = client.post("/passwort-vergessen/", {"email": spelling})
        assert (response.status_code, response.url) == (302, "/passwort-vergessen/gesendet/")
    assert [m.to for m in mail.outbox] == [[kai.email]] * 3  # three an hour per address


def test_sign_up_mails_for_any_spelling_share_one_limit(
    municipality, django_capture_on_commit_callbacks
):
    client = browser()
    spellings = [
        "sven@wetzlar.de",
        "\u017fven@wetzlar.de",
        "SVEN@wetzlar.de",
        "sven@\uff57etzlar.de",
        "\u017fVEN@WETZLAR.de",
    ]
    for spelling in spellings:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post("/registrieren/", {"email": spelling}).status_code == 200
    assert len(mail.outbox) == 3


def test_sign_up_on_an_umlaut_domain_finds_the_municipality_registered_in_punycode(
    make_municipality, client, django_capture_on_commit_callbacks
):
    muenchen = make_municipality(name="München", state="BY", domains=["xn--mnchen-3ya.de"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registrieren/", {"email": "Anna@M\u00fcnchen.de"})
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["Anna@m\u00fcnchen.de"]]
    assert services.municipality_for_email("anna@M\u00dcNCHEN.de") == muenchen


# --- coordinators stay on their municipality's domains ----------------------------------
@pytest.mark.parametrize(
    "email", ["someone@gmail.com", "mallory@evil-wetzlar.de", "anna@wetzlar.de.evil.com"]
)
def test_a_coordinator_cannot_create_an_account_outside_the_municipalitys_domains(
    coordinator, municipality, api_client, email
):
    api_client.force_authenticate(coordinator)
    response = api_client.post(
        "/api/members/",
        {"email": email, "display_name": "Fremd", "municipality": municipality.slug},
        format="json",
    )
    assert response.status_code == 400
    assert "wetzlar.de" in response.json()["email"][0]
    assert not User.objects.filter(email_canonical=addresses.canonical_email(email)).exists()


def test_a_coordinator_cannot_invite_outside_the_municipalitys_domains_on_the_page(
    coordinator, municipality, client
):
    client.force_login(coordinator)
    response = client.post(
        "/einladen/",
        {
            "email": "someone@gmail.com",
            "display_name": "Fremd",
            "municipality": municipality.slug,
            "role": Role.MEMBER,
        },
    )
    assert response.status_code == 200
    assert "wetzlar.de" in " ".join(response.context["form"].errors["email"])
    assert not User.objects.filter(email_canonical="someone@gmail.com").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "email", ["lena.koch@wetzlar.de", "Lena.Koch@WETZLAR.DE", "lena@rathaus.wetzlar.de"]
)
def test_a_coordinator_creates_accounts_on_any_registered_domain_in_any_spelling(
    coordinator, municipality, api_client, email
):
    services.municipality_update(
        municipality=municipality, email_domains=["wetzlar.de", "rathaus.wetzlar.de"]
    )
    api_client.force_authenticate(coordinator)
    response = api_client.post(
        "/api/members/",
        {"email": email, "display_name": "Lena Koch", "municipality": municipality.slug},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_an_administrator_may_create_an_account_on_another_domain(
    admin_member, municipality, api_client, client
):
    api_client.force_authenticate(admin_member)
    response = api_client.post(
        "/api/members/",
        {"email": "extern@gmail.com", "display_name": "Extern", "municipality": municipality.slug},
        format="json",
    )
    assert response.status_code == 201, response.content
    client.force_login(admin_member)
    response = client.post(
        "/einladen/",
        {
            "email": "berater@beispiel-gmbh.de",
            "display_name": "Berater",
            "municipality": municipality.slug,
            "role": Role.MEMBER,
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email_canonical="berater@beispiel-gmbh.de").exists()


# --- existing accounts: the migration ----------------------------------------------------
def test_the_collision_report_names_the_accounts_and_what_to_do():
    rows = [(1, "kai.sommer@wetzlar.de"), (2, "anna@wetzlar.de"), (7, "kai.\u017fommer@wetzlar.de")]
    collisions = addresses.canonical_collisions(rows)
    assert collisions == [[(1, "kai.sommer@wetzlar.de"), (7, "kai.\u017fommer@wetzlar.de")]]
    report = addresses.collision_report(collisions)
    assert "id=1" in report and "id=7" in report and "id=2" not in report
    assert "'kai.\u017fommer@wetzlar.de'" in report
    assert "Nothing was changed" in report and "migrate again" in report
    assert addresses.canonical_collisions([(1, "a@x.de"), (2, "b@x.de")]) == []


def _canonical_migration(executor):
    (key,) = [
        node
        for node in executor.loader.graph.nodes
        if node[0] == "community" and node[1].endswith("_user_email_canonical")
    ]
    node = executor.loader.graph.node_map[key]
    (parent,) = [p.key for p in node.parents if p.key[0] == "community"]
    return key, parent


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_with_the_report_and_changes_nothing_when_accounts_collide():
    executor = MigrationExecutor(connection)
    target, parent = _canonical_migration(executor)
    try:
        executor.migrate([parent])
        old = MigrationExecutor(connection).loader.project_state([parent]).apps
        OldUser = old.get_model("community", "User")
        real = OldUser.objects.create(email=REAL, handle="kai", display_name="Kai", password="!")
        twin = OldUser.objects.create(
            email="kai.\u017fommer@wetzlar.de", handle="kai-2", display_name="Kai", password="!"
        )
        other = OldUser.objects.create(
            email="anna@wetzlar.de", handle="anna", display_name="Anna", password="!"
        )

        executor = MigrationExecutor(connection)
        with pytest.raises(addresses.AddressCollisionError) as stopped:
            executor.migrate([target])
        report = str(stopped.value)
        assert f"id={real.pk}" in report and f"id={twin.pk}" in report
        assert f"id={other.pk}" not in report
        assert "Nothing was changed" in report
        with connection.cursor() as cursor:
            columns = [
                c.name
                for c in connection.introspection.get_table_description(cursor, "community_user")
            ]
        assert "email_canonical" not in columns
        assert OldUser.objects.count() == 3

        OldUser.objects.filter(pk=twin.pk).delete()  # what the report asks the operator to do
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        assert dict(User.objects.values_list("pk", "email_canonical")) == {
            real.pk: REAL,
            other.pk: "anna@wetzlar.de",
        }
    finally:
        # Forward to the newest state first: later migrations add tables that
        # deleting a member cascades into.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        User.objects.all().delete()
