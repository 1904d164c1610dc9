from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("", views.index, name="index"),
    path("monat/", views.month, name="month_current"),
    path("monat/<int:year>/<int:month>/", views.month, name="month"),
    path("archiv/", views.archive, name="archive"),
    path("neu/", views.create, name="create"),
    path("kalender-abo/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/termin.ics", views.event_ics, name="ics"),
    path("<int:pk>/bearbeiten/", views.edit, name="edit"),
    path("<int:pk>/unterlagen/", views.add_documents, name="add_documents"),
    path("<int:pk>/anmelden/", views.signup, name="signup"),
    path("<int:pk>/abmelden/", views.cancel_signup, name="cancel_signup"),
    path("<int:pk>/teilnehmende/", views.attendees, name="attendees"),
    path("<int:pk>/teilnehmende.csv", views.attendees_csv, name="attendees_csv"),
    path(
        "<int:pk>/teilnehmende/<int:member_id>/austragen/",
        views.attendee_remove,
        name="attendee_remove",
    ),
    path("<int:pk>/anmeldung-schliessen/", views.close_signups, name="close_signups"),
    path("<int:pk>/absagen/", views.cancel_event, name="cancel"),
]
