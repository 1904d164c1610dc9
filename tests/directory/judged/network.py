"""A generated network of a few hundred members for the judged query set.

Deterministic (``random.Random(seed)``) and built through the services, as the
app builds it: municipalities, members with bios and declared expertise,
projects with tools, status and years, participants who accept their
invitation. ``build_network`` returns the facts it planted (``Facts``); the
judgments in ``queries.py`` are derived from these facts alone, never from a
ranking.
"""

import datetime
import random
from dataclasses import dataclass, field

from community import services
from community.models import Level, ProjectKind, ProjectStatus, Role

SEED = 19
N_MEMBERS = 300
N_PROJECTS = 180

# (name, state): real places across the states, several per state.
MUNICIPALITIES = [
    ("Marburg", "HE"), ("Wetzlar", "HE"), ("Gießen", "HE"), ("Fulda", "HE"), ("Kassel", "HE"),
    ("Erlangen", "BY"), ("Bamberg", "BY"), ("Landshut", "BY"), ("Passau", "BY"),
    ("Tübingen", "BW"), ("Reutlingen", "BW"), ("Ulm", "BW"), ("Heilbronn", "BW"),
    ("Münster", "NW"), ("Bielefeld", "NW"), ("Paderborn", "NW"), ("Siegen", "NW"),
    ("Oldenburg", "NI"), ("Göttingen", "NI"), ("Lüneburg", "NI"),
    ("Kiel", "SH"), ("Flensburg", "SH"), ("Leipzig", "SN"), ("Görlitz", "SN"),
    ("Jena", "TH"), ("Erfurt", "TH"), ("Trier", "RP"), ("Koblenz", "RP"),
    ("Cottbus", "BB"), ("Potsdam", "BB"), ("Rostock", "MV"), ("Greifswald", "MV"),
    ("Halle (Saale)", "ST"), ("Magdeburg", "ST"), ("Saarlouis", "SL"),
]  # fmt: skip

FIRST_NAMES = [
    "Anna", "Lena", "Julia", "Sabine", "Katrin", "Petra", "Claudia", "Nicole", "Stefanie",
    "Birgit", "Susanne", "Miriam", "Laura", "Sophie", "Hannah", "Ayşe", "Elif", "Marta",
    "Thomas", "Michael", "Andreas", "Stefan", "Frank", "Markus", "Tobias", "Jan", "Daniel",
    "Jürgen", "Uwe", "Peter", "Florian", "Lukas", "Jonas", "Björn", "Mehmet", "Piotr", "Holger",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Neumann",
    "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann",
    "Köhler", "König", "Walter", "Huber", "Fuchs", "Peters", "Scholz", "Möller", "Jung",
    "Hahn", "Vogel", "Keller", "Günther", "Berger", "Yılmaz", "Kaya", "Nowak", "Demir",
]  # fmt: skip
DEPARTMENTS = [
    "Hauptamt", "Bürgerbüro", "Ordnungsamt", "Bauamt", "Kämmerei", "Personalamt",
    "Standesamt", "Bauhof", "Feuerwehr", "IT-Abteilung", "Organisation und Digitalisierung",
    "Schulverwaltung", "Stadtplanung", "Gewerbeamt", "Zentrale Dienste",
]  # fmt: skip
POSITIONS = [
    "Sachbearbeiterin", "Sachbearbeiter", "Teamleitung", "Amtsleitung", "Digitallotsin",
    "Digitallotse", "IT-Koordinator", "IT-Koordinatorin", "Projektleitung Digitalisierung",
    "Referentin für Organisation", "Datenschutzbeauftragte", "Hauptamtsleiter",
]  # fmt: skip

# The expertise fields (slugs of community/taxonomy.py) and what counts as
# evidence in each: projects of these kinds or with one of these tools.
FIELD_KINDS = {
    "e-akte-dms": {ProjectKind.EAKTE},
    "ozg-onlinedienste": set(),
    "digitale-dienstplanung": set(),
    "collaboration-tools": set(),
    "schulung-e-learning": {ProjectKind.TRAINING},
    "ki-verwaltung": set(),
    "open-data": set(),
    "smart-city": set(),
    "mobiles-arbeiten": set(),
    "prozessmanagement": set(),
    "datenschutz": set(),
    "antragsmanagement": set(),
}
FIELD_TOOLS = {
    "e-akte-dms": {"enaio", "d.velop documents", "VIS-Suite", "regisafe", "Comundus"},
    "ozg-onlinedienste": {"civento", "Servicekonto", "Form-Solutions", "OZG-Hub"},
    "antragsmanagement": {"civento", "Form-Solutions", "XRechnung"},
    "digitale-dienstplanung": {"Papershift", "Atoss", "Dienstplan24"},
    "collaboration-tools": {
        "Microsoft Teams", "Nextcloud", "BigBlueButton", "Jitsi Meet", "SessionNet", "Allris",
    },
    "schulung-e-learning": {"Moodle", "ILIAS"},
    "ki-verwaltung": {"F13", "ChatGPT", "LLMoin"},
    "open-data": {"CKAN"},
    "smart-city": {"LoRaWAN", "QGIS"},
    "mobiles-arbeiten": {"iPad", "Samsung Galaxy Tab", "Mängelmelder"},
    "prozessmanagement": {"Camunda", "Signavio"},
    "datenschutz": set(),
}  # fmt: skip
# How people spell a tool when they enter it (one Tool per key, as the services merge them).
SPELLINGS = {
    "enaio": ["enaio", "Enaio", "ENAIO"],
    "d.velop documents": ["d.velop documents", "D.velop Documents"],
    "VIS-Suite": ["VIS-Suite", "VIS Suite"],
    "regisafe": ["regisafe", "RegiSafe"],
    "XRechnung": ["XRechnung", "xrechnung"],
}

