"""A subject is unique only within its issuer: moving a municipality's connection to
another issuer must neither let an old subject sign in someone else nor lock out the
members already linked (issue 21)."""

import pytest

from community import services
from community.models import OidcIdentity, User
from community.oidc import OidcError

pytestmark = pytest.mark.django_db

OLD = "https://id.wetzlar.de/realms/alt"
NEW = "https://login.wetzlar.de/realms/neu"


@pytest.fixture
def provider(municipality):
    return services.oidc_provider_set(
        municipality=municipality, issuer=OLD, client_id="lotsennetz", client_secret="s", by=None
    )


def claims(sub: str, email: str, **more) -> dict:
    return {"sub": sub, "email": email, "email_verified": True, **more}


def move_to_new_issuer(provider):
    return services.oidc_provider_set(
        municipality=provider.municipality,
        issuer=NEW,
        client_id="lotsennetz",
        by=None,
    )


def test_identities_remember_the_issuer_that_named_them(provider):
    services.oidc_signin(provider=provider, claims=claims("alice-1", "alice@wetzlar.de"))
    identity = OidcIdentity.objects.get()
    assert (identity.issuer, identity.subject) == (OLD, "alice-1")


def test_an_old_subject_from_the_new_issuer_does_not_sign_in_its_old_owner(provider):
    alice = services.oidc_signin(provider=provider, claims=claims("123", "alice@wetzlar.de")).member
    provider = move_to_new_issuer(provider)
    # The new issuer happens to give Bob the subject Alice had at the old one.
    outcome = services.oidc_signin(provider=provider, claims=claims("123", "bob@wetzlar.de"))
    assert outcome.member != alice
    assert outcome.member.email == "bob@wetzlar.de"
    assert OidcIdentity.objects.get(member=alice).issuer == OLD


def test_a_linked_member_moves_to_the_new_issuer_with_their_verified_address(provider):
    alice = services.oidc_signin(
        provider=provider, claims=claims("alt-7", "alice@wetzlar.de", name="Alice A.")
    ).member
    provider = move_to_new_issuer(provider)
    outcome = services.oidc_signin(
        provider=provider, claims=claims("neu-9", "alice@wetzlar.de", name="Alice B.")
    )
    assert outcome.member == alice and not outcome.needs_link
    identity = OidcIdentity.objects.get(member=alice)
    assert (identity.issuer, identity.subject) == (NEW, "neu-9")
    assert User.objects.get(pk=alice.pk).display_name == "Alice B."
    # The next sign-in finds her by the new subject.
    again = services.oidc_signin(provider=provider, claims=claims("neu-9", "alice@wetzlar.de"))
    assert again.member == alice
    assert OidcIdentity.objects.count() == 1


def test_a_second_subject_of_the_same_issuer_for_a_linked_member_is_still_refused(provider):
    services.oidc_signin(provider=provider, claims=claims("alt-7", "alice@wetzlar.de"))
    with pytest.raises(OidcError) as refused:
        services.oidc_signin(provider=provider, claims=claims("alt-8", "alice@wetzlar.de"))
    assert refused.value.code == "member_linked_elsewhere"
    assert OidcIdentity.objects.get().subject == "alt-7"


def test_a_member_linked_at_another_municipalitys_provider_is_not_moved(
    provider, make_municipality
):
    other_town = make_municipality(name="Marburg", domains=["marburg.de"])
    other = services.oidc_provider_set(
        municipality=other_town, issuer=NEW, client_id="x", client_secret="s", by=None
    )
    bob = services.oidc_signin(provider=other, claims=claims("b", "bob@marburg.de")).member
    with pytest.raises(OidcError):
        services.oidc_signin(provider=provider, claims=claims("b2", "bob@marburg.de"))
    identity = OidcIdentity.objects.get(member=bob)
    assert (identity.provider_id, identity.subject) == (other.pk, "b")
