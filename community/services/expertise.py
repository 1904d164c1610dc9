"""Writes of a member's expertise, learning wishes and qualifications."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    Expertise,
    Level,
    MemberExpertise,
    Qualification,
    User,
)
from community.services.members import member_update_profile
from community.services.photos import member_photo_set
from community.services.search_index import search_index_update

# ``photo`` not given: the photo stays as it is (None removes it).
KEEP = object()


@transaction.atomic
def member_set_expertise(
    *,
    member: User,
    expertise: dict[str, int],
    learning: Iterable[str] | None = None,
) -> User:
    """Replace a member's declared expertise ({slug: level}) and, if given, learning wishes."""
    fields = Expertise.objects.in_bulk(list(expertise) + list(learning or []), field_name="slug")
    unknown = sorted((set(expertise) | set(learning or [])) - set(fields))
    if unknown:
        raise ValidationError(
            {
                "expertise": ValidationError(
                    _("Unbekanntes Fachgebiet: %(slugs)s"),
                    code="unknown_expertise",
                    params={"slugs": ", ".join(unknown)},
                )
            }
        )
    if any(level not in Level.values for level in expertise.values()):
        raise ValidationError(
            {"expertise": ValidationError(_("Unbekannte Stufe."), code="invalid_level")}
        )
    MemberExpertise.objects.filter(member=member).exclude(
        expertise__slug__in=list(expertise)
    ).delete()
    for slug, level in expertise.items():
        MemberExpertise.objects.update_or_create(
            member=member, expertise=fields[slug], defaults={"level": level}
        )
    if learning is not None:
        member.learning_interests.set([fields[slug] for slug in learning])
    search_index_update(member_ids=[member.pk])
    return member


@transaction.atomic
def member_update_me(
    *,
    member: User,
    display_name: str | None = None,
    department: str | None = None,
    position: str | None = None,
    bio: str | None = None,
    expertise: dict[str, int] | None = None,
    learning: Iterable[str] | None = None,
    photo=KEEP,
) -> User:
    """A member edits their own profile (``PATCH /api/members/me/``).

    ``photo``: the id of an uploaded image (cropped to a square), or None to remove it.

    Only what is given changes: declared expertise ({slug: level}) replaces the
    declared fields, learning wishes replace the wishes, and either one alone
    leaves the other as it was. All or nothing.
    """
    member = member_update_profile(
        member=member,
        display_name=display_name,
        department=department,
        position=position,
        bio=bio,
    )
    if expertise is not None or learning is not None:
        if expertise is None:
            expertise = dict(
                MemberExpertise.objects.filter(member=member).values_list(
                    "expertise__slug", "level"
                )
            )
        member_set_expertise(
            member=member,
            expertise=expertise,
            learning=None if learning is None else list(learning),
        )
    if photo is not KEEP:
        member = member_photo_set(member=member, photo=photo)
    return member


@transaction.atomic
def qualification_add(
    *,
    member: User,
    programme: str,
    cohort: str = "",
    completed_on=None,
    appointed_on=None,
) -> Qualification:
    qualification = Qualification(
        member=member,
        programme=programme.strip(),
        cohort=cohort.strip(),
        completed_on=completed_on,
        appointed_on=appointed_on,
    )
    qualification.full_clean()
    qualification.save()
    return qualification


@transaction.atomic
def qualification_confirm(*, qualification: Qualification, confirmed_by: User) -> Qualification:
    """A coordinator of the member's municipality (or an administrator) confirms it."""
    member = qualification.member
    if not (confirmed_by.is_network_admin or confirmed_by.is_coordinator_of(member.municipality)):
        raise ValidationError(
            _("Nur die Koordination der Kommune bestätigt Qualifizierungen."), code="forbidden"
        )
    qualification.confirmed_by = confirmed_by
    qualification.confirmed_at = timezone.now()
    qualification.save(update_fields=["confirmed_by", "confirmed_at"])
    return qualification


@transaction.atomic
def qualification_delete(*, qualification: Qualification) -> None:
    qualification.delete()
