from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.index, name="index"),
    path("direkt/<slug:handle>/", views.direct, name="direct"),
    path("<str:slug>/", views.room, name="room"),
    path("<str:slug>/senden/", views.send, name="send"),
    path("<str:slug>/suche/", views.search, name="search"),
    path("<str:slug>/stumm/", views.mute, name="mute"),
    path("<str:slug>/verlassen/", views.leave, name="leave"),
    path("<str:slug>/schliessen/", views.close, name="close"),
    path("<str:slug>/nachricht/<int:seq>/loeschen/", views.delete_message, name="delete"),
]