# Project templates per kind: (title, tools to choose from, services/units for the title).
UNITS = ["Bauhof", "Bürgerbüro", "Standesamt", "Ordnungsamt", "Hauptamt", "Bauamt", "Kämmerei",
         "Feuerwehr", "Jugendamt", "Gewerbeamt"]  # fmt: skip
SERVICES = ["Gewerbeanmeldung", "Hundesteuer", "Wohngeld", "Anwohnerparken", "Kita-Anmeldung",
            "Meldebescheinigung"]  # fmt: skip
KIND_WEIGHTS = {
    ProjectKind.EAKTE: 30,
    ProjectKind.PROCESS: 30,
    ProjectKind.TOOL: 25,
    ProjectKind.TRAINING: 8,
    ProjectKind.OTHER: 10,
}
PROCESS_FAMILIES = [  # (tools, title templates)
    (["civento", "Form-Solutions", "Servicekonto", "OZG-Hub"],
     ["Onlineantrag {service}", "OZG-Anträge {service}", "OZG-Umsetzung {service} mit {tool}"]),
    (["XRechnung"], ["E-Rechnung in der Kämmerei", "Einführung XRechnung in {city}",
                     "Rechnungseingang digital (XRechnung)"]),
    (["Papershift", "Atoss", "Dienstplan24"],
     ["Digitale Dienstplanung im {unit}", "Dienstplanung {unit} mit {tool}"]),
    (["Camunda", "Signavio"], ["Prozessmodellierung mit BPMN im {unit}", "Workflow {service}"]),
]  # fmt: skip
TITLES = {
    ProjectKind.EAKTE: [
        "Einführung {tool} in {city}", "E-Akte im {unit}", "Digitale Akte im {unit}",
        "Migration der Papierakten im {unit}", "Scanstelle und E-Akte für das {unit}",
    ],
    ProjectKind.TOOL: [
        "{tool}-Einführung im {unit}", "Digitale Zusammenarbeit mit {tool}",
        "Pilot: {tool} im {unit}", "Tablets für das {unit}",
    ],
    ProjectKind.TRAINING: ["Schulungsreihe {tool}", "E-Learning für das {unit}"],
    ProjectKind.OTHER: [
        "Open-Data-Portal {city}", "Sensorik in {city} mit {tool}", "KI-Assistent für "
        "Bürgeranfragen ({tool})",
    ],
}  # fmt: skip
TOOLS_BY_KIND = {
    ProjectKind.EAKTE: ["enaio", "enaio", "d.velop documents", "VIS-Suite", "regisafe",
                        "Comundus"],
    ProjectKind.TOOL: ["Microsoft Teams", "Nextcloud", "BigBlueButton", "Jitsi Meet",
                       "SessionNet", "Allris", "iPad", "Samsung Galaxy Tab", "Mängelmelder"],
    ProjectKind.TRAINING: ["Moodle", "ILIAS"],
    ProjectKind.OTHER: ["CKAN", "LoRaWAN", "QGIS", "F13", "ChatGPT", "LLMoin"],
}  # fmt: skip
# Projects every network has, so that each judged question has answers graded 2
# or more whatever the dice say: (place, kind, title, tools, status, start, end).
ANCHOR_PROJECTS = [
    ("Marburg", ProjectKind.EAKTE, "Einführung enaio in Marburg", ["enaio"], "done", 2024, 2025),
    ("Fulda", ProjectKind.PROCESS, "Digitale Dienstplanung der Feuerwehr", ["Papershift"],
     "running", 2025, None),
    ("Ulm", ProjectKind.OTHER, "LoRaWAN-Sensorik für Parkplätze", ["LoRaWAN"], "done", 2022, 2023),
    ("Kiel", ProjectKind.OTHER, "Open-Data-Portal Kiel", ["CKAN"], "running", 2024, None),
    ("Gießen", ProjectKind.PROCESS, "OZG-Anträge Gewerbeanmeldung", ["civento"], "done", 2022,
     2024),
    ("Erlangen", ProjectKind.OTHER, "KI-Assistent für Bürgeranfragen (F13)", ["F13"], "running",
     2025, None),
    ("Münster", ProjectKind.PROCESS, "Onlineantrag Wohngeld", ["Form-Solutions"], "done", 2023,
     2024),
]  # fmt: skip
LESSONS = [
    "Den Aktenplan vor dem Start bereinigen.",
    "Früh mit dem Personalrat sprechen.",
    "Schulungen in kleinen Gruppen direkt am Arbeitsplatz wirken am besten.",
    "Key-User in jedem Amt machen den Unterschied.",
    "Prozesse vor der Digitalisierung vereinfachen.",
    "Die Anbindung an das Fachverfahren zuerst testen.",
]

