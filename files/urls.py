"""Download addresses of files, mounted at /dateien/ by config/urls.py."""

from django.urls import path

from files import views

urlpatterns = [
    path("<uuid:pk>/vorschau/", views.thumbnail, name="file_thumbnail"),
    path("<uuid:pk>/<path:name>", views.download, name="file_download"),
]
