"""REST routes of the chat app, mounted under /api/ by config/urls.py."""

from django.urls import path

from chat import api

urlpatterns = [
    path("chat/rooms/", api.RoomListView.as_view(), name="api_chat_rooms"),
    path("chat/rooms/<str:slug>/", api.RoomDetailView.as_view(), name="api_chat_room"),
    path(
        "chat/rooms/<str:slug>/members/",
        api.RoomMemberListView.as_view(),
        name="api_chat_room_members",
    ),
    path(
        "chat/rooms/<str:slug>/messages/",
        api.MessageListView.as_view(),
        name="api_chat_messages",
    ),
    path(
        "chat/rooms/<str:slug>/messages/<int:seq>/",
        api.MessageDetailView.as_view(),
        name="api_chat_message",
    ),
    path(
        "chat/rooms/<str:slug>/membership/",
        api.MembershipView.as_view(),
        name="api_chat_membership",
    ),
    path("chat/rooms/<str:slug>/close/", api.RoomCloseView.as_view(), name="api_chat_close"),
    path("chat/direct/", api.DirectRoomView.as_view(), name="api_chat_direct"),
]
