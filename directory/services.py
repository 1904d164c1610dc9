"""The members' search documents, rebuilt whenever what a member shows changes.

The apps below do not call this module: they send
``community.signals.member_profiles_changed`` and the receiver registered in
``DirectoryConfig.ready()`` rebuilds the documents, in the same transaction.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation

from community.models import (
    MemberExpertise,
    MemberSearchDocument,
    Project,
    ProjectKind,
    ProjectStatus,
    User,
)
from core.search_text import evidence_stems
from directory.search import get_backend
from directory.search.base import PLANNED_ONLY
from directory.selectors import search_counts_forget
from events.models import Audience, Event, EventStatus


def _document_parts(member: User) -> tuple[str, str, str]:
    expertise = [e.expertise.name for e in member.expertise_entries.all()]
    projects = [p for p in member.projects.all() if p.is_published]
    text_a = " ".join(
        [member.display_name, member.position, member.department, member.handle, *expertise]
    )
    text_b = " ".join(
        [
            member.municipality.name if member.municipality else "",
            *[p.title for p in projects],
            # Events led count as evidence: only those the whole network sees, so a
            # search never reveals an event meant for one municipality or state.
            *[e.title for e in member.search_led_events],
            *[t.name for p in projects for t in p.tools.all()],
            *[str(ProjectKind(p.kind).label) for p in projects],
        ]
    )
    text_c = " ".join([member.bio, *[p.lessons_learned for p in projects]])
    return text_a, text_b, text_c


def _project_year(project: Project) -> int | None:
    """The year a project last showed practice: running is now, done is its end; planned none."""
    if project.status == ProjectStatus.RUNNING:
        return timezone.localdate().year
    if project.status == ProjectStatus.DONE:
        return (project.ended_on or project.updated_at or timezone.now()).year
    return None


def _search_facts(member: User) -> dict:
    """What ranking and filters read (see MemberSearchDocument), from prefetched rows.

    Besides the counts per tool and kind, ``evidence`` holds per tool the running or
    finished projects (``r<tool>``) and the latest year of one (``y<tool>``): done
    beats planned, recent beats old. The words of a project's title and kind are
    evidence too ("Digitale Dienstplanung der Feuerwehr" shows having done
    Dienstplanung): ``w<stem>`` holds the latest year of a running or finished
    project with that word, or ``PLANNED_ONLY`` if only planned ones have it.
    """
    levels = {f"e{e.expertise_id}": e.level for e in member.expertise_entries.all()}
    evidence: dict[str, int] = {}
    projects = []
    for project in member.projects.all():
        if not project.is_published:
            continue
        tool_ids = sorted(tool.pk for tool in project.tools.all())
        year = _project_year(project)
        projects.append(
            [
                project.title,
                project.municipality.name,
                project.kind,
                tool_ids,
                project.status,
                year,
            ]
        )
        keys = [f"k{project.kind}"]
        for tool in project.tools.all():
            keys += [f"t{tool.pk}", f"k{project.kind}t{tool.pk}"]
            if year is not None:
                keys.append(f"r{tool.pk}")
                evidence[f"y{tool.pk}"] = max(evidence.get(f"y{tool.pk}", 0), year)
        for key in keys:
            evidence[key] = evidence.get(key, 0) + 1
        label = str(ProjectKind(project.kind).label)
        for word in evidence_stems(f"{project.title} {label}"):
            key = f"w{word}"
            evidence[key] = max(evidence.get(key, 0), year or PLANNED_ONLY)
    municipality = member.municipality
    return {
        "is_active": member.is_active,
        "display_name": member.display_name,
        "municipality_id": member.municipality_id,
        "state": municipality.state if municipality else "",
        "levels": levels,
        "max_level": max(levels.values(), default=0),
        "evidence": evidence,
        "projects": projects,
    }


SEARCH_FACT_FIELDS = [
    "is_active",
    "display_name",
    "municipality",
    "state",
    "levels",
    "max_level",
    "evidence",
    "projects",
]


def search_index_update(*, member_ids: Iterable[int]) -> None:
    """Rebuild the search documents of these members (published projects only)."""
    member_ids = sorted(set(member_ids))
    with translation.override(settings.LANGUAGE_CODE):  # the index speaks German
        _search_index_build(member_ids)


def _search_index_build(member_ids: list[int]) -> None:
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        members = (
            User.objects.filter(pk__in=chunk)
            .select_related("municipality")
            .prefetch_related(
                Prefetch(
                    "expertise_entries",
                    queryset=MemberExpertise.objects.select_related("expertise"),
                ),
                Prefetch(
                    "projects",
                    queryset=Project.objects.select_related("municipality").prefetch_related(
                        "tools"
                    ),
                ),
                Prefetch(
                    "organized_events",
                    queryset=Event.objects.filter(
                        audience=Audience.NETWORK, status=EventStatus.SCHEDULED
                    ).only("pk", "title"),
                    to_attr="search_led_events",
                ),
            )
        )
        documents = []
        for member in members:
            text_a, text_b, text_c = _document_parts(member)
            documents.append(
                MemberSearchDocument(
                    member=member,
                    text_a=text_a,
                    text_b=text_b,
                    text_c=text_c,
                    **_search_facts(member),
                )
            )
        MemberSearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["member"],
            update_fields=["text_a", "text_b", "text_c", *SEARCH_FACT_FIELDS],
        )
        get_backend().index([d.member_id for d in documents])
        search_counts_forget()
