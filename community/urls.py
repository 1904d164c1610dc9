from django.contrib.auth import views as auth_views
from django.urls import path

from community import views

urlpatterns = [
    path("anmelden/", views.LoginView.as_view(), name="login"),
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("registrieren/", views.signup, name="signup"),
    path("registrieren/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("einladung/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("passwort-vergessen/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort-neu/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort-neu/fertig/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("menschen/<slug:handle>/", views.member_detail, name="member_detail"),
    path("profil/", views.profile_edit, name="profile_edit"),
    path("profil/erfahrung/", views.expertise_edit, name="expertise_edit"),
    path("profil/passwort/", views.password_change, name="password_change"),
    path(
        "profil/zugangsschluessel/<int:pk>/widerrufen/",
        views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("profil/qualifizierung/", views.qualification_add, name="qualification_add"),
    path(
        "qualifizierung/<int:pk>/bestaetigen/",
        views.qualification_confirm,
        name="qualification_confirm",
    ),
    path(
        "qualifizierung/<int:pk>/entfernen/",
        views.qualification_delete,
        name="qualification_delete",
    ),
    path("projekte/neu/", views.project_create, name="project_create"),
    path("projekte/<int:pk>/bearbeiten/", views.project_edit, name="project_edit"),
    path("projekte/<int:pk>/unterlagen/", views.project_documents, name="project_documents"),
    path(
        "projekte/<int:pk>/einladung/annehmen/",
        views.project_invitation_answer,
        {"answer": "accept"},
        name="project_invitation_accept",
    ),
    path(
        "projekte/<int:pk>/einladung/ablehnen/",
        views.project_invitation_answer,
        {"answer": "decline"},
        name="project_invitation_decline",
    ),
    path("einladen/", views.invite, name="invite"),
]
