"""Demo forum for ``seed_demo``: threads with replies, mentions, accepted answers and files.

A newcomer opening the demo should find a living forum: questions with
answers, one marked as the solution, a checklist as PDF and a photo as PNG
attached (made in memory and stored through files.services like any upload),
and conversations that mention other demo members, so their bell and start
page have something to show.

Built through forum.services; idempotent, because a thread whose title exists
is left alone (with its replies and files). Threads whose author is missing
from the demo network are skipped, and so are replies of missing members.
"""

import io
from typing import NamedTuple

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from community.demo import DemoNetwork
from community.models import Expertise, User
from files.services import file_upload
from forum import services
from forum.models import Category, Thread


class DemoFile(NamedTuple):
    name: str
    kind: str  # "pdf" or "png"
    lines: tuple[str, ...]


class DemoReply(NamedTuple):
    author: str  # e-mail
    body: str  # Markdown; "{handle:<e-mail>}" becomes that member's @-handle
    file: DemoFile | None = None
    solution: bool = False  # the thread's author accepts this reply as the answer


class DemoThread(NamedTuple):
    title: str
    category: str  # slug (forum migration 0002)
    author: str  # e-mail
    body: str
    tags: tuple[str, ...] = ()  # expertise slugs
    replies: tuple[DemoReply, ...] = ()
    file: DemoFile | None = None


CHECKLIST = DemoFile(
    "Checkliste-Aktenplan.pdf",
    "pdf",
    (
        "Checkliste: Aktenplan vor der E-Akte",
        "1. Aktenplan mit den Fachaemtern durchgehen (2 Termine je Amt)",
        "2. Aktenzeichen vereinheitlichen, Altbestand markieren",
        "3. Zugriffsrechte je Aktengruppe festlegen",
        "4. Pilotamt waehlen, Schulung vor dem Start",
        "5. Nach 4 Wochen: Rueckmeldungen sammeln, Plan anpassen",
    ),
)
TABLET_PHOTO = DemoFile(
    "Tablet-Halterung.png", "png", ("Tablet im Fahrzeug", "Halterung + Ladekabel")
)
AGENDA = DemoFile(
    "Schulungsplan-E-Akte.pdf",
    "pdf",
    (
        "Schulungsplan E-Akte (Entwurf)",
        "Modul 1: Ablage und Suche (90 Minuten)",
        "Modul 2: Vorgaenge und Mitzeichnung (90 Minuten)",
        "Modul 3: Vertretung und Fristen (60 Minuten)",
    ),
)

# fmt: off
THREADS: tuple[DemoThread, ...] = (
    DemoThread(
        "Aktenplan vor der E-Akte: Wie seid ihr vorgegangen?", "e-akte",
        "lena.becker-wolff@marburg.example",
        "Wir führen in Marburg die E-Akte ein und stehen vor dem Aktenplan. Habt ihr ihn "
        "vorher überarbeitet oder den alten übernommen? Mich interessiert vor allem, wie ihr "
        "die Fachämter eingebunden habt.",
        ("e-akte-dms",),
        (
            DemoReply(
                "anna.schmidt@wetzlar.example",
                "Wir haben ihn vorher überarbeitet – mit zwei Terminen je Amt. Das hat sich "
                "gelohnt, auch wenn es drei Monate gekostet hat.",
            ),
            DemoReply(
                "petra.guenther@ulm.example",
                "Wir sind bei Amt Nummer sieben von zwölf. Unsere Checkliste hänge ich an, "
                "vielleicht hilft sie euch. {handle:anna.schmidt@wetzlar.example}, wie habt "
                "ihr die Zugriffsrechte geregelt?",
                file=CHECKLIST, solution=True,
            ),
            DemoReply(
                "lena.becker-wolff@marburg.example",
                "Danke euch beiden! Die Checkliste nehmen wir als Grundlage.",
            ),
        ),
    ),
    DemoThread(
        "Tablets im Außendienst: Welche Halterung und Geräteverwaltung?", "tools-software",
        "tobias.krueger@wetzlar.example",
        "Unsere Kolonnen arbeiten seit dem Frühjahr mit Tablets. Im Fahrzeug rutschen sie "
        "aber ständig herum, und die Updates laufen nicht zuverlässig. Was nutzt ihr?",
        ("mobiles-arbeiten",),
        (
            DemoReply(
                "lukas.braun@fulda.example",
                "Wir haben feste Halterungen mit Ladekabel eingebaut (Foto anbei) und verwalten "
                "die Geräte zentral. Updates laufen nachts im Bauhof über das WLAN.",
                file=TABLET_PHOTO, solution=True,
            ),
            DemoReply(
                "mehmet.aydin@marburg.example",
                "Bei uns im Ordnungsamt genauso. Wichtig war uns ein Gerätepasswort, das die "
                "Kolleg*innen sich merken können.",
            ),
            DemoReply(
                "tobias.krueger@wetzlar.example",
                "Super, danke! {handle:lukas.braun@fulda.example}, darf ich euch nächste Woche "
                "anrufen?",
            ),
        ),
    ),
    DemoThread(
        "Hallo aus dem Personalamt Wetzlar", "austausch", "kim.lehmann@wetzlar.example",
        "Ich bin Kim und kümmere mich um die digitale Personalakte. Ich freue mich auf den "
        "Austausch – besonders mit anderen Personalämtern!",
        (),
        (
            DemoReply(
                "anna.schmidt@wetzlar.example",
                "Willkommen im Lotsennetz, Kim! Schau gern auch im Chat vorbei.",
            ),
            DemoReply(
                "ingrid.vogel@giessen.example",
                "Herzlich willkommen! Wir führen gerade die digitale Zeiterfassung ein – "
                "melde dich gern.",
            ),
            DemoReply(
                "hannah.peters@karlsruhe.example",
                "Willkommen! {handle:kim.lehmann@wetzlar.example}, bei uns läuft ein "
                "Fortbildungsportal, vielleicht ist das auch für euch interessant.",
            ),
        ),
    ),
    DemoThread(
        "XRechnung: Wer gibt bei euch frei?", "prozesse", "paul.schaefer@marburg.example",
        "Die E-Rechnungen kommen bei uns digital herein, die Freigabe läuft aber noch per "
        "Umlaufmappe. Wie habt ihr den Freigabeworkflow gebaut?",
        ("prozessmanagement",),
        (
            DemoReply(
                "florian.koehler@limburg.example",
                "Bei uns gibt die sachliche Richtigkeit das Fachamt im Workflow frei, die "
                "rechnerische die Kasse. Das Vier-Augen-Prinzip bleibt so erhalten.",
            ),
            DemoReply(
                "lan.nguyen@heidelberg.example",
                "Wir haben mit Vertretungsregeln angefangen – ohne die blieb alles liegen, "
                "sobald jemand im Urlaub war.",
            ),
        ),
    ),
    DemoThread(
        "Schulungskonzept für die E-Akte gesucht", "schulung", "franziska.gross@fulda.example",
        "Wir schulen im Jugendamt bald 40 Kolleg*innen auf die E-Akte. Meinen Entwurf hänge "
        "ich an – was würdet ihr anders machen?",
        ("e-akte-dms", "schulung-e-learning"),
        (
            DemoReply(
                "petra.guenther@ulm.example",
                "Sieht gut aus! Wir haben Modul 3 vorgezogen: Vertretung und Fristen sind "
                "das, wovor die meisten Angst haben.",
            ),
        ),
        file=AGENDA,
    ),
)
# fmt: on


