"""Writes of municipalities: create, update, their e-mail domains, re-indexing."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import (
    EmailDomain,
    Municipality,
    Project,
)
from community.services._common import _unique_slug
from community.services._helpers import normalize_domain
from community.signals import member_profiles_changed_send


def _set_domains(*, municipality: Municipality, domains: Iterable[str]) -> None:
    wanted = {normalize_domain(d) for d in domains if normalize_domain(d)}
    for domain in wanted:
        try:
            EmailDomain(municipality=municipality, domain=domain).clean_fields(
                exclude=["municipality"]
            )
        except ValidationError as exc:
            raise ValidationError({"email_domains": exc.message_dict["domain"]}) from exc
    taken = (
        EmailDomain.objects.filter(domain__in=wanted)
        .exclude(municipality=municipality)
        .values_list("domain", flat=True)
    )
    if taken:
        raise ValidationError(
            {
                "email_domains": ValidationError(
                    _("Diese Domain gehört schon zu einer anderen Kommune: %(domains)s"),
                    code="domain_taken",
                    params={"domains": ", ".join(sorted(taken))},
                )
            }
        )
    municipality.email_domains.exclude(domain__in=wanted).delete()
    existing = set(municipality.email_domains.values_list("domain", flat=True))
    EmailDomain.objects.bulk_create(
        EmailDomain(municipality=municipality, domain=d) for d in sorted(wanted - existing)
    )


@transaction.atomic
def municipality_create(
    *,
    name: str,
    state: str,
    slug: str = "",
    population: int | None = None,
    ags: str = "",
    email_domains: Iterable[str] = (),
) -> Municipality:
    municipality = Municipality(
        name=name.strip(),
        state=state,
        slug=slug or _unique_slug(Municipality, "slug", name, "kommune", 100),
        population=population,
        ags=(ags or "").strip(),
    )
    municipality.full_clean()
    municipality.save()
    _set_domains(municipality=municipality, domains=email_domains)
    return municipality


@transaction.atomic
def municipality_update(
    *, municipality: Municipality, email_domains: Iterable[str] | None = None, **fields
) -> Municipality:
    allowed = {"name", "slug", "state", "population", "ags"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"municipality_update() got unexpected fields {sorted(unknown)}")
    for field, value in fields.items():
        setattr(municipality, field, value.strip() if isinstance(value, str) else value)
    municipality.full_clean()
    municipality.save()
    if email_domains is not None:
        _set_domains(municipality=municipality, domains=email_domains)
    if "name" in fields or "state" in fields:
        municipality_reindex(municipality=municipality)
    return municipality


@transaction.atomic
def municipality_reindex(*, municipality: Municipality) -> None:
    """Its name or state changed: its members' search documents, and those of
    everyone whose project there names it, say so again."""
    members = set(municipality.members.values_list("pk", flat=True))
    members |= set(
        Project.members.through.objects.filter(project__municipality=municipality).values_list(
            "user_id", flat=True
        )
    )
    member_profiles_changed_send(member_ids=members)
