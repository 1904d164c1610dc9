"""Load a believable demo network, so the platform can be shown and tried out.

Everything is built through community.services, as the app itself builds it,
so the demo obeys the same rules (validated domains, unique handles, rendered
bios). Municipalities are looked up by slug and members by e-mail before they
are created: running the command again adds only what is missing.

The municipalities and members are kept here in module-level constants; what
the apps build on them (projects, events, chat rooms, ...) each app adds in its
own ``<app>.demo.seed_demo`` (see community.demo), found in INSTALLED_APPS
order: community names no app above it.
"""

import unicodedata
from collections.abc import Callable
from importlib import import_module
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from community import services
from community.demo import DemoNetwork
from community.models import Municipality, Role, User

DEMO_PASSWORD = "Lotsennetz-Demo-2026"
DEMO_URL = "http://127.0.0.1:8000/"
# A reserved top-level domain (RFC 2606): demo e-mails never reach a real town hall.
DEMO_TLD = "example"


def demo_domain(slug: str) -> str:
    return f"{slug}.{DEMO_TLD}"


# E-mail addresses stay ASCII; German letters are written out, not dropped.
TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def email_part(name: str) -> str:
    """``"Jürgen"`` → ``"juergen"``, ``"Şahin"`` → ``"sahin"``; hyphens are kept."""
    text = name.lower().translate(TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(text.split())


# --- municipalities ---------------------------------------------------------
class DemoMunicipality(NamedTuple):
    name: str
    slug: str
    state: str
    population: int  # rounded; the official key (AGS) is left empty on purpose


MUNICIPALITIES: tuple[DemoMunicipality, ...] = (
    DemoMunicipality("Wetzlar", "wetzlar", "HE", 53_000),
    DemoMunicipality("Marburg", "marburg", "HE", 77_000),
    DemoMunicipality("Offenbach am Main", "offenbach", "HE", 131_000),
    DemoMunicipality("Limburg an der Lahn", "limburg", "HE", 36_000),
    DemoMunicipality("Fulda", "fulda", "HE", 70_000),
    DemoMunicipality("Gießen", "giessen", "HE", 92_000),
    DemoMunicipality("Offenburg", "offenburg", "BW", 61_000),
    DemoMunicipality("Darmstadt", "darmstadt", "HE", 162_000),
    DemoMunicipality("Kassel", "kassel", "HE", 204_000),
    DemoMunicipality("Hanau", "hanau", "HE", 101_000),
    DemoMunicipality("Bad Homburg vor der Höhe", "bad-homburg", "HE", 54_000),
    DemoMunicipality("Wiesbaden", "wiesbaden", "HE", 284_000),
    DemoMunicipality("Rüsselsheim am Main", "ruesselsheim", "HE", 67_000),
    DemoMunicipality("Freiburg im Breisgau", "freiburg", "BW", 237_000),
    DemoMunicipality("Heidelberg", "heidelberg", "BW", 160_000),
    DemoMunicipality("Karlsruhe", "karlsruhe", "BW", 308_000),
    DemoMunicipality("Ulm", "ulm", "BW", 128_000),
    DemoMunicipality("Tübingen", "tuebingen", "BW", 92_000),
    DemoMunicipality("Konstanz", "konstanz", "BW", 86_000),
    DemoMunicipality("Ludwigsburg", "ludwigsburg", "BW", 94_000),
    DemoMunicipality("Esslingen am Neckar", "esslingen", "BW", 96_000),
)


def seed_municipalities() -> tuple[dict[str, Municipality], int]:
    """Create the missing demo municipalities; return all of them by slug, and how many are new."""
    by_slug, created = {}, 0
    for demo in MUNICIPALITIES:
        municipality = Municipality.objects.filter(slug=demo.slug).first()
        if municipality is None:
            municipality = services.municipality_create(
                name=demo.name,
                state=demo.state,
                slug=demo.slug,
                population=demo.population,
                email_domains=[demo_domain(demo.slug)],
            )
            created += 1
        by_slug[demo.slug] = municipality
    return by_slug, created


# --- members ----------------------------------------------------------------
class DemoMember(NamedTuple):
    first_name: str
    last_name: str
    municipality: str  # slug of a DemoMunicipality
    department: str
    position: str
    bio: str  # Markdown
    role: str = Role.MEMBER

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        local = f"{email_part(self.first_name)}.{email_part(self.last_name)}"
        return f"{local}@{demo_domain(self.municipality)}"


# One person per entry; the formatter would put every field on a line of its own.
# fmt: off
MEMBERS: tuple[DemoMember, ...] = (
    # Wetzlar
    DemoMember(
        "Anna", "Schmidt", "wetzlar", "Hauptamt", "Digitallotsin",
        "Ich koordiniere die Digitallots*innen der Stadt Wetzlar und begleite die Einführung "
        "der **E-Akte** im Hauptamt. Fragen zum Lotsennetz in Mittelhessen gern an mich.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Friederike", "Brandt", "wetzlar", "IT-Abteilung", "IT-Koordinatorin",
        "Ich betreue das Lotsennetz technisch: Zugänge, Kommunen und E-Mail-Domains. "
        "Wenn etwas auf der Plattform hakt, schreiben Sie mir.",
        Role.ADMIN,
    ),
    DemoMember(
        "Jürgen", "Hofmann", "wetzlar", "Bauamt", "Sachbearbeiter",
        "Im Bauamt stellen wir auf den **digitalen Bauantrag** um. Ich teste die Anbindung "
        "an das Landesportal und sammle Rückmeldungen der Architekturbüros.",
    ),
    DemoMember(
        "Özlem", "Yılmaz", "wetzlar", "Bürgerbüro", "Teamleitung",
        "Unser Bürgerbüro vergibt Termine inzwischen online. Als Nächstes kommen die "
        "OZG-Leistungen rund um Meldebescheinigung und Wohnsitz.",
    ),
    DemoMember(
        "Kim", "Lehmann", "wetzlar", "Personalamt", "Digitallots*in",
        "Ich kümmere mich um die digitale Personalakte und ein Onboarding ohne Papierstapel. "
        "Gern tausche ich mich mit anderen Personalämtern aus.",
    ),
    DemoMember(
        "Tobias", "Krüger", "wetzlar", "Grünflächenamt", "Vorarbeiter",
        "Unsere Kolonnen arbeiten seit dem Frühjahr mit **Tablets**: Baumkontrollen und "
        "Spielplatzprüfungen landen direkt im Fachverfahren.",
    ),
    # Marburg
    DemoMember(
        "Lena", "Becker-Wolff", "marburg", "Hauptamt", "Digitallotsin",
        "Ich baue in Marburg das Netz der Digitallots*innen auf. Mein Grundsatz: Prozesse "
        "erst vereinfachen, dann digitalisieren.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Mehmet", "Aydın", "marburg", "Ordnungsamt", "Sachbearbeiter",
        "Ich begleite die mobile Datenerfassung im Außendienst des Ordnungsamts. "
        "Verwarnungen auf Papier gibt es bei uns bald nicht mehr.",
    ),
    DemoMember(
        "Sophie", "Wagner", "marburg", "Standesamt", "Standesbeamtin",
        "Urkunden bestellt man bei uns inzwischen online. Ich teste gerade die digitale "
        "Anmeldung zur Eheschließung.",
    ),
    DemoMember(
        "Paul", "Schäfer", "marburg", "Stadtkasse", "Sachbearbeiter",
        "Ich bringe den Eingang von **E-Rechnungen** voran: XRechnung statt Papierstapel, "
        "mit digitalem Freigabeworkflow.",
    ),
    DemoMember(
        "Katarzyna", "Nowak", "marburg", "Jugendamt", "Sozialpädagogin",
        "Im Jugendamt pilotieren wir Online-Anträge für die Kindertagespflege. "
        "Mir ist wichtig, dass Eltern die Formulare auch auf dem Handy ausfüllen können.",
    ),
    # Offenbach am Main
    DemoMember(
        "Daniel", "Fischer", "offenbach", "IT-Abteilung", "IT-Koordinator",
        "Ich verbinde die Digitallots*innen in Offenbach mit unserer IT. Gerade beschäftigt "
        "uns der Umstieg auf ein neues Dokumentenmanagementsystem.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Aylin", "Demir", "offenbach", "Bürgerbüro", "Sachbearbeiterin",
        "Ich betreue unsere Online-Dienste im Bürgerbüro, vom Anwohnerparkausweis bis zur "
        "Führungszeugnis-Beantragung.",
    ),
    DemoMember(
        "Hans-Peter", "Zimmermann", "offenbach", "Bauamt", "Teamleitung",
        "Nach 25 Jahren Papierakten digitalisieren wir das Bauaktenarchiv. "
        "Ich teile gern, was beim Scannen und Verschlagworten funktioniert hat.",
    ),
    DemoMember(
        "Nina", "Schulz", "offenbach", "Personalamt", "Digitallotsin",
        "Ich führe **digitale Dienstpläne** für Feuerwehr und Kitas ein. "
        "Tauschbörse und Urlaubsanträge laufen jetzt über die App.",
    ),
    DemoMember(
        "Dimitrios", "Papadopoulos", "offenbach", "Ordnungsamt", "Digitallotse",
        "Gewerbeanmeldungen kommen bei uns fast nur noch online herein. "
        "Ich kümmere mich darum, dass sie auch digital weiterbearbeitet werden.",
    ),
    # Limburg an der Lahn
    DemoMember(
        "Claudia", "Richter", "limburg", "Hauptamt", "Digitallotsin",
        "Ich moderiere das Forum des Lotsennetzes und achte auf einen freundlichen Ton. "
        "Im Hauptamt begleite ich die Einführung der E-Akte.",
        Role.MODERATOR,
    ),
    DemoMember(
        "Florian", "Köhler", "limburg", "Stadtkasse", "Sachbearbeiter",
        "Ich sorge dafür, dass Gebührenbescheide online bezahlt werden können – "
        "mit ePayBL und ohne Medienbruch.",
    ),
    DemoMember(
        "Sabine", "Meyer-Lang", "limburg", "Standesamt", "Sachbearbeiterin",
        "Wir haben das elektronische Personenstandsregister gut eingeführt. "
        "Jetzt geht es um die Online-Beantragung von Urkunden.",
    ),
    DemoMember(
        "Jannik", "Roth", "limburg", "Grünflächenamt", "Digitallotse",
        "Ich erfasse unseren Baumbestand mit GPS und Tablet. Ziel ist ein "
        "**digitales Baumkataster**, das alle Kolonnen nutzen.",
    ),
    # Fulda
    DemoMember(
        "Martina", "Schneider", "fulda", "Hauptamt", "Digitallotsin",
        "Ich koordiniere die Digitalisierung in der Fuldaer Stadtverwaltung. "
        "Besonders am Herzen liegen mir verständliche Online-Formulare.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Lukas", "Braun", "fulda", "IT-Abteilung", "Systemadministrator",
        "Ich betreue unsere Clients und richte gerade die Tablets für den Bauhof ein. "
        "Mobile Geräteverwaltung ist mein Lieblingsthema.",
    ),
    DemoMember(
        "Franziska", "Groß", "fulda", "Jugendamt", "Sachbearbeiterin",
        "Im Jugendamt stellen wir die Fallakten auf die E-Akte um. "
        "Ich schule die Kolleg*innen und sammle Fragen für die FAQ.",
    ),
    DemoMember(
        "Stefan", "Hübner", "fulda", "Bauamt", "Bauingenieur",
        "Ich arbeite an der Auskunft über Leitungen und Baustellen im Geoportal. "
        "Bürger*innen sollen Sperrungen auf einen Blick sehen.",
    ),
    # Gießen
    DemoMember(
        "Sebastian", "Weiß", "giessen", "Hauptamt", "Digitalisierungsbeauftragter",
        "Ich koordiniere die Digitallots*innen in Gießen und berichte an den Magistrat. "
        "Aktuell priorisieren wir die nächsten **OZG-Leistungen**.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Julia", "Hartmann", "giessen", "Bürgerbüro", "Teamleitung",
        "Bei uns gibt es jetzt einen Selbstbedienungsterminal für Passfotos und Unterschrift. "
        "Die Wartezeiten sind spürbar kürzer geworden.",
    ),
    DemoMember(
        "Robin", "Schwarz", "giessen", "IT-Abteilung", "Digitallots*in",
        "Ich helfe Ämtern, Abläufe mit Low-Code-Formularen zu digitalisieren. "
        "Wer eine Excel-Liste loswerden möchte, ist bei mir richtig.",
    ),
    DemoMember(
        "Ingrid", "Vogel", "giessen", "Personalamt", "Sachbearbeiterin",
        "Ich bin seit über 30 Jahren in der Verwaltung und jetzt Lotsin für die digitale "
        "Zeiterfassung. Man lernt nie aus!",
    ),
    DemoMember(
        "Ahmad", "Karimi", "giessen", "Ordnungsamt", "Sachbearbeiter",
        "Ich betreue die Online-Anträge für Sondernutzungen, etwa für Umzugs- und "
        "Baustellenschilder.",
    ),
    # Offenburg
    DemoMember(
        "Johanna", "Kühn", "offenburg", "Hauptamt", "Digitallotsin",
        "Ich koordiniere die Digitallots*innen in Offenburg und freue mich über den Austausch "
        "mit Hessen. Schwerpunkt: Service-BW und die E-Akte.",
        Role.COORDINATOR,
    ),
    DemoMember(
        "Matthias", "Wolf", "offenburg", "Stadtkasse", "Kassenleiter",
        "Wir haben den Zahlungsverkehr vollständig digitalisiert. "
        "Als Nächstes steht die elektronische Archivierung der Belege an.",
    ),
    DemoMember(
        "Elif", "Şahin", "offenburg", "Bürgerbüro", "Sachbearbeiterin",
        "Ich teste neue Online-Dienste aus Bürgersicht, bevor sie live gehen. "
        "Verständliche Sprache ist mir dabei besonders wichtig.",
    ),
    DemoMember(
        "Benedikt", "Jäger", "offenburg", "Grünflächenamt", "Teamleitung",
        "Unser Team meldet Schäden an Bänken und Spielgeräten per App. "
        "Die Reparaturaufträge entstehen dadurch automatisch.",
    ),
    # Darmstadt
    DemoMember(
        "Carolin", "Neumann", "darmstadt", "Amt für Digitalisierung und IT", "Digitallotsin",
        "Ich begleite Pilotprojekte zwischen Fachämtern und IT. "
        "Gerade geht es um die digitale Bearbeitung von Anträgen auf Wohngeld.",
    ),
    DemoMember(
        "Maximilian", "Schmitt", "darmstadt", "Ordnungsamt", "Sachbearbeiter",
        "Ich kümmere mich um die Online-Anmeldung von Veranstaltungen. "
        "Vorher gingen die Formulare dreimal per Fax hin und her.",
    ),
    DemoMember(
        "Vanessa", "Klein-Hoffmann", "darmstadt", "Jugendamt", "Teamleitung",
        "Ich leite ein Team im Allgemeinen Sozialen Dienst. Wir testen Tablets für "
        "Hausbesuche – mit besonderem Augenmerk auf den Datenschutz.",
    ),
    # Kassel
    DemoMember(
        "Frank", "Walter", "kassel", "Bauaufsicht", "Sachbearbeiter",
        "Ich prüfe Bauanträge inzwischen fast nur noch am Bildschirm. "
        "Zwei große Monitore sind dafür Gold wert.",
    ),
    DemoMember(
        "Merve", "Arslan", "kassel", "Bürgerbüro", "Digitallotsin",
        "Ich unterstütze Kolleg*innen bei neuen Fachverfahren und schreibe kurze Anleitungen. "
        "Am liebsten mit Screenshots.",
    ),
    DemoMember(
        "Uwe", "Schröder", "kassel", "Stadtkasse", "Sachbearbeiter",
        "Mahnungen verschicken wir jetzt auch digital über das Bürgerkonto. "
        "Ich schaue, wie wir die Rücklaufquote messen.",
    ),
    # Hanau
    DemoMember(
        "Alexandra", "Lorenz", "hanau", "Hauptamt", "Referentin für Organisation",
        "Ich modelliere Prozesse, bevor sie digitalisiert werden. "
        "BPMN ist für mich eine zweite Muttersprache.",
    ),
    DemoMember(
        "Niklas", "Ludwig", "hanau", "IT-Abteilung", "Anwendungsbetreuer",
        "Ich betreue die Fachverfahren im Bürgerservice und die Schnittstellen zum Portal. "
        "Updates spiele ich am liebsten dienstagabends ein.",
    ),
    DemoMember(
        "Sandra", "Kraus", "hanau", "Standesamt", "Standesbeamtin",
        "Wir bieten die Online-Terminbuchung für Trauungen an. "
        "Ich freue mich über Tipps zur digitalen Namenserklärung.",
    ),
    # Bad Homburg vor der Höhe
    DemoMember(
        "Christian", "Böttcher", "bad-homburg", "Hauptamt", "Digitallotse",
        "Ich organisiere unsere Lernrunden zur E-Akte: jeden ersten Donnerstag, "
        "*digital und in Präsenz*.",
    ),
    DemoMember(
        "Helga", "Franke", "bad-homburg", "Personalamt", "Sachbearbeiterin",
        "Bewerbungen laufen bei uns über ein Online-Portal. "
        "Ich kümmere mich darum, dass die Auswahlverfahren auch digital fair bleiben.",
    ),
    # Wiesbaden
    DemoMember(
        "Marie", "Schuster", "wiesbaden", "Bürgerbüro", "Digitallotsin",
        "Ich bin Ansprechpartnerin für unsere Online-Dienste im Bürgerbüro und sammle "
        "Verbesserungsvorschläge aus dem Schalterbetrieb.",
    ),
    DemoMember(
        "Oliver", "Berger", "wiesbaden", "Grünflächenamt", "Revierleiter",
        "In meinem Revier sind alle Vorarbeiter mit **Tablets** unterwegs. "
        "Die Arbeitsaufträge kommen digital, die Fotos gehen direkt zurück.",
    ),
    DemoMember(
        "Ali", "Yıldız", "wiesbaden", "Ordnungsamt", "Teamleitung",
        "Ich leite den Innendienst und führe die elektronische Bußgeldakte ein. "
        "Der Austausch mit anderen Kommunen hilft uns sehr.",
    ),
    # Rüsselsheim am Main
    DemoMember(
        "Kerstin", "Maaß", "ruesselsheim", "Personalamt", "Sachbearbeiterin",
        "Ich digitalisiere die Reisekostenabrechnung. Belege fotografieren statt kopieren – "
        "die Kolleg*innen sind begeistert.",
    ),
    # Freiburg im Breisgau
    DemoMember(
        "Charlotte", "Winter", "freiburg", "Hauptamt", "Digitallotsin",
        "Ich vernetze die Digitallots*innen der Freiburger Ämter. "
        "Unser Lieblingsformat: kurze Mittagspausen-Demos neuer Werkzeuge.",
    ),
    DemoMember(
        "Felix", "Vogt", "freiburg", "Jugendamt", "Sachbearbeiter",
        "Ich arbeite an der Online-Anmeldung für Ferienbetreuung und Jugendfreizeiten. "
        "Vorher gab es lange Schlangen am ersten Anmeldetag.",
    ),
    DemoMember(
        "Leonie", "Haas", "freiburg", "Garten- und Tiefbauamt", "Sachbearbeiterin",
        "Schäden an Straßen und Grünflächen melden Bürger*innen bei uns per App. "
        "Ich sorge dafür, dass die Meldungen schnell beim richtigen Team landen.",
    ),
    # Heidelberg
    DemoMember(
        "Andreas", "Sommer", "heidelberg", "Amt für Digitales und Informationsverarbeitung",
        "IT-Koordinator",
        "Ich koordiniere die IT-Projekte der Fachämter. "
        "Derzeit stehen Cloud-Arbeitsplätze und sichere Videokonferenzen oben auf der Liste.",
    ),
    DemoMember(
        "Svenja", "Fuchs", "heidelberg", "Bürgerbüro", "Sachbearbeiterin",
        "Ich betreue die Online-Wohnsitzanmeldung und erkläre sie auch gern am Telefon.",
    ),
    DemoMember(
        "Lan", "Nguyen", "heidelberg", "Stadtkasse", "Sachbearbeiterin",
        "Ich kümmere mich um die Umstellung auf die E-Rechnung und berate Lieferanten, "
        "die damit noch wenig Erfahrung haben.",
    ),
    # Karlsruhe
    DemoMember(
        "Moritz", "Keller", "karlsruhe", "Ordnungsamt", "Digitallotse",
        "Ich habe den Außendienst beim Umstieg auf mobile Geräte begleitet. "
        "Jetzt geht es um digitale Anhörungsbögen.",
    ),
    DemoMember(
        "Hannah", "Peters", "karlsruhe", "Personalamt", "Teamleitung",
        "Wir führen ein digitales Fortbildungsportal ein. "
        "Ich freue mich über Erfahrungen anderer Städte mit Lernplattformen.",
    ),
    DemoMember(
        "Gül", "Öztürk", "karlsruhe", "Standesamt", "Sachbearbeiterin",
        "Ich teste die digitale Geburtsanzeige mit den Kliniken. "
        "Weniger Papier, weniger Rückfragen – so der Plan.",
    ),
    # Ulm
    DemoMember(
        "Jan-Erik", "Seidel", "ulm", "Bauamt", "Sachbearbeiter",
        "Ich bin Ansprechpartner für das digitale Baugenehmigungsverfahren. "
        "Meine Erfahrung: Gute Vorlagen sparen mehr Zeit als jedes neue System.",
    ),
    DemoMember(
        "Petra", "Günther", "ulm", "Hauptamt", "Digitallotsin",
        "Ich begleite die Einführung der E-Akte in den Ulmer Ämtern. "
        "Wir sind jetzt bei Amt Nummer sieben von zwölf.",
    ),
    # Tübingen
    DemoMember(
        "Sarah", "Engel", "tuebingen", "Jugendamt", "Digitallotsin",
        "Ich kümmere mich um die digitale Kita-Platzvergabe. "
        "Eltern sehen ihren Antragsstand jetzt online.",
    ),
    DemoMember(
        "Konstantin", "Horn", "tuebingen", "IT-Abteilung", "IT-Koordinator",
        "Ich verantworte die Digitalisierungsprojekte der Stadtverwaltung. "
        "Open Source setzen wir ein, wo es passt.",
    ),
    # Konstanz
    DemoMember(
        "Miriam", "Albrecht", "konstanz", "Bürgerbüro", "Teamleitung",
        "Wir bieten Videoberatung für einfache Anliegen an. "
        "Gerade Pendler*innen nutzen das gern in der Mittagspause.",
    ),
    DemoMember(
        "Fabian", "Schubert", "konstanz", "Technische Betriebe", "Sachbearbeiter",
        "Ich plane die Touren unserer Kehrmaschinen jetzt digital. "
        "Die Fahrer*innen bekommen ihre Routen aufs Tablet.",
    ),
    # Ludwigsburg
    DemoMember(
        "Anja", "Dietrich", "ludwigsburg", "Hauptamt", "Digitallotsin",
        "Ich leite unsere Digitalwerkstatt, in der Kolleg*innen neue Werkzeuge ausprobieren. "
        "Fehler machen ist ausdrücklich erlaubt.",
    ),
    DemoMember(
        "Yusuf", "Çelik", "ludwigsburg", "Stadtkasse", "Sachbearbeiter",
        "Ich automatisiere den Abgleich von Kontoauszügen mit offenen Forderungen. "
        "Das spart unserer Kasse jeden Monat mehrere Tage.",
    ),
    # Esslingen am Neckar
    DemoMember(
        "Till", "Brückner", "esslingen", "Ordnungsamt", "Digitallotse",
        "Ich kümmere mich um die Online-Beantragung von Bewohnerparkausweisen. "
        "Inzwischen kommen drei von vier Anträgen digital.",
    ),
)
# fmt: on


def seed_members(municipalities: dict[str, Municipality]) -> int:
    """Create the missing demo members; return how many are new.

    Each new member is created through ``member_create`` without a password,
    and all of them then get one hash of DEMO_PASSWORD: hashing it 60 times
    with PBKDF2 would take over a minute, and the password is public anyway.
    """
    password_validation.validate_password(DEMO_PASSWORD)
    new = []
    for demo in MEMBERS:
        if User.objects.filter(email=demo.email).exists():
            continue
        member = services.member_create(
            email=demo.email,
            display_name=demo.display_name,
            municipality=municipalities[demo.municipality],
            role=demo.role,
            department=demo.department,
            position=demo.position,
            bio=demo.bio,
        )
        if demo.role == Role.ADMIN:
            # The Django admin wants a superuser; the service only sets is_staff.
            User.objects.filter(pk=member.pk).update(is_superuser=True)
        new.append(member.pk)
    if new:
        User.objects.filter(pk__in=new).update(password=make_password(DEMO_PASSWORD))
    return len(new)


# --- output -----------------------------------------------------------------
LOGIN_ROLES = (
    (Role.ADMIN, "Administration"),
    (Role.MODERATOR, "Moderation"),
    (Role.COORDINATOR, "Koordination"),
    (Role.MEMBER, "Mitglied"),
)


def demo_logins() -> list[tuple[str, DemoMember]]:
    """One demo account per role, to try the platform from each side."""
    return [(label, next(m for m in MEMBERS if m.role == role)) for role, label in LOGIN_ROLES]


def app_demos() -> list[Callable[[DemoNetwork], dict[str, int]]]:
    """Every installed app's ``demo.seed_demo``, in INSTALLED_APPS order (the layers)."""
    seeds = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            seed = getattr(import_module(f"{config.name}.demo"), "seed_demo", None)
            if seed is not None:
                seeds.append(seed)
    return seeds


class Command(BaseCommand):
    help = "Legt ein Demo-Netz mit Kommunen und Mitgliedern an (mehrfach aufrufbar)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Auch mit DEBUG=0 anlegen "
                "(die Demo-Logins haben ein öffentlich bekanntes Passwort)."
            ),
        )
        parser.add_argument(
            "--url",
            default=DEMO_URL,
            help="Adresse, unter der die Plattform läuft (nur für die Ausgabe).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo legt Konten mit einem öffentlich bekannten Passwort an und läuft "
                "deshalb nur mit DEBUG=1 (oder ausdrücklich mit --force)."
            )
        try:
            with transaction.atomic():
                municipalities, new_municipalities = seed_municipalities()
                new = {"Kommunen": new_municipalities, "Mitglieder": seed_members(municipalities)}
                members = {
                    m.email: m for m in User.objects.filter(email__in=[d.email for d in MEMBERS])
                }
                network = DemoNetwork(municipalities=municipalities, members=members)
                for seed in app_demos():
                    new.update(seed(network))
        except ValidationError as exc:
            raise CommandError(
                "Demo-Netz konnte nicht angelegt werden: " + " ".join(exc.messages)
            ) from exc

        if any(new.values()):
            counts = ", ".join(f"{count} neue {noun}" for noun, count in new.items())
            self.stdout.write(self.style.SUCCESS(f"Demo-Netz angelegt: {counts}."))
        else:
            self.stdout.write("Demo-Netz ist schon vorhanden – nichts angelegt.")
        self.write_logins(municipalities, url=options["url"])

    def write_logins(self, municipalities: dict[str, Municipality], *, url: str) -> None:
        self.stdout.write(f"\nDemo-Zugänge (Passwort für alle: {DEMO_PASSWORD}):")
        for label, demo in demo_logins():
            town = municipalities[demo.municipality].name
            self.stdout.write(f"  {label:<15} {demo.email:<40} {demo.display_name}, {town}")
        self.stdout.write(f"\nAnmelden unter {url}")
