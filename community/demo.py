"""Demo expertise, qualifications and projects for the demo network (seed_demo).

Deterministic and idempotent: a member who already declared expertise and a
project that already exists (same title and municipality) are left alone.

Every app adds its part of the demo the same way: a module ``<app>.demo`` with
``seed_demo(network: DemoNetwork) -> dict[str, int]`` (what is new, by the
plural noun the command prints). The command finds them in INSTALLED_APPS
order, so that community names no app above it and each app's demo finds what
the apps below it have seeded.
"""

import datetime
from typing import NamedTuple

from community import services
from community.models import (
    Expertise,
    Level,
    Municipality,
    Project,
    ProjectKind,
    ProjectStatus,
    User,
)


class DemoNetwork(NamedTuple):
    """The demo's municipalities (by slug) and members (by e-mail), for every app's demo."""

    municipalities: dict[str, Municipality]
    members: dict[str, User]


# (title, municipality slug, kind, status, tools, description, lessons learned)
DEMO_PROJECTS = [
    (
        "Einführung enaio in Wetzlar",
        "wetzlar",
        ProjectKind.EAKTE,
        ProjectStatus.DONE,
        ["enaio", "Kofax"],
        "Schrittweise Einführung der E-Akte, beginnend im Hauptamt; Aktenplan überarbeitet, "
        "Scanstelle eingerichtet.",
        "Den Aktenplan vor dem Start bereinigen. Früh mit dem Personalrat sprechen. "
        "Die Übergabe der Papierakten braucht mehr Zeit als gedacht.",
    ),
    (
        "E-Akte im Bürgerbüro",
        "marburg",
        ProjectKind.EAKTE,
        ProjectStatus.RUNNING,
        ["Enaio"],
        "Das Bürgerbüro arbeitet seit dem Frühjahr mit der E-Akte; Meldeakten werden digital geführt.",
        "Schulungen in kleinen Gruppen direkt am Arbeitsplatz wirken am besten.",
    ),
    (
        "Digitale Dienstplanung im Bauhof",
        "offenburg",
        ProjectKind.PROCESS,
        ProjectStatus.DONE,
        ["Papershift"],
        "Dienst- und Bereitschaftspläne des Bauhofs digital, mit App für die Kolleginnen und Kollegen.",
        "Die Bereitschaftsregeln vorher schriftlich klären; die App erst nach dem Probemonat ausrollen.",
    ),
    (
        "Tablets für die Grünflächenpflege",
        "giessen",
        ProjectKind.TOOL,
        ProjectStatus.RUNNING,
        ["iPad", "Baumkataster GIS"],
        "Baumkontrollen und Mängelmeldungen direkt vor Ort auf dem Tablet.",
        "Robuste Hüllen und Ersatzakkus einplanen; offline arbeiten können ist Pflicht.",
    ),
    (
        "OZG-Anträge Gewerbe",
        "fulda",
        ProjectKind.PROCESS,
        ProjectStatus.RUNNING,
        ["civento", "Servicekonto"],
        "Gewerbean-, -um- und -abmeldung online über das Landesportal, Anbindung an das Fachverfahren.",
        "Die Anbindung an das Fachverfahren zuerst testen, nicht erst das Formular.",
    ),
    (
        "Teams-Einführung im Rathaus",
        "offenbach",
        ProjectKind.TOOL,
        ProjectStatus.DONE,
        ["Microsoft Teams"],
        "Besprechungen und Chats im Rathaus über Teams; Regeln für Kanäle und Ablage.",
        "Eine kurze Netiquette hilft mehr als lange Handbücher.",
    ),
    (
        "Lotsen-Sprechstunde",
        "limburg",
        ProjectKind.TRAINING,
        ProjectStatus.RUNNING,
        ["BigBlueButton"],
        "Jeden Donnerstag eine offene Online-Sprechstunde der Digitallots*innen für alle Ämter.",
        "Feste Zeiten und eine kurze Agenda machen die Sprechstunde verlässlich.",
    ),
    (
        "Digitale Akte im Standesamt",
        "darmstadt",
        ProjectKind.EAKTE,
        ProjectStatus.PLANNED,
        ["d.velop documents"],
        "Vorbereitung der E-Akte für Personenstandsfälle.",
        "",
    ),
    (
        "Mängelmelder für Bürgerinnen und Bürger",
        "freiburg",
        ProjectKind.TOOL,
        ProjectStatus.DONE,
        ["Mängelmelder"],
        "Schlaglöcher, defekte Laternen und wilder Müll per App melden.",
        "Rückmeldungen an die Meldenden schnell geben, sonst sinkt die Nutzung.",
    ),
    (
        "KI-Assistent für Bürgeranfragen (Pilot)",
        "heidelberg",
        ProjectKind.OTHER,
        ProjectStatus.PLANNED,
        ["F13"],
        "Pilot eines KI-Assistenten, der Entwürfe für Antworten auf Bürgeranfragen vorschlägt.",
        "",
    ),
]

