from django.urls import path

from forum import views

app_name = "forum"
urlpatterns = [
    path("", views.index, name="index"),
    path("suche/", views.search, name="search"),
    path("neu/", views.thread_create, name="thread_create"),
    path("vorschau/", views.preview, name="preview"),
    path("erwaehnen/", views.mention_suggestions, name="mentions"),
    path("moderation/", views.moderation, name="moderation"),
    path("kategorie/<slug:slug>/", views.category, name="category"),
    path("kategorie/<slug:slug>/beobachten/", views.watch_category, name="watch_category"),
    path("fachgebiet/<slug:slug>/beobachten/", views.watch_tag, name="watch_tag"),
    path("thema/<int:pk>/", views.thread, name="thread"),
    path("thema/<int:pk>/antworten/", views.reply, name="reply"),
    path("thema/<int:pk>/beobachten/", views.watch, name="watch"),
    path("thema/<int:pk>/moderieren/", views.thread_moderate, name="thread_moderate"),
    path("thema/<int:pk>/bearbeiten/", views.thread_edit, name="thread_edit"),
    path("thema/<int:pk>/versionen/", views.thread_history, name="thread_history"),
    path("thema/<int:pk>/zeile/", views.thread_row, name="thread_row"),
    path("beitrag/<int:pk>/", views.post, name="post"),
    path("beitrag/<int:pk>/bearbeiten/", views.post_edit, name="post_edit"),
    path("beitrag/<int:pk>/loeschen/", views.post_delete, name="post_delete"),
    path("beitrag/<int:pk>/versionen/", views.history, name="history"),
    path("beitrag/<int:pk>/html/", views.post_fragment, name="post_fragment"),
    path("beitrag/<int:pk>/reaktion/", views.react, name="react"),
    path("beitrag/<int:pk>/loesung/", views.solution, name="solution"),
    path("beitrag/<int:pk>/melden/", views.flag, name="flag"),
    path("beitrag/<int:pk>/ausblenden/", views.post_hide, name="post_hide"),
    path("beitrag/<int:pk>/einblenden/", views.post_unhide, name="post_unhide"),
    path("meldung/<int:pk>/erledigt/", views.flag_resolve, name="flag_resolve"),
]