# Bio topics: (key, text, field it belongs to). A bio names two topics and maybe a tool.
TOPICS = [
    ("eakte", "die Einführung der elektronischen Akte", "e-akte-dms"),
    ("papierakten", "das Scannen und die Migration von Papierakten", "e-akte-dms"),
    ("ozg", "Onlinedienste nach dem OZG", "ozg-onlinedienste"),
    ("schulung", "Schulungen für Kolleginnen und Kollegen", "schulung-e-learning"),
    ("dienstplanung", "die digitale Dienstplanung im Bauhof", "digitale-dienstplanung"),
    ("tablets", "Tablets im Außendienst", "mobiles-arbeiten"),
    ("dsfa", "Datenschutz-Folgenabschätzungen", "datenschutz"),
    ("video", "Videokonferenzen und gemeinsame Dokumente", "collaboration-tools"),
    ("bpmn", "Prozessmodellierung mit BPMN", "prozessmanagement"),
    ("opendata", "unser Open-Data-Portal", "open-data"),
    ("ki", "KI-Assistenten für Bürgeranfragen", "ki-verwaltung"),
    ("erechnung", "die E-Rechnung in der Kämmerei", "antragsmanagement"),
]
BIO_TEMPLATES = [
    "Ich kümmere mich um {a} und {b}.",
    "Schwerpunkt: {a}. Außerdem beschäftige ich mich mit {b}.",
    "Sprechen Sie mich gern auf {a} oder {b} an.",
]
BIO_TOOL_TEMPLATES = ["Wir arbeiten mit {tool}.", "Erfahrungen mit {tool} teile ich gern."]
BIO_TOOLS = [
    "enaio", "d.velop documents", "regisafe", "XRechnung", "Nextcloud", "Moodle", "Papershift",
    "civento", "QGIS", "Microsoft Teams", "BigBlueButton", "CKAN",
]  # fmt: skip


@dataclass
class ProjectFact:
    title: str
    kind: str
    status: str
    tools: frozenset[str]  # canonical names
    municipality: str
    started: int
    ended: int | None
    published: bool


@dataclass
class MemberFact:
    handle: str
    display_name: str
    municipality: str
    state: str
    active: bool = True
    levels: dict[str, int] = field(default_factory=dict)  # expertise slug -> level
    bio_topics: set[str] = field(default_factory=set)  # keys of TOPICS
    bio_tools: set[str] = field(default_factory=set)  # canonical tool names
    projects: list[ProjectFact] = field(default_factory=list)


@dataclass
class Facts:
    members: dict[str, MemberFact]  # by handle
    viewer_handle: str