def _pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with ``lines`` of text, written object by object with its xref table."""
    text = " ".join(
        f"({line.replace(chr(92), '').replace('(', '').replace(')', '')}) Tj 0 -22 Td"
        for line in lines
    )
    content = f"BT /F1 13 Tf 60 780 Td {text} ET".encode("cp1252", "replace")
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    start = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    )
    return out.getvalue()


def _png(lines: tuple[str, ...]) -> bytes:
    """A small picture: a grey tablet on a blue dashboard, with a caption."""
    image = Image.new("RGB", (320, 200), (40, 90, 140))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((90, 30, 230, 150), radius=10, fill=(60, 60, 60))
    draw.rectangle((100, 40, 220, 140), fill=(200, 220, 235))
    for n, line in enumerate(lines):
        draw.text((10, 160 + 16 * n), line, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _upload(demo: DemoFile | None, uploader: User) -> list:
    if demo is None:
        return []
    if demo.kind == "pdf":
        data, content_type = _pdf(demo.lines), "application/pdf"
    else:
        data, content_type = _png(demo.lines), "image/png"
    stored = file_upload(
        uploader=uploader, upload=SimpleUploadedFile(demo.name, data, content_type=content_type)
    )
    return [str(stored.pk)]


def _body(text: str, members: dict[str, User]) -> str:
    """Replace ``{handle:<e-mail>}`` by the member's @-handle (or their name, if missing)."""
    while "{handle:" in text:
        start = text.index("{handle:")
        end = text.index("}", start)
        email = text[start + len("{handle:") : end]
        member = members.get(email)
        text = text[:start] + (f"@{member.handle}" if member else "") + text[end + 1 :]
    return text


def seed_forum(members: dict[str, User]) -> int:
    """Create the missing demo threads with their replies, files and solutions."""
    created = 0
    categories = {c.slug: c for c in Category.objects.all()}
    for demo in THREADS:
        author = members.get(demo.author)
        category = categories.get(demo.category)
        if author is None or category is None or Thread.objects.filter(title=demo.title).exists():
            continue
        thread = services.thread_create(
            author=author,
            category=category,
            title=demo.title,
            body=_body(demo.body, members),
            tags=Expertise.objects.filter(slug__in=demo.tags),
            attachments=_upload(demo.file, author),
        )
        for reply in demo.replies:
            replier = members.get(reply.author)
            if replier is None:
                continue
            post = services.post_create(
                author=replier,
                thread=thread,
                body=_body(reply.body, members),
                attachments=_upload(reply.file, replier),
            )
            if reply.solution:
                services.solution_accept(member=author, post=post)
        created += 1
    return created


def seed_demo(network: DemoNetwork) -> dict[str, int]:
    return {"Forenthemen": seed_forum(network.members)}
