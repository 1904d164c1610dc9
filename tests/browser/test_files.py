"""Files in the browser (issue 18), in Chromium against a real daphne.

Anna drags a file into a forum reply and pastes a screenshot into the chat;
Erika, in a second browser, sees both arrive live: the document as a list entry
with type and size, the picture as a thumbnail that opens full size. Around it:
a refusal shown in the widget's alert region, a cancelled upload, the profile
photo with its square crop, and axe on every widget in the state it is used in.

A drag from the desktop and a paste from the clipboard cannot come from outside
the browser here: the tests build the same DataTransfer in the page and fire
the events a browser fires (dragenter, dragover, drop; paste).
"""

import base64
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from chat import services as chat_services
from chat.models import RoomKind
from community import services as community_services
from community.models import User
from events import services as event_services
from forum import services as forum_services
from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.forum.conftest import _category
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINUTES = b"Protokoll des Netzwerktreffens.\nTOP 1: E-Akte im Bauamt.\n"


def png(width: int, height: int, colour=(11, 79, 138)) -> bytes:
    image = Image.new("RGB", (width, height), colour)
    # The left half another colour: a crop that moves shows it.
    image.paste((255, 191, 71), (0, 0, width // 2, height))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def transfer(page, files: list[tuple[str, str, bytes]]):
    """A DataTransfer holding these (name, type, bytes) files, built in the page."""
    return page.evaluate_handle(
        """(files) => {
            const data = new DataTransfer();
            for (const [name, type, b64] of files) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                data.items.add(new File([bytes], name, {type}));
            }
            return data;
        }""",
        [[name, kind, base64.b64encode(content).decode()] for name, kind, content in files],
    )


def drop(page, selector: str, files):
    """What the browser fires when files from the desktop are dropped on ``selector``."""
    data = transfer(page, files)
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, event, {"dataTransfer": data})


def paste(page, selector: str, files):
    """A paste of clipboard files (a screenshot has no text) into ``selector``."""
    data = transfer(page, files)
    page.locator(selector).focus()
    page.evaluate(
        """([selector, data]) => {
            const target = document.querySelector(selector);
            target.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [selector, data],
    )


@pytest.fixture
def network(taxonomy, member, make_member, make_municipality):
    marburg = make_municipality(name="Marburg", domains=["marburg.example"])
    erika = make_member(municipality=marburg, display_name="Erika Expertin")
    thread = forum_services.thread_create(
        author=erika,
        category=_category("austausch"),
        title="Protokolle der Netzwerktreffen",
        body="Wer hat das Protokoll vom letzten Mal?",
    )
    room = chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    return {"anna": member, "erika": erika, "thread": thread, "room": room}


def test_a_file_dragged_into_a_reply_and_a_pasted_picture_arrive_live_in_another_browser(
    chromium, network, axe_script
):
    thread = network["thread"]
    with daphne() as address:
        base = f"http://{address}"
        # bypass_csp: only so that axe-core can be injected (tests/browser/a11y.py).
        anna_context = new_context(chromium, base, network["anna"], bypass_csp=True)
        erika_context = new_context(chromium, base, network["erika"], bypass_csp=True)
        try:
            anna = anna_context.new_page()
            erika = erika_context.new_page()
            for page in (anna, erika):
                page.goto(f"/forum/thema/{thread.pk}/")
            expect(anna.get_by_role("button", name="Dateien anhängen")).to_be_visible()

            # Anna drags the minutes into her reply: a progress bar, then the file.
            drop(anna, "#posts ~ section form textarea", [("protokoll.txt", "text/plain", MINUTES)])
            reply_form = anna.locator("section[aria-labelledby=reply-heading] form")
            item = reply_form.locator(".upload-item", has_text="protokoll.txt")
            expect(item).to_contain_text("Textdatei")
            expect(item.get_by_role("button", name="protokoll.txt entfernen")).to_be_visible()
            expect(reply_form.get_by_role("status")).to_have_text("protokoll.txt ist hochgeladen.")
            file_id = item.locator("input[name=attachments]").input_value()
            reply_form.get_by_label("Text", exact=False).first.fill("Hier ist das Protokoll.")
            reply_form.get_by_role("button", name="Antworten").click()

            # Erika sees the reply arrive with the file, without reloading.
            live = erika.locator("#posts article.post-live")
            expect(live).to_contain_text("Hier ist das Protokoll.")
            link = live.get_by_role("link", name="protokoll.txt")
            expect(live.locator(".attachment-files")).to_contain_text("Textdatei")
            href = link.get_attribute("href")
            assert href.startswith(f"/dateien/{file_id}/")
            download = erika_context.request.get(base + href)
            assert download.status == 200
            assert download.body() == MINUTES
            violations = blocking(axe_violations(erika, axe_script))
            assert not violations, describe(violations)

            # In the chat Anna pastes a screenshot and sends it without a word.
            for page in (anna, erika):
                page.goto("/chat/allgemein/")
                expect(page.locator("#chat-connection")).to_have_text("")
            paste(anna, "#chat-body", [("image.png", "image/png", png(640, 400))])
            composer = anna.locator("#chat-composer")
            chip = composer.locator(".upload-item")
            expect(chip).to_contain_text("Eingefügtes Bild")
            expect(chip.locator("img.upload-thumb")).to_be_visible()
            violations = blocking(axe_violations(anna, axe_script))
            assert not violations, describe(violations)
            anna.locator("#chat-body").press("Enter")
            expect(composer.locator(".upload-item")).to_have_count(0)

            picture = erika.get_by_role("list", name="Nachrichten").locator(".attachment-image img")
            expect(picture).to_have_count(1)
            expect(picture).to_have_attribute(
                "alt", re.compile(r"^Eingefügtes Bild .*\.png in voller Größe öffnen$")
            )
            erika.wait_for_function(
                "() => document.querySelector('.attachment-image img').naturalWidth > 0"
            )
            expect(erika.locator("#chat-announce")).to_contain_text("Anhang: Eingefügtes Bild")
            full = erika.locator(".attachment-image").get_attribute("href")
            opened = erika_context.request.get(base + full)
            assert opened.status == 200
            assert opened.headers["content-type"] == "image/png"
            violations = blocking(axe_violations(erika, axe_script))
            assert not violations, describe(violations)

            # And after a reload the server renders the same.
            erika.reload()
            expect(
                erika.get_by_role("list", name="Nachrichten").locator(".attachment-image img")
            ).to_have_count(1)
        finally:
            anna_context.close()
            erika_context.close()


def test_a_refusal_is_announced_and_a_running_upload_can_be_cancelled(
    chromium, network, axe_script
):
    thread = network["thread"]
    with daphne() as address:
        base = f"http://{address}"
        context = new_context(chromium, base, network["anna"], bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(f"/forum/thema/{thread.pk}/antworten/")
            form = page.locator("main form").last
            # Text that calls itself a picture: refused for its content (415).
            drop(page, "main form textarea", [("bild.png", "image/png", b"kein Bild, nur Text")])
            alert = form.get_by_role("alert").filter(has_text="bild.png")
            expect(alert).to_contain_text("bild.png wurde nicht angenommen:")
            expect(form.locator(".upload-item")).to_have_count(0)

            # An upload that hangs (the request never answers) is cancelled.
            page.route("**/api/files/", lambda route: None)
            form.locator(".upload-input").set_input_files(
                files=[{"name": "langsam.txt", "mimeType": "text/plain", "buffer": MINUTES}]
            )
            running = form.locator(".upload-item.upload-running")
            expect(running.get_by_role("progressbar")).to_be_visible()
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)
            # Saving now would lose the file: the form says to wait.
            form.get_by_role("button", name="Speichern").click()
            expect(form.get_by_role("alert")).to_contain_text("Bitte warten Sie")
            running.get_by_role("button", name="Hochladen von langsam.txt abbrechen").click()
            expect(running).to_have_count(0)
            expect(form.get_by_role("status")).to_have_text(
                "Das Hochladen von langsam.txt ist abgebrochen."
            )
            assert page.evaluate("document.activeElement.className") == "upload-pick"

            # A form shown again after an error keeps the file that was uploaded.
            page.unroute("**/api/files/")
            form.locator(".upload-input").set_input_files(
                files=[{"name": "protokoll.txt", "mimeType": "text/plain", "buffer": MINUTES}]
            )
            expect(form.locator(".upload-item input[name=attachments]")).to_have_count(1)
            form.get_by_role("button", name="Speichern").click()  # without a text
            form = page.locator("main form").last
            expect(form.locator(".field-errors")).to_be_visible()
            item = form.locator(".upload-item")
            expect(item).to_contain_text("protokoll.txt")
            expect(item).to_contain_text("Textdatei")
            form.get_by_label("Text", exact=False).first.fill("Das Protokoll.")
            form.get_by_role("button", name="Speichern").click()
            expect(page.get_by_role("link", name="protokoll.txt")).to_be_visible()
        finally:
            context.close()


def test_profile_photo_is_chosen_cropped_to_a_square_and_shown_instead_of_the_initials(
    chromium, network, axe_script
):
    anna = network["anna"]
    with daphne() as address:
        base = f"http://{address}"
        context = new_context(chromium, base, anna, bypass_csp=True)
        try:
            page = context.new_page()
            page.goto("/profil/")
            header_avatar = page.locator(".avatar-link .avatar")
            expect(header_avatar).to_have_text(anna.initials)
            section = page.locator("[data-photo-editor]")
            section.locator(".photo-input").set_input_files(
                files=[{"name": "portrait.png", "mimeType": "image/png", "buffer": png(600, 400)}]
            )
            expect(section.get_by_role("group", name="Ausschnitt wählen")).to_be_visible()
            section.get_by_label("Vergrößern").fill("2")
            section.get_by_label("Ausschnitt waagerecht", exact=False).fill("0")
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)
            section.get_by_role("button", name="Foto speichern").click()
            expect(section.get_by_role("status")).to_have_text("Ihr Foto ist gespeichert.")
            expect(header_avatar.locator("img")).to_be_visible()

            anna = User.objects.get(pk=anna.pk)
            assert anna.photo is not None
            # The chosen square: 200 x 200 from the left, orange, half of the picture's height.
            assert (anna.photo.width, anna.photo.height) == (200, 200)

            page.goto(f"/menschen/{anna.handle}/")
            expect(page.locator(".profile-header .avatar img")).to_be_visible()
            page.goto("/profil/")
            page.get_by_role("button", name="Foto entfernen").click()
            expect(page.get_by_role("status").filter(has_text="Foto")).to_contain_text(
                "Ihr Foto ist entfernt."
            )
            expect(header_avatar).to_have_text(anna.initials)
            assert User.objects.get(pk=anna.pk).photo is None
        finally:
            context.close()


def test_documents_of_an_event_are_uploaded_on_its_page_and_listed(
    chromium, network, coordinator, axe_script
):
    starts = timezone.localtime().replace(microsecond=0) + dt.timedelta(days=3)
    event = event_services.event_create(
        created_by=coordinator,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        format="in_person",
        location="Rathaus Wetzlar",
        hosting_municipality=coordinator.municipality,
        description="Wir sprechen über die **E-Akte**.",
    )
    with daphne() as address:
        base = f"http://{address}"
        context = new_context(chromium, base, coordinator, bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(f"/termine/{event.pk}/")
            documents = page.locator("section[aria-labelledby=documents-heading]")
            expect(documents).to_contain_text("Noch keine Unterlagen.")
            documents.locator(".upload-input").set_input_files(
                files=[
                    {"name": "folien.txt", "mimeType": "text/plain", "buffer": MINUTES},
                    {"name": "foto.png", "mimeType": "image/png", "buffer": png(300, 200)},
                ]
            )
            expect(documents.locator(".upload-item input[name=attachments]")).to_have_count(2)
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)
            documents.get_by_role("button", name="Unterlagen hinzufügen").click()
            expect(page.locator(".messages")).to_contain_text("Die Unterlagen sind hinzugefügt.")
            documents = page.locator("section[aria-labelledby=documents-heading]")
            expect(documents.get_by_role("link", name="folien.txt")).to_be_visible()
            expect(documents.locator(".attachment-image img")).to_have_count(1)
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)

            # The organizer removes one in the event's form; the other stays.
            page.goto(f"/termine/{event.pk}/bearbeiten/")
            field = page.get_by_role("group", name="Unterlagen")
            expect(field.locator(".upload-item input[name=attachments]")).to_have_count(2)
            field.get_by_role("button", name="folien.txt entfernen").click()
            expect(field.get_by_role("status")).to_have_text("folien.txt ist entfernt.")
            expect(field.get_by_role("button", name="foto.png entfernen")).to_be_focused()
            page.get_by_role("button", name="Speichern").click()
            documents = page.locator("section[aria-labelledby=documents-heading]")
            expect(documents.locator(".attachment-image img")).to_have_count(1)
            expect(documents.get_by_role("link", name="folien.txt")).to_have_count(0)
            assert [f.name for f in event.attachments.all()] == ["foto.png"]
        finally:
            context.close()


def test_on_a_phone_by_keyboard_a_picture_is_attached_and_placed_in_the_text(
    chromium, network, axe_script
):
    """320 px wide (WCAG 1.4.10), the picker reached and used by keyboard, a long
    name that wraps, and the picture placed in the text with Markdown."""
    name = "Dienstanweisung zur E-Akte im Bauamt, Fassung vom Dezember 2026 (Entwurf).png"
    with daphne() as address:
        base = f"http://{address}"
        context = new_context(chromium, base, network["anna"], bypass_csp=True)
        try:
            page = context.new_page()
            page.set_viewport_size({"width": 320, "height": 640})
            # Listening before the page loads: Chromium then hands every chooser to the test.
            chosen = []
            page.on(
                "filechooser",
                lambda chooser: (
                    chosen.append(chooser),
                    chooser.set_files(
                        files=[{"name": name, "mimeType": "image/png", "buffer": png(800, 600)}]
                    ),
                ),
            )
            page.goto("/forum/neu/")
            pick = page.get_by_role("button", name="Dateien anhängen")
            expect(pick).to_be_visible()  # uploads.js shows the picker
            pick.focus()
            page.keyboard.press("Enter")
            item = page.locator(".upload-item")
            expect(item.locator("img.upload-thumb")).to_be_visible()
            assert len(chosen) == 1  # the keyboard opened the file chooser
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)

            page.get_by_label("Kategorie").select_option(label="Austausch der Lotsen")
            page.get_by_label("Titel").fill("Die neue Dienstanweisung")
            text = page.get_by_label("Text", exact=False).first
            text.fill("So sieht sie aus:")
            item.get_by_role("button", name=f"Bild {name} in den Text einfügen").click()
            file_id = item.locator("input[name=attachments]").input_value()
            assert f"](/dateien/{file_id}/" in text.input_value()
            expect(page.locator(".composer-preview img")).to_have_count(1)
            page.get_by_role("button", name="Thema beginnen").click()

            expect(page.get_by_role("heading", level=1)).to_have_text("Die neue Dienstanweisung")
            first = page.locator("article.post").first
            expect(first.locator(".post-body img")).to_have_attribute(
                "src", re.compile(f"^/dateien/{file_id}/")
            )
            expect(first.locator(".attachment-image img")).to_have_count(1)
            page.wait_for_function(
                "() => [...document.querySelectorAll('article.post img')]"
                ".every((img) => img.complete && img.naturalWidth > 0)"
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
        finally:
            context.close()


def test_documents_of_a_project_are_uploaded_on_its_page(chromium, network, axe_script):
    anna = network["anna"]
    project = community_services.project_create(
        created_by=anna, municipality=anna.municipality, title="E-Akte im Bauamt", kind="tool"
    )
    with daphne() as address:
        base = f"http://{address}"
        context = new_context(chromium, base, anna, bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(f"/projekte/{project.pk}/")
            documents = page.locator("section[aria-labelledby=documents-heading]")
            drop(
                page,
                "section[aria-labelledby=documents-heading] form",
                [("zeitplan.txt", "text/plain", MINUTES)],
            )
            expect(documents.locator(".upload-item input[name=attachments]")).to_have_count(1)
            violations = blocking(axe_violations(page, axe_script))
            assert not violations, describe(violations)
            documents.get_by_role("button", name="Unterlagen hinzufügen").click()
            expect(page.locator(".messages")).to_contain_text("Die Unterlagen sind hinzugefügt.")
            expect(documents.get_by_role("link", name="zeitplan.txt")).to_be_visible()
            assert [f.name for f in project.attachments.all()] == ["zeitplan.txt"]
        finally:
            context.close()
