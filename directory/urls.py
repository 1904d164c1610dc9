"""The directory's pages; included without a namespace, so the URL names stay global."""

from django.urls import path

from directory import views

urlpatterns = [
    path("suche/", views.search, name="search"),
    path("menschen/", views.member_list, name="member_list"),
    path("fachgebiete/<slug:slug>/", views.expertise_detail, name="expertise_detail"),
    path("projekte/", views.project_list, name="project_list"),
    path("projekte/<int:pk>/", views.project_detail, name="project_detail"),
    path("werkzeuge/<slug:key>/", views.tool_detail, name="tool_detail"),
]
