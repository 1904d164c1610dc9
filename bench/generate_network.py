"""Fill a PostgreSQL database with a national-scale network for the benchmarks.

11,000 municipalities, 50,000 members, 20,000 projects, deterministic (seeded
``random.Random``). Rows are written with ``bulk_create`` in batches; the search
documents are built by ``directory.services.search_index_update``, the same code
the app runs, so the benchmark reads the real index.

Reproduce (from the repository root, PostgreSQL on 127.0.0.1)::

    createdb -h 127.0.0.1 -U postgres lotsennetz_bench
    export DJANGO_SETTINGS_MODULE=config.settings DEBUG=1 \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/lotsennetz_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/generate_network.py            # 4 to 5 minutes on 2 cores
    .venv/bin/python bench/search_bench.py

The script refuses to run on a database that already has more than 1,000
members unless ``--reset`` is given; ``--reset`` empties the community tables
(TRUNCATE … CASCADE, so every table pointing at members goes too) and only on a
database whose name contains "bench".
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from community.models import (  # noqa: E402
    EmailDomain,
    Expertise,
    Level,
    MemberExpertise,
    Municipality,
    Project,
    ProjectKind,
    ProjectStatus,
    Role,
    State,
    Tool,
    User,
)
from community.services import tool_key  # noqa: E402
from core.addresses import canonical_email  # noqa: E402
from core.markdown import render_markdown  # noqa: E402
from core.text import german_slugify  # noqa: E402
from directory.services import search_index_update  # noqa: E402

SEED = 20261121
N_MUNICIPALITIES = 11_000
N_MEMBERS = 50_000
N_PROJECTS = 20_000
BATCH = 2_000
VIEWER_EMAIL = "bench.viewer@bench.example"

# --- vocabulary ---------------------------------------------------------------
PREFIXES = ["", "", "", "", "", "Bad ", "Neu", "Ober", "Unter", "Groß", "Klein", "Alt", "Hohen"]
STEMS = [
    "Ahl", "Bruch", "Wald", "Linden", "Eichen", "Roth", "Schön", "Kirch", "Stein", "Mühl",
    "Frei", "Rosen", "Sonnen", "Berg", "Buchen", "Hasel", "Erlen", "Birken", "Fels", "Wies",
    "Hain", "Quer", "Sand", "Mar", "Wein", "Kron", "Lauter", "Wester", "Oster", "Nord",
    "Süd", "Weiß", "Schwarz", "Grün", "Blum", "Hirsch", "Falken", "Adler", "Bär", "Wolfs",
    "Fisch", "Otter", "Raben", "Kranich", "Storch", "Hagen", "Lohr", "Dill", "Ems", "Nidda",
    "Alsen", "Bingen", "Kalten", "Warm", "Tann", "Fichten", "Kiefer", "Hollen", "Gerns", "Rüd",
]  # fmt: skip
MIDDLES = ["", "", "", "en", "er", "s", "el", "ing"]
SUFFIXES = [
    "bach", "berg", "burg", "dorf", "feld", "hausen", "heim", "ingen", "stadt", "au",
    "rode", "hagen", "stedt", "born", "furt", "kirchen", "hofen", "brück", "walde", "leben",
    "tal", "wangen", "weiler", "beck", "büttel", "witz", "ow", "ritz", "lingen", "sen",
]  # fmt: skip
QUALIFIERS = [
    " am Main", " an der Lahn", " im Odenwald", " an der Elbe", " am Rhein", " in Holstein",
    " (Westf.)", " am Harz", " in der Pfalz", " (Oberlausitz)", " im Allgäu", " an der Saale",
    " (Eifel)", " am See", " (Spreewald)", " bei Hannover",
]  # fmt: skip
# Rough share of municipalities per state (Bavaria, Rhineland-Palatinate and
# Baden-Württemberg have many small ones; the city states one each).
STATE_WEIGHTS = {
    State.BW: 1100, State.BY: 2050, State.BE: 1, State.BB: 410, State.HB: 2, State.HH: 1,
    State.HE: 420, State.MV: 720, State.NI: 940, State.NW: 400, State.RP: 2300, State.SL: 50,
    State.SN: 420, State.ST: 220, State.SH: 1100, State.TH: 620,
}  # fmt: skip

FIRST_NAMES = [
    "Anna", "Lena", "Julia", "Sabine", "Katrin", "Petra", "Monika", "Claudia", "Nicole",
    "Stefanie", "Andrea", "Birgit", "Susanne", "Melanie", "Sandra", "Christina", "Jana",
    "Miriam", "Laura", "Sophie", "Leonie", "Hannah", "Ayşe", "Elif", "Marta", "Ilse", "Jörg",
    "Thomas", "Michael", "Andreas", "Stefan", "Frank", "Markus", "Christian", "Tobias",
    "Jan", "Sebastian", "Daniel", "Matthias", "Jürgen", "Uwe", "Klaus", "Peter", "Florian",
    "Lukas", "Felix", "Jonas", "Björn", "Sören", "Mehmet", "Emre", "Piotr", "Dirk", "Holger",
    "Torsten", "Kerstin", "Heike", "Ute", "Gabriele", "Martina", "Yvonne", "Nadine", "Tanja",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
    "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze",
    "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs",
    "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Vogel", "Friedrich",
    "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann",
    "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Yılmaz",
    "Kaya", "Nowak", "Kowalski", "Demir", "Öztürk", "Janßen", "Brinkmann", "Thiele", "Haas",
]  # fmt: skip
DEPARTMENTS = [
    "Hauptamt", "Bürgerbüro", "Ordnungsamt", "Bauamt", "Kämmerei", "Personalamt",
    "Standesamt", "Jugendamt", "Sozialamt", "Bauhof", "Feuerwehr", "IT-Abteilung",
    "Organisation und Digitalisierung", "Schulverwaltung", "Kita-Verwaltung", "Stadtplanung",
    "Umweltamt", "Grünflächenamt", "Wirtschaftsförderung", "Pressestelle", "Bauaufsicht",
    "Gewerbeamt", "Zentrale Dienste", "Steueramt", "Friedhofsverwaltung",
]  # fmt: skip
POSITIONS = [
    "Sachbearbeiterin", "Sachbearbeiter", "Teamleitung", "Amtsleitung", "Digitallotsin",
    "Digitallotse", "Verwaltungsfachangestellte", "IT-Koordinator", "IT-Koordinatorin",
    "Projektleitung Digitalisierung", "Ausbilderin", "Fachbereichsleitung",
    "Referent für Organisation", "Referentin für Digitalisierung", "Datenschutzbeauftragte",
    "Informationssicherheitsbeauftragter", "Bürgermeisterin", "Hauptamtsleiter",
]  # fmt: skip
TOPICS = [
    "die Einführung der E-Akte", "Onlinedienste nach dem OZG", "Schulungen für Kolleginnen "
    "und Kollegen", "die digitale Dienstplanung im Bauhof", "Tablets im Außendienst",
    "Datenschutz-Folgenabschätzungen", "die Umstellung auf Videokonferenzen",
    "Prozessmodellierung mit BPMN", "das Scannen und Digitalisieren von Papierakten",
    "den Aufbau unseres Intranets", "unser Open-Data-Portal", "Sensorik für Parkplätze",
    "KI-Assistenten für Bürgeranfragen", "barrierefreie Onlineformulare",
    "die Übergabe von Papierakten an das Archiv", "die E-Rechnung", "das Servicekonto",
    "den digitalen Sitzungsdienst", "die Terminbuchung im Bürgerbüro", "Lernvideos",
    "Awareness-Schulungen zur IT-Sicherheit", "Notfallplanung", "den Aktenplan",
    "das Antragsmanagement im Gewerbeamt", "Change-Management in der Verwaltung",
    "Wissensmanagement mit einem Wiki", "mobiles Arbeiten", "digitale Bauanträge",
    "die Schichtplanung der Feuerwehr", "Webinare für Ehrenamtliche",
]  # fmt: skip
BIO_OPENERS = [
    "Ich kümmere mich um {a} und {b}.",
    "Schwerpunkt: {a}. Außerdem beschäftige ich mich mit {b}.",
    "Seit einigen Jahren begleite ich {a}; gerade lerne ich viel über {b}.",
    "Sprechen Sie mich gern auf {a} oder {b} an.",
    "Bei uns verantworte ich {a}.",
]
BIO_EXTRAS = [
    "",
    "",
    "Wir arbeiten mit {tool}.",
    "Erfahrungen mit {tool} teile ich gern.",
    "Gern berate ich andere Kommunen.",
    "Ansprechpartner*in für die Lotsensprechstunde.",
]

# (canonical name, spellings people type); one Tool per key, as tools_get_or_create.
TOOLS = [
    ("enaio", ["Enaio", "ENAIO", "enaio"]),
    ("d.velop documents", ["d.velop documents", "D.velop Documents", "d.velop  documents"]),
    ("VIS-Suite", ["VIS-Suite", "vis-suite", "VIS Suite"]),
    ("Regisafe", ["regisafe", "RegiSafe", "Regisafe"]),
    ("Comundus", ["comundus", "Comundus"]),
    ("Kofax", ["Kofax", "KOFAX"]),
    ("Microsoft Teams", ["Microsoft Teams", "microsoft teams", "MICROSOFT TEAMS"]),
    ("MS Teams", ["MS Teams", "MS-Teams", "ms teams"]),
    ("Nextcloud", ["Nextcloud", "NextCloud", "nextcloud"]),
    ("OpenDesk", ["openDesk", "OpenDesk"]),
    ("BigBlueButton", ["BigBlueButton", "Bigbluebutton", "BBB"]),
    ("Jitsi Meet", ["Jitsi Meet", "jitsi meet", "Jitsi-Meet"]),
    ("Webex", ["Webex", "WebEx", "Cisco Webex"]),
    ("Zoom", ["Zoom", "ZOOM"]),
    ("Matrix", ["Matrix", "matrix"]),
    ("Element", ["Element", "element"]),
    ("Rocket.Chat", ["Rocket.Chat", "RocketChat", "rocket.chat"]),
    ("Papershift", ["Papershift", "PaperShift", "papershift"]),
    ("Dienstplan24", ["Dienstplan24", "dienstplan24"]),
    ("Atoss", ["ATOSS", "Atoss"]),
    ("SP-Expert", ["SP-Expert", "SP Expert", "sp-expert"]),
    ("civento", ["civento", "Civento", "CIVENTO"]),
    ("Servicekonto", ["Servicekonto", "ServiceKonto", "servicekonto"]),
    ("Form-Solutions", ["Form-Solutions", "Form Solutions", "form-solutions"]),
    ("Formcycle", ["Formcycle", "FormCycle", "formcycle"]),
    ("OZG-Hub", ["OZG-Hub", "OZG Hub", "ozg-hub"]),
    ("Bürgerportal", ["Bürgerportal", "Buergerportal", "bürgerportal"]),
    ("Mängelmelder", ["Mängelmelder", "Maengelmelder", "mängelmelder"]),
    ("Sag's uns", ["Sag's uns", "Sags uns", "sag's uns"]),
    ("Allris", ["ALLRIS", "Allris", "allris"]),
    ("Session", ["Session", "SESSION"]),
    ("SessionNet", ["SessionNet", "Sessionnet", "sessionnet"]),
    ("Mandatos", ["Mandatos", "mandatos"]),
    ("iPad", ["iPad", "IPad", "ipad"]),
    ("Samsung Galaxy Tab", ["Samsung Galaxy Tab", "Galaxy Tab"]),
    ("Baumkataster GIS", ["Baumkataster GIS", "Baumkataster-GIS"]),
    ("QGIS", ["QGIS", "QGis", "qgis"]),
    ("ArcGIS", ["ArcGIS", "ArcGis", "arcgis"]),
    ("Confluence", ["Confluence", "confluence"]),
    ("MediaWiki", ["MediaWiki", "Mediawiki", "mediawiki"]),
    ("Moodle", ["Moodle", "moodle", "MOODLE"]),
    ("ILIAS", ["ILIAS", "Ilias", "ilias"]),
    ("Camunda", ["Camunda", "camunda"]),
    ("Signavio", ["Signavio", "SAP Signavio"]),
    ("Adonis", ["ADONIS", "Adonis"]),
    ("PICTURE", ["PICTURE", "Picture-Prozessplattform"]),
    ("CKAN", ["CKAN", "ckan"]),
    ("GovData", ["GovData", "Govdata"]),
    ("FIWARE", ["FIWARE", "Fiware"]),
    ("LoRaWAN", ["LoRaWAN", "LoraWAN", "lorawan"]),
    ("F13", ["F13", "f13"]),
    ("ChatGPT", ["ChatGPT", "Chatgpt", "chatGPT"]),
    ("LLMoin", ["LLMoin", "llmoin"]),
    ("XRechnung", ["XRechnung", "X-Rechnung", "xrechnung"]),
    ("Infoma newsystem", ["Infoma newsystem", "infoma newsystem", "INFOMA newsystem"]),
    ("H&H proDoppik", ["H&H proDoppik", "proDoppik"]),
    ("OK.VERWALTUNG", ["OK.VERWALTUNG", "OK.Verwaltung"]),
    ("Votemanager", ["votemanager", "Votemanager", "VoteManager"]),
    ("TERMINVERGABE.DE", ["Terminvergabe.de", "TERMINVERGABE.DE"]),
    ("Frontdesk", ["Frontdesk", "FrontDesk"]),
    ("Etherpad", ["Etherpad", "EtherPad", "etherpad"]),
    ("Taiga", ["Taiga", "taiga"]),
]

# Tools that fit a project kind (and a few that fit any kind).
TOOLS_BY_KIND = {
    ProjectKind.EAKTE: [
        "enaio", "d.velop documents", "VIS-Suite", "Regisafe", "Comundus", "Kofax", "Allris",
    ],
    ProjectKind.TOOL: [
        "Microsoft Teams", "MS Teams", "Nextcloud", "OpenDesk", "BigBlueButton", "Jitsi Meet",
        "Webex", "Zoom", "Matrix", "Element", "Rocket.Chat", "iPad", "Samsung Galaxy Tab",
        "Confluence", "MediaWiki", "Etherpad", "Taiga", "Mandatos", "SessionNet", "Session",
        "QGIS", "ArcGIS", "Baumkataster GIS", "Mängelmelder", "Sag's uns", "Frontdesk",
        "TERMINVERGABE.DE", "F13", "ChatGPT", "LLMoin",
    ],
    ProjectKind.PROCESS: [
        "civento", "Servicekonto", "Form-Solutions", "Formcycle", "OZG-Hub", "Bürgerportal",
        "Papershift", "Dienstplan24", "Atoss", "SP-Expert", "Camunda", "Signavio", "Adonis",
        "PICTURE", "XRechnung", "Infoma newsystem", "H&H proDoppik", "OK.VERWALTUNG",
        "Votemanager",
    ],
    ProjectKind.TRAINING: ["Moodle", "ILIAS", "BigBlueButton", "Microsoft Teams", "Zoom"],
    ProjectKind.OTHER: ["CKAN", "GovData", "FIWARE", "LoRaWAN", "F13", "ChatGPT", "QGIS"],
}  # fmt: skip
UNITS = [
    "Bauhof", "Bürgerbüro", "Standesamt", "Ordnungsamt", "Hauptamt", "Bauamt", "Kita-Verwaltung",
    "Feuerwehr", "Jugendamt", "Sozialamt", "Personalamt", "Kämmerei", "Rathaus", "Gewerbeamt",
]  # fmt: skip
SERVICES = [
    "Gewerbeanmeldung", "Hundesteuer", "Wohngeld", "Bauantrag", "Anwohnerparken",
    "Sondernutzung", "Meldebescheinigung", "Kita-Anmeldung", "Fundsachen", "Baumfällantrag",
]  # fmt: skip
TITLE_TEMPLATES = {
    ProjectKind.EAKTE: [
        "Einführung {tool} in {city}", "E-Akte im {unit}", "Digitale Akte im {unit}",
        "Scanstelle und E-Akte für das {unit}", "Aktenplan und E-Akte in {city}",
        "Migration der Papierakten im {unit}",
    ],
    ProjectKind.TOOL: [
        "{tool}-Einführung im {unit}", "Einführung {tool} in {city}", "Tablets für das {unit}",
        "Digitale Zusammenarbeit mit {tool}", "{tool} für die Gremienarbeit",
        "Pilot: {tool} im {unit}",
    ],
    ProjectKind.PROCESS: [
        "Onlineantrag {service}", "Digitale Dienstplanung im {unit}", "OZG-Anträge {service}",
        "Prozessdigitalisierung {service}", "E-Rechnung in der Kämmerei",
        "Digitaler Workflow {service} mit {tool}",
    ],
    ProjectKind.TRAINING: [
        "Schulungsreihe {tool}", "Lotsen-Sprechstunde in {city}", "Qualifizierung Digitallotsen",
        "E-Learning für das {unit}", "Schulungen zur E-Akte im {unit}",
        "Webinarreihe Datenschutz",
    ],
    ProjectKind.OTHER: [
        "Open-Data-Portal {city}", "Smart-City-Sensorik in {city}", "KI-Assistent (Pilot)",
        "Parkplatzsensoren mit {tool}", "Datenplattform {city}", "Barrierefreie Website",
    ],
}  # fmt: skip
LESSONS = [
    "Den Aktenplan vor dem Start bereinigen.",
    "Früh mit dem Personalrat sprechen.",
    "Die Übergabe der Papierakten braucht mehr Zeit als gedacht.",
    "Schulungen in kleinen Gruppen direkt am Arbeitsplatz wirken am besten.",
    "Die Bereitschaftsregeln vorher schriftlich klären.",
    "Robuste Hüllen und Ersatzakkus einplanen; offline arbeiten können ist Pflicht.",
    "Die Anbindung an das Fachverfahren zuerst testen, nicht erst das Formular.",
    "Eine kurze Netiquette hilft mehr als lange Handbücher.",
    "Feste Zeiten und eine kurze Agenda machen die Sprechstunde verlässlich.",
    "Rückmeldungen an die Meldenden schnell geben, sonst sinkt die Nutzung.",
    "Mit {tool} lief der Pilot stabil; die Lizenzfrage früh klären.",
    "Die Datenschutz-Folgenabschätzung dauerte länger als die Einführung von {tool}.",
    "Key-User in jedem Amt machen den Unterschied.",
    "Nicht alles auf einmal: erst ein Amt, dann ausrollen.",
    "Die Leitung muss sichtbar mitmachen.",
    "Prozesse vor der Digitalisierung vereinfachen, sonst digitalisiert man Umwege.",
]
BODIES = [
    "Schrittweise Einführung im {unit}; Abstimmung mit der IT und dem Datenschutz.",
    "Ziel: weniger Papier und kürzere Wege. Werkzeug: {tool}.",
    "Gemeinsam mit dem {unit} entwickelt; Pilotphase über drei Monate.",
    "Anbindung an das Fachverfahren und Schulung aller Beteiligten.",
]


# --- generation -----------------------------------------------------------------
def municipality_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        stem = rng.choice(STEMS)
        middle = rng.choice(MIDDLES) if not stem.endswith(("en", "er")) else ""
        core = stem + middle + rng.choice(SUFFIXES)
        prefix = rng.choice(PREFIXES)
        name = prefix + core if prefix.endswith(" ") or not prefix else prefix + core.lower()
        if name in seen:
            name += rng.choice(QUALIFIERS)
            if name in seen:
                continue
        seen.add(name)
        names.append(name)
    return names


def unique(base: str, taken: dict[str, int]) -> str:
    n = taken.get(base, 0) + 1
    taken[base] = n
    return base if n == 1 else f"{base}-{n}"


def pick_tool_spelling(rng: random.Random, canonical: str) -> str:
    spellings = dict(TOOLS)[canonical]
    return rng.choice(spellings)


def create_municipalities(rng: random.Random) -> list[Municipality]:
    states = list(STATE_WEIGHTS)
    weights = [STATE_WEIGHTS[s] for s in states]
    slugs: dict[str, int] = {}
    rows = []
    for name in municipality_names(rng, N_MUNICIPALITIES):
        population = int(min(3_800_000, max(200, rng.lognormvariate(8.3, 1.3))))
        rows.append(
            Municipality(
                name=name,
                slug=unique(german_slugify(name)[:90], slugs),
                state=rng.choices(states, weights)[0],
                population=population,
            )
        )
    municipalities = Municipality.objects.bulk_create(rows, batch_size=BATCH)
    EmailDomain.objects.bulk_create(
        [EmailDomain(municipality=m, domain=f"{m.slug}.example") for m in municipalities],
        batch_size=BATCH,
    )
    return municipalities


def bio_for(rng: random.Random) -> str:
    a, b = rng.sample(TOPICS, 2)
    bio = rng.choice(BIO_OPENERS).format(a=a, b=b)
    extra = rng.choice(BIO_EXTRAS)
    if extra:
        canonical = rng.choice(TOOLS)[0]
        bio += " " + extra.format(tool=pick_tool_spelling(rng, canonical))
    return bio


def create_members(rng: random.Random, municipalities: list[Municipality]) -> list[User]:
    # Bigger places have more pilots: weight by the square root of the population.
    weights = [m.population**0.5 for m in municipalities]
    homes = rng.choices(municipalities, weights, k=N_MEMBERS - 1)
    handles: dict[str, int] = {}
    emails: dict[str, int] = {}
    joined = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    coordinators: set[int] = set()
    rows = [
        User(
            email=VIEWER_EMAIL,
            handle="bench-viewer",
            display_name="Bench Viewer",
            municipality=municipalities[0],
            password="!bench",  # unusable; the benchmark signs in with force_login
            date_joined=joined,
        )
    ]
    handles["bench-viewer"] = 1
    for i, home in enumerate(homes):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        display_name = f"{first} {last}"
        local = unique(f"{german_slugify(first)}.{german_slugify(last)}", emails).replace("-", "")
        bio = bio_for(rng) if rng.random() < 0.85 else ""
        role = Role.MEMBER
        if home.pk not in coordinators and rng.random() < 0.3:
            role = Role.COORDINATOR
            coordinators.add(home.pk)
        rows.append(
            User(
                email=f"{local}@{home.slug}.example",
                handle=unique(german_slugify(display_name)[:54], handles),
                display_name=display_name,
                municipality=home,
                department=rng.choice(DEPARTMENTS),
                position=rng.choice(POSITIONS),
                bio=bio,
                bio_html=render_markdown(bio),
                role=role,
                is_active=rng.random() > 0.02,
                password="!bench",
                date_joined=joined + datetime.timedelta(minutes=i * 7),
            )
        )
    for row in rows:  # bulk_create does not call save(), which sets it
        row.email_canonical = canonical_email(row.email)
    return User.objects.bulk_create(rows, batch_size=BATCH)


def create_expertise(rng: random.Random, members: list[User]) -> None:
    fields = list(Expertise.objects.order_by("pk"))
    if not fields:
        raise SystemExit("No expertise taxonomy; run `manage.py migrate` first.")
    entries, learning = [], []
    through = User.learning_interests.through
    for member in members:
        if rng.random() < 0.8:
            k = rng.choices([1, 2, 3], [45, 35, 20])[0]
            for field in rng.sample(fields, k):
                level = rng.choices(list(Level), [40, 40, 20])[0]
                entries.append(MemberExpertise(member=member, expertise=field, level=level))
        if rng.random() < 0.3:
            for field in rng.sample(fields, rng.randint(1, 2)):
                learning.append(through(user_id=member.pk, expertise_id=field.pk))
    MemberExpertise.objects.bulk_create(entries, batch_size=5 * BATCH)
    through.objects.bulk_create(learning, batch_size=5 * BATCH, ignore_conflicts=True)


def create_tools() -> dict[str, Tool]:
    tools = Tool.objects.bulk_create([Tool(name=name, key=tool_key(name)) for name, _ in TOOLS])
    return {t.name: t for t in tools}


def create_projects(
    rng: random.Random, members: list[User], tools: dict[str, Tool]
) -> tuple[int, int]:
    by_home: dict[int, list[User]] = {}
    for member in members:
        if member.is_active and member.municipality_id:
            by_home.setdefault(member.municipality_id, []).append(member)
    homes = list(by_home)
    municipality_names_by_pk = dict(
        Municipality.objects.filter(pk__in=homes).values_list("pk", "name")
    )
    weights = [len(by_home[h]) for h in homes]
    kinds = list(ProjectKind)
    kind_weights = [30, 30, 25, 10, 5]
    statuses = list(ProjectStatus)
    rows, project_members, project_tools = [], [], []
    for home in rng.choices(homes, weights, k=N_PROJECTS):
        kind = rng.choices(kinds, kind_weights)[0]
        pool = TOOLS_BY_KIND[kind]
        chosen = rng.sample(pool, min(len(pool), rng.choices([1, 2, 3], [50, 35, 15])[0]))
        spelled = pick_tool_spelling(rng, chosen[0])
        fill = {
            "tool": spelled,
            "city": municipality_names_by_pk[home],
            "unit": rng.choice(UNITS),
            "service": rng.choice(SERVICES),
        }
        title = rng.choice(TITLE_TEMPLATES[kind]).format(**fill)[:200]
        status = rng.choices(statuses, [20, 45, 35])[0]
        started = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(2400))
        ended = started + datetime.timedelta(days=rng.randrange(60, 700))
        body = rng.choice(BODIES).format(**fill)
        lessons = ""
        if status != ProjectStatus.PLANNED:
            lessons = " ".join(
                line.format(tool=spelled) for line in rng.sample(LESSONS, rng.randint(1, 3))
            )
        team = rng.sample(by_home[home], min(len(by_home[home]), rng.randint(1, 4)))
        rows.append(
            Project(
                title=title,
                kind=kind,
                status=status,
                municipality_id=home,
                started_on=started,
                ended_on=ended if status == ProjectStatus.DONE else None,
                body=body,
                body_html=render_markdown(body),
                lessons_learned=lessons,
                lessons_learned_html=render_markdown(lessons),
                is_published=rng.random() < 0.92,
                created_by=team[0],
            )
        )
        project_members.append(team)
        project_tools.append([tools[name] for name in chosen])
    projects = Project.objects.bulk_create(rows, batch_size=BATCH)
    member_through = Project.members.through
    tool_through = Project.tools.through
    links_m = [
        member_through(project_id=p.pk, user_id=m.pk)
        for p, team in zip(projects, project_members, strict=True)
        for m in team
    ]
    links_t = [
        tool_through(project_id=p.pk, tool_id=t.pk)
        for p, used in zip(projects, project_tools, strict=True)
        for t in used
    ]
    member_through.objects.bulk_create(links_m, batch_size=5 * BATCH)
    tool_through.objects.bulk_create(links_t, batch_size=5 * BATCH)
    return len(links_m), len(links_t)


def reset() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        raise SystemExit(f"--reset only on a database whose name contains 'bench', not {name!r}")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE community_municipality, community_user, community_tool"
            " RESTART IDENTITY CASCADE"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="empty the community tables first")
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark network needs PostgreSQL (set DATABASE_URL).")
    if args.reset:
        reset()
    elif User.objects.count() > 1000:
        raise SystemExit("The database already has more than 1,000 members; use --reset.")

    rng = random.Random(SEED)
    started = time.perf_counter()

    def step(label: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {label}", flush=True)

    with transaction.atomic():
        municipalities = create_municipalities(rng)
        step(f"{len(municipalities)} municipalities with e-mail domains")
        members = create_members(rng, municipalities)
        step(f"{len(members)} members")
        create_expertise(rng, members)
        step(f"{MemberExpertise.objects.count()} declared expertise entries")
        tools = create_tools()
        n_members, n_tools = create_projects(rng, members, tools)
        step(f"{N_PROJECTS} projects, {n_members} participations, {n_tools} tool uses")
    # The real index, built by the service the app uses (chunks of 500, one
    # transaction per call so a failure loses little).
    ids = [m.pk for m in members]
    for start in range(0, len(ids), 5000):
        search_index_update(member_ids=ids[start : start + 5000])
        step(f"search documents for {min(start + 5000, len(ids))} members")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # As the deploy guide sets it (docs/deploy/README.md, Datenbank); new sessions see it.
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET random_page_cost = 1.1")
    step("VACUUM ANALYZE; random_page_cost = 1.1 as in the deploy guide")


if __name__ == "__main__":
    main()