def build_network(*, seed: int = SEED, n_members: int = N_MEMBERS, n_projects: int = N_PROJECTS):
    """Create the network through the services; return (viewer, Facts)."""
    rng = random.Random(seed)
    places, domains = {}, {}
    for name, state in MUNICIPALITIES:
        slug = name.lower().replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
        slug = "".join(c for c in slug if c.isalnum())
        domains[name] = f"{slug}.example"
        places[name] = services.municipality_create(
            name=name, state=state, email_domains=[domains[name]]
        )
    viewer = services.member_create(
        email="suchende@wetzlar.example",
        display_name="Suchende Lotsin",
        municipality=places["Wetzlar"],
        role=Role.MEMBER,
    )
    facts: dict[str, MemberFact] = {}
    people = []
    by_place: dict[str, list] = {}
    weights = [3 if state == "HE" else 1 for _name, state in MUNICIPALITIES]
    names = [name for name, _state in MUNICIPALITIES]
    for i in range(n_members):
        place = rng.choices(names, weights)[0]
        display_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        topics = rng.sample(TOPICS, 2)
        bio = rng.choice(BIO_TEMPLATES).format(a=topics[0][1], b=topics[1][1])
        bio_tools = set()
        if rng.random() < 0.3:
            tool = rng.choice(BIO_TOOLS)
            bio_tools.add(tool)
            bio += " " + rng.choice(BIO_TOOL_TEMPLATES).format(tool=_spell(rng, tool))
        has_bio = rng.random() < 0.85
        member = services.member_create(
            email=f"person{i}@{domains[place]}",
            display_name=display_name,
            municipality=places[place],
            department=rng.choice(DEPARTMENTS),
            position=rng.choice(POSITIONS),
            bio=bio if has_bio else "",
        )
        fact = MemberFact(
            handle=member.handle,
            display_name=display_name,
            municipality=place,
            state=places[place].state,
            bio_topics={t[0] for t in topics} if has_bio else set(),
            bio_tools=bio_tools if has_bio else set(),
        )
        # Declared expertise: often in a field of the bio, sometimes elsewhere.
        levels = {}
        if rng.random() < 0.8:
            for _n in range(rng.choices([1, 2, 3], [45, 35, 20])[0]):
                if rng.random() < 0.6 and has_bio:
                    slug = rng.choice(topics)[2]
                else:
                    slug = rng.choice(list(FIELD_KINDS))
                levels[slug] = rng.choices(list(Level), [35, 40, 25])[0].value
            services.member_set_expertise(member=member, expertise=levels)
        fact.levels = levels
        facts[member.handle] = fact
        people.append(member)
        by_place.setdefault(place, []).append(member)

    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    for anchor in ANCHOR_PROJECTS:
        _anchor_project(rng, anchor, places, by_place, facts)
    for _n in range(n_projects):
        place = rng.choices(names, weights)[0]
        pool = by_place.get(place)
        if not pool:
            continue
        kind = rng.choices(kinds, kind_weights)[0]
        fill = {"city": place, "unit": rng.choice(UNITS), "service": rng.choice(SERVICES)}
        if kind == ProjectKind.PROCESS:
            family, templates = rng.choice(PROCESS_FAMILIES)
            tools = rng.sample(family, min(len(family), rng.choice([1, 1, 2])))
            template = rng.choice(templates)
        else:
            tools = [rng.choice(TOOLS_BY_KIND[kind])]
            template = rng.choice(TITLES[kind])
        fill["tool"] = _spell(rng, tools[0])
        title = template.format(**fill)
        status = rng.choices(list(ProjectStatus), [20, 40, 40])[0]
        started = datetime.date(2017, 1, 1) + datetime.timedelta(days=rng.randrange(3100))
        ended = None
        if status == ProjectStatus.DONE:
            ended = started + datetime.timedelta(days=rng.randrange(90, 600))
        team = rng.sample(pool, min(len(pool), rng.randint(1, 4)))
        published = rng.random() < 0.92
        project = services.project_create(
            created_by=team[0],
            municipality=places[place],
            title=title,
            kind=kind,
            status=status,
            tools=[_spell(rng, t) for t in tools],
            members=team,
            started_on=started,
            ended_on=ended,
            body=f"Projekt im {fill['unit']}. Werkzeug: {fill['tool']}.",
            lessons_learned=" ".join(rng.sample(LESSONS, 2)) if status != "planned" else "",
            is_published=published,
        )
        _join(
            project,
            team,
            facts,
            ProjectFact(
                title=title,
                kind=str(kind),
                status=str(status),
                tools=frozenset(tools),
                municipality=place,
                started=started.year,
                ended=ended.year if ended else None,
                published=published,
            ),
        )

    # A few accounts ended: they never appear, so they are never relevant.
    for person in rng.sample(people, max(1, n_members // 50)):
        services.member_deactivate(member=person)
        facts[person.handle].active = False
    return viewer, Facts(members=facts, viewer_handle=viewer.handle)


def _anchor_project(rng, anchor, places, by_place, facts) -> None:
    place, kind, title, tools, status, start, end = anchor
    pool = by_place.get(place) or [m for members in by_place.values() for m in members]
    team = rng.sample(pool, min(len(pool), 2))
    project = services.project_create(
        created_by=team[0],
        municipality=places[place],
        title=title,
        kind=kind,
        status=status,
        tools=tools,
        members=team,
        started_on=datetime.date(start, 3, 1),
        ended_on=datetime.date(end, 10, 1) if end else None,
        body=f"Projekt in {place}.",
        lessons_learned=rng.choice(LESSONS),
    )
    fact = ProjectFact(title, str(kind), status, frozenset(tools), place, start, end, True)
    _join(project, team, facts, fact)


def _join(project, team, facts, fact: ProjectFact) -> None:
    """The invited team accepts; the facts remember who took part."""
    for person in team[1:]:
        services.project_invitation_accept(project=project, member=person)
    for person in team:
        facts[person.handle].projects.append(fact)


def _spell(rng: random.Random, tool: str) -> str:
    return rng.choice(SPELLINGS.get(tool, [tool]))
