"""Who may create which room: one rule (chat.access.can_create_room) for API and service."""

import pytest
from django.core.exceptions import ValidationError

from chat import services
from chat.models import Room, RoomKind

pytestmark = pytest.mark.django_db

NETWORK_ROOM = {"name": "Barrierefreiheit", "kind": "network", "is_private": False}


def test_a_plain_member_creates_no_network_room_through_the_api(member_api):
    response = member_api.post("/api/chat/rooms/", NETWORK_ROOM, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Nur die Moderation legt offene Themenräume an."
    assert not Room.objects.filter(kind=RoomKind.NETWORK).exists()


def test_a_plain_member_creates_no_network_room_through_the_service(member):
    with pytest.raises(ValidationError) as refused:
        services.room_create(created_by=member, name="Offen", kind=RoomKind.NETWORK)
    assert refused.value.code == "room_kind_forbidden"
    assert not Room.objects.filter(kind=RoomKind.NETWORK).exists()


def test_a_coordinator_is_no_moderator_for_network_rooms(api_client, coordinator):
    api_client.force_authenticate(coordinator)
    response = api_client.post("/api/chat/rooms/", NETWORK_ROOM, format="json")
    assert response.status_code == 403


def test_a_deactivated_member_creates_no_room_at_all(member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        services.room_create(created_by=member, name="Privat")
    assert not Room.objects.exists()


def test_moderators_create_network_rooms_and_members_private_ones(moderator, member):
    open_room = services.room_create(created_by=moderator, name="Offen", kind=RoomKind.NETWORK)
    private = services.room_create(created_by=member, name="Privat")
    assert (open_room.is_private, private.is_private) == (False, True)


def test_the_chat_page_offers_no_way_to_create_a_network_room(member_client):
    """Rooms are created over the API only; the page has no form that could skip the rule."""
    assert member_client.post("/chat/", {"name": "Offen", "kind": "network"}).status_code == 405
    assert not Room.objects.exists()
