"""The member's own data; included without a namespace, so the URL names stay global."""

from django.urls import path

from privacy import views

urlpatterns = [
    path("profil/daten/", views.privacy_page, name="privacy"),
    path("profil/daten/export/", views.privacy_export, name="privacy_export"),
    path("profil/loeschen/", views.account_erase, name="account_erase"),
]