# Expertise by keyword in the demo bios: the first match decides the field.
KEYWORD_EXPERTISE = [
    ("e-akte", "e-akte-dms"),
    ("ozg", "ozg-onlinedienste"),
    ("antrag", "antragsmanagement"),
    ("dienstplan", "digitale-dienstplanung"),
    ("tablet", "mobiles-arbeiten"),
    ("schul", "schulung-e-learning"),
    ("datenschutz", "datenschutz"),
    ("sicherheit", "it-sicherheit"),
    ("teams", "collaboration-tools"),
    ("video", "collaboration-tools"),
    ("prozess", "prozessmanagement"),
    ("open data", "open-data"),
    ("ki", "ki-verwaltung"),
]
LEVELS = [Level.EXPERT, Level.EXPERIENCED, Level.BASIC]


def seed_expertise(members: list[User]) -> None:
    slugs = list(Expertise.objects.values_list("slug", flat=True))
    for index, member in enumerate(members):
        if member.expertise_entries.exists():
            continue
        text = f"{member.bio} {member.position} {member.department}".lower()
        declared = {}
        for keyword, slug in KEYWORD_EXPERTISE:
            if keyword in text and slug in slugs and len(declared) < 2:
                declared[slug] = LEVELS[(index + len(declared)) % len(LEVELS)]
        if not declared:
            declared[slugs[index % len(slugs)]] = LEVELS[index % len(LEVELS)]
        learning = [slugs[(index * 7 + 3) % len(slugs)]]
        learning = [s for s in learning if s not in declared]
        services.member_set_expertise(member=member, expertise=declared, learning=learning)
        if index % 3 == 0 and not member.qualifications.exists():
            qualification = services.qualification_add(
                member=member,
                programme="Digitallotsen-Seminar des Landes (3 Tage)"
                if member.municipality and member.municipality.state == "BW"
                else "Qualifizierung Digitallots*innen Hessen",
                cohort=f"{2024 + index % 3}/{1 + index % 2}",
                completed_on=datetime.date(2024 + index % 3, 3 + index % 6, 10),
            )
            coordinator = User.objects.filter(
                municipality=member.municipality, role="coordinator", is_active=True
            ).first()
            if coordinator and index % 2 == 0:
                services.qualification_confirm(
                    qualification=qualification, confirmed_by=coordinator
                )


def seed_projects(municipalities: dict[str, Municipality]) -> int:
    created = 0
    for title, slug, kind, status, tools, body, lessons in DEMO_PROJECTS:
        municipality = municipalities.get(slug)
        if (
            municipality is None
            or Project.objects.filter(title=title, municipality=municipality).exists()
        ):
            continue
        members = list(
            User.objects.filter(municipality=municipality, is_active=True).order_by("pk")[:2]
        )
        project = services.project_create(
            created_by=members[0] if members else None,
            municipality=municipality,
            title=title,
            kind=kind,
            status=status,
            tools=tools,
            members=members,
            body=body,
            lessons_learned=lessons,
            started_on=datetime.date(2025, 1 + created % 12, 1),
        )
        for colleague in members[1:]:  # in the demo, everyone asked has said yes
            services.project_invitation_accept(project=project, member=colleague)
        created += 1
    return created


def seed_people_and_projects(municipalities: dict[str, Municipality]) -> int:
    members = list(
        User.objects.filter(is_active=True).select_related("municipality").order_by("pk")
    )
    seed_expertise(members)
    return seed_projects(municipalities)


def seed_demo(network: DemoNetwork) -> dict[str, int]:
    return {"Projekte": seed_people_and_projects(network.municipalities)}
