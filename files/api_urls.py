"""REST routes of the files app, mounted under /api/ by config/urls.py."""

from django.urls import path

from files import api

urlpatterns = [
    path("files/", api.FileUploadView.as_view(), name="api_file_upload"),
    path("files/<uuid:pk>/", api.FileDetailView.as_view(), name="api_file_detail"),
]
