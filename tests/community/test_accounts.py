"""Joining the closed network: invitations, domain sign-up, sign-in, password reset."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from community import services
from community.models import Invitation, Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "Neues-Lotsen-Passwort-7"


def link_from_mail(message) -> str:
    match = re.search(r"http://testserver(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


# --- invitations --------------------------------------------------------------
def test_coordinator_invites_a_pilot_who_sets_a_password_and_lands_in_the_municipality(
    client, coordinator, municipality, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/einladen/",
            {
                "email": "Lena.Koch@Wetzlar.de",
                "display_name": "Lena Koch",
                "municipality": municipality.slug,
                "role": Role.MEMBER,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Lena.Koch@wetzlar.de"]  # the local part as typed
    link = link_from_mail(mail.outbox[0])

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Wetzlar" in page.content.decode()
    response = client.post(
        link, {"display_name": "Lena Koch", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    lena = User.objects.get(email_canonical="lena.koch@wetzlar.de")
    assert lena.municipality == municipality
    assert lena.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # signed in right away


def test_invitation_link_works_once(client, coordinator, municipality):
    member = services.member_invite(
        invited_by=coordinator,
        email="once@wetzlar.de",
        display_name="Einmal",
        municipality=municipality,
    )
    token = services.invitation_send(member=member, invited_by=coordinator)
    services.invitation_accept(token=token, password=NEW_PASSWORD)
    assert client.get(f"/einladung/{token}/").status_code == 404
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(token=token, password=NEW_PASSWORD)
    assert excinfo.value.code == "invalid_token"


def test_resending_an_invitation_invalidates_the_earlier_link(coordinator, municipality):
    member = services.member_invite(
        invited_by=coordinator,
        email="twice@wetzlar.de",
        display_name="Zweimal",
        municipality=municipality,
    )
    first = services.invitation_send(member=member, invited_by=coordinator)
    second = services.invitation_send(member=member, invited_by=coordinator)
    assert services.invitation_for_token(first) is None
    assert services.invitation_for_token(second) is not None
    assert Invitation.objects.filter(member=member, accepted_at__isnull=True).count() == 1


def test_expired_invitation_is_refused(client, coordinator, municipality):
    member = services.member_invite(
        invited_by=coordinator,
        email="late@wetzlar.de",
        display_name="Spät",
        municipality=municipality,
    )
    token = services.invitation_send(member=member, invited_by=coordinator)
    Invitation.objects.filter(member=member).update(expires_at=timezone.now())
    assert client.get(f"/einladung/{token}/").status_code == 404
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password=NEW_PASSWORD)


def test_invited_member_cannot_sign_in_before_setting_a_password(client, coordinator, municipality):
    services.member_invite(
        invited_by=coordinator,
        email="wait@wetzlar.de",
        display_name="Wartend",
        municipality=municipality,
    )
    response = client.post("/anmelden/", {"username": "wait@wetzlar.de", "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_weak_password_on_invitation_is_refused_and_nothing_changes(
    client, coordinator, municipality
):
    member = services.member_invite(
        invited_by=coordinator,
        email="weak@wetzlar.de",
        display_name="Schwach",
        municipality=municipality,
    )
    token = services.invitation_send(member=member, invited_by=coordinator)
    response = client.post(
        f"/einladung/{token}/",
        {"display_name": "Schwach", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    member.refresh_from_db()
    assert not member.has_usable_password()
    assert services.invitation_for_token(token) is not None


def test_member_cannot_invite(member_client, municipality):
    response = member_client.get("/einladen/")
    assert response.status_code == 403


def test_coordinator_cannot_invite_into_another_municipality(
    client, coordinator, make_municipality
):
    elsewhere = make_municipality(name="Marburg", domains=["marburg.de"])
    client.force_login(coordinator)
    response = client.post(
        "/einladen/",
        {
            "email": "x@marburg.de",
            "display_name": "X",
            "municipality": elsewhere.slug,
            "role": "member",
        },
    )
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert not User.objects.filter(email="x@marburg.de").exists()


def test_inviting_an_existing_address_says_so(client, coordinator, member, municipality):
    client.force_login(coordinator)
    response = client.post(
        "/einladen/",
        {
            "email": member.email.upper(),
            "display_name": "Dup",
            "municipality": municipality.slug,
            "role": "member",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


# --- self-registration --------------------------------------------------------
def test_sign_up_with_a_municipal_address_confirms_by_mail(
    client, municipality, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registrieren/", {"email": "Paul.Neu@wetzlar.de"})
    assert response.status_code == 200
    # not before confirming
    assert not User.objects.filter(email_canonical="paul.neu@wetzlar.de").exists()
    link = link_from_mail(mail.outbox[0])
    response = client.post(
        link, {"display_name": "Paul Neu", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    paul = User.objects.get(email_canonical="paul.neu@wetzlar.de")
    assert paul.municipality == municipality
    assert paul.role == Role.MEMBER


def test_sign_up_with_a_foreign_domain_is_refused(client, municipality):
    response = client.post("/registrieren/", {"email": "someone@gmail.com"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert len(mail.outbox) == 0


def test_sign_up_with_a_subdomain_lookalike_is_refused(client, municipality):
    response = client.post("/registrieren/", {"email": "mallory@evil-wetzlar.de"})
    assert "email" in response.context["form"].errors


def test_sign_up_for_an_existing_account_reveals_nothing_on_the_page(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/registrieren/", {"email": member.email})
    assert response.status_code == 200
    assert response.templates[0].name == "community/signup_sent.html"
    assert "schon ein Konto" in mail.outbox[0].body


def test_tampered_sign_up_link_is_refused(client, municipality):
    assert client.get("/registrieren/not-a-valid-token/").status_code == 404


def test_sign_up_link_used_twice_does_not_make_a_second_account(client, municipality):
    services.signup_request(email="twice@wetzlar.de")
    from django.core import signing

    token = signing.dumps({"email": "twice@wetzlar.de"}, salt=services.SIGNUP_SALT)
    services.signup_complete(token=token, display_name="Zwei", password=NEW_PASSWORD)
    with pytest.raises(ValidationError) as excinfo:
        services.signup_complete(token=token, display_name="Zwei", password=NEW_PASSWORD)
    assert excinfo.value.code == "exists"
    assert User.objects.filter(email="twice@wetzlar.de").count() == 1


# --- signing in ---------------------------------------------------------------
def test_sign_in_by_email_ignores_case(client, member):
    response = client.post(
        "/anmelden/", {"username": "ANNA.Schmidt@wetzlar.de", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/"


def _main(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def test_sign_in_page_asks_for_the_address_alone_first(client, db):
    page = _main(client.get("/anmelden/"))
    assert page.count("<h1") == 1
    assert 'name="username"' in page and "autofocus" in page
    assert 'autocomplete="username"' in page
    assert 'name="password"' not in page
    assert ">Weiter</button>" in page


def test_second_step_keeps_the_address_for_password_managers_and_focuses_the_password(
    client, member
):
    response = client.post("/anmelden/", {"username": member.email, "next": "/forum/"})
    assert response.status_code == 200
    page = _main(response)
    field = re.search(r'<input type="email" name="username"[^>]*>', page).group(0)
    assert f'value="{member.email}"' in field and "readonly" in field
    assert 'autocomplete="username"' in field and "autofocus" not in field
    password = re.search(r'<input type="password" name="password"[^>]*>', page).group(0)
    assert "autofocus" in password and 'autocomplete="current-password"' in password
    assert 'href="/anmelden/?next=/forum/">Andere Adresse</a>' in page
    assert 'href="/passwort-vergessen/"' in page
    assert 'name="next" value="/forum/"' in page
    assert "_auth_user_id" not in client.session


def test_second_step_looks_the_same_whether_or_not_the_account_exists(client, member):
    known = _main(client.post("/anmelden/", {"username": member.email}))
    unknown = _main(client.post("/anmelden/", {"username": "niemand@wetzlar.de"}))
    assert known.replace(member.email, "ADDRESS") == unknown.replace(
        "niemand@wetzlar.de", "ADDRESS"
    )


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=2, SIGNIN_FAILURES_PER_ADDRESS=2)
def test_the_address_step_never_counts_on_the_sign_in_throttle(client, member):
    for _ in range(5):
        assert client.post("/anmelden/", {"username": member.email}).status_code == 200
    response = client.post("/anmelden/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("address", "reason"),
    [("", "Bitte geben Sie Ihre E-Mail-Adresse ein."), ("kein-at", "gültige E-Mail-Adresse")],
    ids=["empty", "not-an-address"],
)
def test_a_missing_or_broken_address_stays_on_the_first_step_with_a_reason(
    client, db, address, reason
):
    for data in ({"username": address}, {"username": address, "password": "x"}):
        response = client.post("/anmelden/", data)
        assert response.status_code == 200
        page = _main(response)
        assert 'name="password"' not in page
        summary = re.search(r'<div class="form-errors" role="alert".*?</div>', page, re.S).group(0)
        assert reason in summary and 'href="#id_username"' in summary
        assert 'aria-invalid="true"' in page and 'aria-describedby="id_username_error"' in page


def test_an_empty_password_on_the_second_step_is_named_on_the_password_field(client, member):
    response = client.post("/anmelden/", {"username": member.email, "password": ""})
    page = _main(response)
    assert "Bitte geben Sie Ihr Passwort ein." in page and 'href="#id_password"' in page
    password = re.search(r'<input type="password" name="password"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in password and "autofocus" in password


def test_a_wrong_password_stays_on_the_second_step_with_the_reason(client, member):
    response = client.post("/anmelden/", {"username": member.email, "password": "falsch"})
    page = _main(response)
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in page
    assert f'value="{member.email}"' in page and "readonly" in page
    assert "_auth_user_id" not in client.session


def test_the_two_steps_are_translated(client, member):
    client.post("/sprache/", {"language": "en", "next": "/anmelden/"})
    assert ">Next</button>" in _main(client.get("/anmelden/"))
    second = _main(client.post("/anmelden/", {"username": member.email}))
    assert "Use another address" in second
    assert "Please enter your password." in _main(
        client.post("/anmelden/", {"username": member.email, "password": ""})
    )


def test_sign_in_refuses_a_wrong_password(client, member):
    response = client.post("/anmelden/", {"username": member.email, "password": "falsch"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivated_member_cannot_sign_in(client, member):
    services.member_deactivate(member=member)
    response = client.post("/anmelden/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 200


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_sign_in_is_throttled_per_account_after_repeated_failures(client, member):
    for _ in range(3):
        client.post("/anmelden/", {"username": member.email, "password": "falsch"})
    response = client.post("/anmelden/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Zu viele" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_throttling_one_account_leaves_colleagues_behind_the_same_address_alone(
    client, member, make_member, municipality
):
    colleague = make_member(municipality=municipality, email="kollege@wetzlar.de")
    for _ in range(3):
        client.post("/anmelden/", {"username": member.email, "password": "falsch"})
    response = client.post("/anmelden/", {"username": colleague.email, "password": PASSWORD})
    assert response.status_code == 302


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=1000, SIGNIN_FAILURES_PER_ADDRESS=5)
def test_successful_sign_ins_from_one_address_never_count_towards_the_flood_limit(
    client, make_member, municipality
):
    colleagues = [make_member(municipality=municipality) for _ in range(12)]
    for colleague in colleagues:
        client.logout()
        response = client.post("/anmelden/", {"username": colleague.email, "password": PASSWORD})
        assert response.status_code == 302


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=1000, SIGNIN_FAILURES_PER_ADDRESS=5)
def test_a_flood_of_failures_from_one_address_is_stopped(client, make_member, municipality):
    victim = make_member(municipality=municipality)
    for n in range(5):
        client.post("/anmelden/", {"username": f"guess{n}@wetzlar.de", "password": "x"})
    response = client.post("/anmelden/", {"username": victim.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Zu viele" in response.content.decode()


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=2)
def test_password_reset_by_mail_lifts_a_lockout(client, member):
    for _ in range(2):
        client.post("/anmelden/", {"username": member.email, "password": "falsch"})
    client.post("/passwort-vergessen/", {"email": member.email})
    link = link_from_mail(mail.outbox[0])
    response = client.get(link, follow=True)  # Django swaps the token for a session key
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    response = client.post("/anmelden/", {"username": member.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same(client, db):
    response = client.post("/passwort-vergessen/", {"email": "niemand@wetzlar.de"})
    assert response.status_code == 302
    assert response.url == "/passwort-vergessen/gesendet/"
    assert len(mail.outbox) == 0


def test_sign_out_needs_a_post(member_client):
    assert member_client.get("/abmelden/").status_code == 405
    assert member_client.post("/abmelden/").status_code == 302
    assert member_client.get("/").status_code == 302


# --- profile -------------------------------------------------------------------
def test_member_edits_profile_and_bio_is_rendered_safely(member_client, member):
    response = member_client.post(
        "/profil/",
        {
            "display_name": "Anna Schmidt",
            "department": "Hauptamt",
            "position": "Digitallotsin",
            "bio": "**E-Akte** in Wetzlar <script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.bio_html == "<p><strong>E-Akte</strong> in Wetzlar </p>"
    page = member_client.get(member.get_absolute_url()).content.decode()
    assert "<strong>E-Akte</strong>" in page
    assert "<script>alert(1)" not in page


def test_profile_rejects_an_empty_name_and_keeps_the_old_one(member_client, member):
    response = member_client.post("/profil/", {"display_name": "", "bio": ""})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.display_name == "Anna Schmidt"


def test_member_directory_page_runs_a_fixed_number_of_queries(
    member_client, make_member, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        make_member()
    # The first search fills the cache of synonyms and fields (two queries, once).
    assert member_client.get("/menschen/").status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert member_client.get("/menschen/").status_code == 200
    for _ in range(25):
        make_member()
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_client.get("/menschen/")
    assert response.status_code == 200


def test_member_directory_filters_by_municipality_and_text(
    member_client, make_member, make_municipality
):
    marburg = make_municipality(name="Marburg", domains=["marburg.de"])
    make_member(municipality=marburg, display_name="Marie Marburg", department="Bürgerbüro")

    def names(url):
        return [m.display_name for m in member_client.get(url).context["page"]]

    assert names("/menschen/?municipality=marburg") == ["Marie Marburg"]
    assert names("/menschen/?q=bürgerbüro") == ["Marie Marburg"]


def test_unknown_profile_is_a_404(member_client):
    assert member_client.get("/menschen/niemand/").status_code == 404
