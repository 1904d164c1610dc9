"""Documents of events ("Unterlagen"): organizers any time, confirmed participants from the
start on; who sees them (an internal event: its audience only); what the list costs."""

import datetime as dt

import pytest
from django.utils import timezone

from events import services as event_services
from events.models import Event
from tests.files.attach import api_status, gone, pdf, statuses, upload
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def _started(event: Event) -> Event:
    """The event began an hour ago (and ends in an hour)."""
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1)
    )
    event.refresh_from_db()
    return event


def test_organizers_attach_documents_on_creation_and_replace_them_on_edit(
    api_client, organizer, municipality
):
    slides, minutes = pdf(organizer, name="Folien.pdf"), pdf(organizer, name="Protokoll.pdf")
    api_client.force_authenticate(organizer)
    start = timezone.now() + dt.timedelta(days=3)
    response = api_client.post(
        "/api/events/",
        {
            "title": "Netzwerktreffen",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "timezone": "Europe/Berlin",
            "attachments": [str(slides.pk)],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [f["name"] for f in response.json()["attachments"]] == ["Folien.pdf"]
    event_id = response.json()["id"]
    response = api_client.patch(
        f"/api/events/{event_id}/", {"attachments": [str(minutes.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert [f["name"] for f in response.json()["attachments"]] == ["Protokoll.pdf"]
    assert gone(slides)


def test_a_participant_adds_documents_only_once_the_event_has_begun(
    api_client, make_event, make_member, organizer
):
    event = make_event()
    participant = make_member()
    event_services.signup_create(event=event, member=participant)
    file = pdf(participant, name="Mitschrift.pdf")
    api_client.force_authenticate(participant)
    url = f"/api/events/{event.pk}/attachments/"
    assert api_client.post(url, {"attachments": [str(file.pk)]}, format="json").status_code == 403
    # The organizers' documents stay when a participant adds one.
    theirs = pdf(organizer)
    event_services.event_update(event=event, by=organizer, attachments=[theirs.pk])
    _started(event)
    response = api_client.post(url, {"attachments": [str(file.pk)]}, format="json")
    assert response.status_code == 200, response.content
    assert {f["id"] for f in response.json()["attachments"]} == {str(theirs.pk), str(file.pk)}
    # The participant deletes their own document, not the organizers'.
    assert api_client.delete(f"/api/files/{theirs.pk}/").status_code == 403
    assert api_client.delete(f"/api/files/{file.pk}/").status_code == 204


def test_only_confirmed_participants_add_documents(api_client, make_event, make_member):
    event = _started(make_event(capacity=1))
    confirmed, waiting, onlooker = make_member(), make_member(), make_member()
    event_services.signup_create(event=event, member=confirmed)
    event_services.signup_create(event=event, member=waiting)  # on the waiting list
    for member in (waiting, onlooker):
        api_client.force_authenticate(member)
        response = api_client.post(
            f"/api/events/{event.pk}/attachments/",
            {"attachments": [str(upload(member).pk)]},
            format="json",
        )
        assert response.status_code == 403


def test_nobody_adds_documents_to_a_cancelled_event(api_client, make_event, make_member):
    event = make_event()
    participant = make_member()
    event_services.signup_create(event=event, member=participant)
    _started(event)
    event_services.event_cancel(event=event)
    api_client.force_authenticate(participant)
    response = api_client.post(
        f"/api/events/{event.pk}/attachments/",
        {"attachments": [str(upload(participant).pk)]},
        format="json",
    )
    assert response.status_code in (403, 404)


def test_an_organizer_removes_a_participants_document(api_client, make_event, make_member):
    event = make_event()
    participant = make_member()
    event_services.signup_create(event=event, member=participant)
    _started(event)
    file = upload(participant)
    event_services.event_files_add(event=event, member=participant, attachments=[file.pk])
    api_client.force_authenticate(event.organizers.first())
    assert api_client.delete(f"/api/files/{file.pk}/").status_code == 204
    assert gone(file)


def test_an_internal_events_documents_are_404_for_other_municipalities(
    api_client, client, make_event, organizer, municipality, make_member, make_municipality
):
    event = make_event(audience="municipality", audience_municipality=municipality)
    file = pdf(organizer)
    event_services.event_update(event=event, by=organizer, attachments=[file.pk])
    colleague = make_member(municipality=municipality)
    stranger = make_member(municipality=make_municipality())
    assert statuses(api_client, client, colleague, file) == (200, 200)
    assert statuses(api_client, client, stranger, file) == (404, 404)
    api_client.force_authenticate(stranger)
    assert (
        api_client.post(
            f"/api/events/{event.pk}/attachments/",
            {"attachments": [str(upload(stranger).pk)]},
            format="json",
        ).status_code
        == 404
    )


def test_the_event_page_lists_its_documents_and_the_form_adds_some(
    client, make_event, make_member, organizer
):
    event = make_event()
    file = pdf(organizer, name="Agenda.pdf")
    event_services.event_update(event=event, by=organizer, attachments=[file.pk])
    participant = make_member()
    event_services.signup_create(event=event, member=participant)
    _started(event)
    client.force_login(participant)
    page = client.get(f"/termine/{event.pk}/").content.decode()
    assert "Agenda.pdf" in page and file.get_absolute_url() in page
    mine = upload(participant)
    response = client.post(f"/termine/{event.pk}/unterlagen/", {"attachments": [str(mine.pk)]})
    assert response.status_code == 302
    assert {f.pk for f in event.attachments.all()} == {file.pk, mine.pk}


def test_the_event_list_costs_the_same_with_documents(
    api_client, make_event, organizer, django_assert_num_queries
):
    make_event()
    api_client.force_authenticate(organizer)

    def grow():
        for n in range(10):
            event = make_event(title=f"Treffen {n}")
            event_services.event_update(
                event=event, by=organizer, attachments=[upload(organizer).pk, pdf(organizer).pk]
            )

    assert_constant_queries(api_client, "/api/events/", grow, django_assert_num_queries, status=200)


def test_a_deactivated_organizer_loses_the_documents_too(api_client, make_event, organizer):
    event = make_event()
    file = pdf(organizer)
    event_services.event_update(event=event, by=organizer, attachments=[file.pk])
    assert api_status(api_client, organizer, file) == 200
    organizer.is_active = False
    organizer.save(update_fields=["is_active"])
    assert api_status(api_client, organizer, file) == 404


def test_an_event_deleted_in_the_admin_takes_its_documents_along(make_event, organizer):
    event = make_event()
    file = pdf(organizer)
    event_services.event_update(event=event, by=organizer, attachments=[file.pk])
    Event.objects.filter(pk=event.pk).delete()
    assert gone(file)
