"""What the pages show of attached files, and the upload widgets they carry.

Pictures are thumbnails that link to the full picture, other files a list
entry with name, type and size (templates/includes/attachments.html); every
form that can attach files has the widget, with the files it holds already
(templates/includes/attachments_field.html). Access to the files themselves
is tested with the apps that attach them.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services as community_services
from community.models import Role
from events import services as event_services
from files import services
from forum import services as forum_services
from tests.files import samples
from tests.forum.conftest import _category

pytestmark = pytest.mark.django_db


def upload(member, name, data):
    return services.file_upload(uploader=member, upload=samples.upload(name, data))


@pytest.fixture
def anna_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def thread_with_files(member, make_member):
    erika = make_member(display_name="Erika Expertin")
    thread = forum_services.thread_create(
        author=member, category=_category("austausch"), title="Dienstanweisung", body="Wer hat sie?"
    )
    picture = upload(erika, "scan.png", samples.png())
    minutes = upload(erika, "dienstanweisung.pdf", samples.pdf())
    post = forum_services.post_create(
        author=erika, thread=thread, body="Hier.", attachments=[picture.pk, minutes.pk]
    )
    return thread, post, picture, minutes


def test_a_thread_shows_pictures_as_thumbnails_and_files_with_type_and_size(
    anna_client, thread_with_files
):
    thread, _post, picture, minutes = thread_with_files
    response = anna_client.get(f"/forum/thema/{thread.pk}/?seite=1")
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert (
        f'<a class="attachment-image" href="/dateien/{picture.pk}/scan.png">'
        f'<img src="/dateien/{picture.pk}/vorschau/" alt="scan.png in voller Größe öffnen"'
    ) in html
    entry = re.search(
        r'<a class="attachment-file" href="([^"]+)">([^<]+)</a> <span class="meta">([^<]+)<', html
    )
    assert entry.groups() == (
        f"/dateien/{minutes.pk}/dienstanweisung.pdf",
        "dienstanweisung.pdf",
        "PDF-Dokument, " + re.search(r"\d+(,\d)? (Byte|KB)", entry.group(3)).group(0),
    )
    # The reply form below has the upload widget.
    assert 'class="uploader" data-uploader data-upload-url="/api/files/"' in html


def test_editing_a_post_shows_its_files_in_the_widget_and_carries_their_ids(
    client, thread_with_files
):
    _thread, post, picture, minutes = thread_with_files
    client.force_login(post.author)
    html = client.get(f"/forum/beitrag/{post.pk}/bearbeiten/").content.decode()
    for file in (picture, minutes):
        assert f'<li class="upload-item" data-id="{file.pk}"' in html
        assert f'name="attachments" value="{file.pk}"' in html  # the form's hidden input
    # Only the picture can be placed in the text.
    assert html.count('class="link-button upload-insert"') == 1


def test_the_new_thread_form_has_the_widget(anna_client):
    html = anna_client.get("/forum/neu/").content.decode()
    assert "data-uploader" in html
    assert "js/uploads.js" in html


def test_a_chat_message_of_only_a_file_shows_the_file(anna_client, member):
    room = chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    shot = upload(member, "bildschirmfoto.png", samples.png())
    chat_services.message_post(
        room=room, author=member, body="", client_id="nur-bild", attachments=[str(shot.pk)]
    )
    html = anna_client.get("/chat/allgemein/").content.decode()
    assert (
        f'<img src="/dateien/{shot.pk}/vorschau/" alt="bildschirmfoto.png in voller Größe öffnen"'
        in html
    )
    # The composer: the widget, and the texts for messages that arrive live.
    assert 'id="attachment-texts"' in html
    assert 'data-insert="0"' in html


@pytest.fixture
def meeting(make_member, municipality):
    organizer = make_member(municipality=municipality, role=Role.COORDINATOR)
    starts = timezone.localtime().replace(microsecond=0) + dt.timedelta(days=3)
    event = event_services.event_create(
        created_by=organizer,
        title="Netzwerktreffen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        format="in_person",
        location="Rathaus",
        hosting_municipality=municipality,
    )
    return event, organizer


def test_an_event_lists_its_documents_and_only_who_may_add_gets_the_form(client, meeting, member):
    event, organizer = meeting
    slides = upload(organizer, "folien.pdf", samples.pdf())
    event_services.event_files_add(event=event, member=organizer, attachments=[slides.pk])

    client.force_login(organizer)
    html = client.get(f"/termine/{event.pk}/").content.decode()
    assert "folien.pdf</a>" in html
    assert f'action="/termine/{event.pk}/unterlagen/"' in html
    assert "data-uploader" in html

    client.force_login(member)  # before the event, not a participant
    html = client.get(f"/termine/{event.pk}/").content.decode()
    assert "folien.pdf</a>" in html
    assert "data-uploader" not in html


def test_the_event_form_holds_the_documents(client, meeting):
    event, organizer = meeting
    slides = upload(organizer, "folien.pdf", samples.pdf())
    event_services.event_files_add(event=event, member=organizer, attachments=[slides.pk])
    client.force_login(organizer)
    html = client.get(f"/termine/{event.pk}/bearbeiten/").content.decode()
    assert f'<li class="upload-item" data-id="{slides.pk}"' in html
    assert "<legend>Unterlagen</legend>" in html


def test_the_profile_shows_the_photo_editor_and_the_space_the_files_take(
    anna_client, member, settings
):
    settings.FILES_QUOTA_BYTES = 10 * 1024 * 1024
    html = anna_client.get("/profil/").content.decode()
    assert "Ihre Dateien belegen 0 Byte von 10,0 MB." in html
    assert "data-photo-editor" in html
    upload(member, "gross.png", samples.png(size=(400, 300)))
    html = anna_client.get("/profil/").content.decode()
    assert re.search(r"Ihre Dateien belegen [1-9]\d*(,\d)? (Byte|KB) von 10,0 MB\.", html)


def test_a_project_lists_its_documents_and_its_people_get_the_widget(
    anna_client, member, municipality, make_member, client
):
    plan = upload(member, "zeitplan.pdf", samples.pdf())
    project = community_services.project_create(
        created_by=member,
        municipality=municipality,
        title="E-Akte",
        kind="tool",
        attachments=[plan.pk],
    )
    html = anna_client.get(f"/projekte/{project.pk}/").content.decode()
    assert "zeitplan.pdf</a>" in html
    assert f'action="/projekte/{project.pk}/unterlagen/"' in html
    assert "data-uploader" in html and "js/uploads.js" in html

    html = anna_client.get(f"/projekte/{project.pk}/bearbeiten/").content.decode()
    assert f'<li class="upload-item" data-id="{plan.pk}"' in html

    client.force_login(make_member(display_name="Olaf Otto"))  # not taking part
    html = client.get(f"/projekte/{project.pk}/").content.decode()
    assert "zeitplan.pdf</a>" in html
    assert "data-uploader" not in html
