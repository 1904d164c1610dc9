"""The member's own data and the legal pages; included without a namespace, so the URL
names stay global."""

from django.urls import path

from privacy import views

LEGAL_PAGES = {
    "impressum": "impressum",
    "datenschutz": "datenschutz",
    "barrierefreiheit": "barrierefreiheit",
}

urlpatterns = [
    path("profil/daten/", views.privacy_page, name="privacy"),
    path("profil/daten/export/", views.privacy_export, name="privacy_export"),
    path("profil/loeschen/", views.account_erase, name="account_erase"),
    *[
        path(f"{slug}/", views.legal, {"page": page}, name=f"legal_{page}")
        for slug, page in LEGAL_PAGES.items()
    ],
]
