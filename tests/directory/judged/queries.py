"""The judged questions and the rules that grade each member for each of them.

A question is typed text plus the need behind it (``Need``): what is specific
(tools or vendors, title words such as a service, a place) and the broad field
it belongs to. Typos and synonyms share the need of the question they stand
for. Grades (0–3) follow from the facts of ``network.py`` alone:

specific questions (a tool, a title word or a place is named):
  3  takes part in a published project that matches (has one of the tools, all the
     title words, or is in the place and the field), running or finished 2021 or later
  2  such a project finished before 2021 or only planned; or the bio names the
     tool and a level of at least "Erfahren" is declared in the field
  1  the bio names the tool; or "Expert:in" declared in the field; or a running
     or finished project in the field that does not match (another vendor)
questions about a field only:
  3  a running or finished project in the field and a declared level of at
     least "Erfahren" there
  2  such a project without the level, or "Expert:in" declared
  1  "Grundkenntnisse"/"Erfahren" declared, a planned project in the field, or
     the bio names the field's topic
A project in the field is one of the field's kinds or with one of its tools
(``FIELD_KINDS``, ``FIELD_TOOLS``). Deactivated members and unpublished
projects never count. Everything else is 0.
"""

from dataclasses import dataclass

from core.search_text import fold, words
from tests.directory.judged.network import FIELD_KINDS, FIELD_TOOLS, TOPICS, MemberFact

RECENT_YEAR = 2021


@dataclass(frozen=True)
class Need:
    fields: frozenset[str] = frozenset()
    tools: frozenset[str] = frozenset()
    #: Words that must all be in a project's title ("gewerbeanmeldung").
    title_words: frozenset[str] = frozenset()
    place: str = ""

    @property
    def specific(self) -> bool:
        return bool(self.tools or self.title_words or self.place)


def need(fields=(), tools=(), title_words=(), place=""):
    return Need(frozenset(fields), frozenset(tools), frozenset(title_words), place)


EAKTE = "e-akte-dms"
ENAIO = need([EAKTE], ["enaio"])
DVELOP = need([EAKTE], ["d.velop documents"])
XRECHNUNG = need(["antragsmanagement"], ["XRechnung"])
EAKTE_FIELD = need([EAKTE])
DIENSTPLANUNG = need(["digitale-dienstplanung"])
PAPIERAKTEN = need([EAKTE], title_words=["papierakten"])

# (typed text, need): realistic questions, with typos and synonyms of others.
QUERIES: list[tuple[str, Need]] = [
    ("E-Akte enaio", ENAIO),
    ("enaio", ENAIO),
    ("enaoi", ENAIO),
    ("Erfahrungen mit enaio", ENAIO),
    ("elektronische Akte enaio", ENAIO),
    ("d.velop", DVELOP),
    ("dvelop E-Akte", DVELOP),
    ("VIS-Suite", need([EAKTE], ["VIS-Suite"])),
    ("regisafe", need([EAKTE], ["regisafe"])),
    ("Regisave", need([EAKTE], ["regisafe"])),
    ("Wer hat XRechnung eingeführt", XRECHNUNG),
    ("X-Rechnung", XRECHNUNG),
    ("E-Akte", EAKTE_FIELD),
    ("elektronische Akte", EAKTE_FIELD),
    ("DMS Einführung", EAKTE_FIELD),
    ("Migration Papierakten", PAPIERAKTEN),
    ("Migraton Papierakten", PAPIERAKTEN),
    ("E-Akte Marburg", need([EAKTE], place="Marburg")),
    ("OZG Onlinedienste", need(["ozg-onlinedienste"])),
    ("OZG Gewerbeanmeldung", need(["ozg-onlinedienste"], title_words=["gewerbeanmeldung"])),
    ("Onlineantrag Wohngeld", need(["ozg-onlinedienste"], title_words=["wohngeld"])),
    ("civento", need(["ozg-onlinedienste"], ["civento"])),
    ("digitale Dienstplanung", DIENSTPLANUNG),
    ("Dienstplanug", DIENSTPLANUNG),
    ("Papershift", need(["digitale-dienstplanung"], ["Papershift"])),
    (
        "Dienstplanung Feuerwehr",
        need(["digitale-dienstplanung"], title_words=["dienstplanung", "feuerwehr"]),
    ),
    ("Nextcloud", need(["collaboration-tools"], ["Nextcloud"])),
    ("Microsoft Teams Einführung", need(["collaboration-tools"], ["Microsoft Teams"])),
    ("Videokonferenz BigBlueButton", need(["collaboration-tools"], ["BigBlueButton"])),
    ("Jitsi", need(["collaboration-tools"], ["Jitsi Meet"])),
    ("SessionNet Sitzungsdienst", need(["collaboration-tools"], ["SessionNet"])),
    ("Moodle Schulung", need(["schulung-e-learning"], ["Moodle"])),
    # "Tablets" is a title word too ("Tablets für das Bauhof", whatever tool it used).
    (
        "Tablets Außendienst",
        need(["mobiles-arbeiten"], ["iPad", "Samsung Galaxy Tab"], title_words=["tablets"]),
    ),
    ("Mängelmelder", need(["mobiles-arbeiten"], ["Mängelmelder"])),
    ("KI Bürgeranfragen F13", need(["ki-verwaltung"], ["F13"])),
    ("Open Data CKAN", need(["open-data"], ["CKAN"])),
    ("LoRaWAN Sensorik", need(["smart-city"], ["LoRaWAN"])),
    ("BPMN Camunda", need(["prozessmanagement"], ["Camunda"])),
    ("Datenschutz-Folgenabschätzung", need(["datenschutz"])),
]

_TOPIC_FIELD = {key: slug for key, _text, slug in TOPICS}


def _matches(project, need: Need) -> bool:
    if need.place:
        return project.municipality == need.place and _in_field(project, need)
    if project.tools & need.tools:
        return True
    title = {fold(w) for w in words(project.title)}
    return bool(need.title_words) and {fold(w) for w in need.title_words} <= title


def _in_field(project, need: Need) -> bool:
    return any(
        project.kind in FIELD_KINDS.get(slug, set()) or project.tools & FIELD_TOOLS.get(slug, set())
        for slug in need.fields
    )


def _done(project) -> bool:
    return project.status in ("running", "done")


def _recent(project) -> bool:
    return project.status == "running" or (project.ended or 0) >= RECENT_YEAR


def grade(member: MemberFact, need: Need) -> int:
    """How well a member answers the need (0–3), by the rules of this module's docstring."""
    if not member.active:
        return 0
    projects = [p for p in member.projects if p.published]
    level = max((member.levels.get(slug, 0) for slug in need.fields), default=0)
    field_done = [p for p in projects if _in_field(p, need) and _done(p)]
    if need.specific:
        matching = [p for p in projects if _matches(p, need)]
        if any(_done(p) and _recent(p) for p in matching):
            return 3
        bio_tool = bool(member.bio_tools & need.tools)
        if matching or (bio_tool and level >= 2):
            return 2
        if bio_tool or level == 3 or field_done:
            return 1
        return 0
    if field_done and level >= 2:
        return 3
    if field_done or level == 3:
        return 2
    field_planned = any(_in_field(p, need) for p in projects)
    bio_topic = any(_TOPIC_FIELD[t] in need.fields for t in member.bio_topics)
    if level or field_planned or bio_topic:
        return 1
    return 0


def judgments(members: dict[str, MemberFact], need: Need) -> dict[str, int]:
    """The members with a grade above 0 for a need, by handle."""
    graded = {handle: grade(m, need) for handle, m in members.items()}
    return {handle: g for handle, g in graded.items() if g}
