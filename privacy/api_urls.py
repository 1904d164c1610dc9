from django.urls import path

from privacy import api

urlpatterns = [
    path("members/me/export/", api.MemberExportView.as_view(), name="member-export"),
]
