from django.urls import path

from community import oidc_views, views

urlpatterns = [
    path("anmelden/", views.LoginView.as_view(), name="login"),
    path("abmelden/", oidc_views.LogoutView.as_view(), name="logout"),
    path("anmelden/oidc/callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path("anmelden/oidc/verknuepfen/", oidc_views.oidc_link, name="oidc_link"),
    path("anmelden/zweiter-faktor/", views.second_factor_signin, name="second_factor_signin"),
    path(
        "anmelden/zweiter-faktor/passkey/optionen/",
        views.second_factor_signin_passkey_options,
        name="second_factor_signin_passkey_options",
    ),
    path(
        "anmelden/zweiter-faktor/passkey/",
        views.second_factor_signin_passkey,
        name="second_factor_signin_passkey",
    ),
    path("profil/zweiter-faktor/", views.second_factor_manage, name="second_factor_manage"),
    path("profil/zweiter-faktor/app/", views.totp_setup, name="second_factor_totp_setup"),
    path(
        "profil/zweiter-faktor/app/entfernen/",
        views.totp_remove,
        name="second_factor_totp_remove",
    ),
    path(
        "profil/zweiter-faktor/passkeys/optionen/",
        views.passkey_register_options,
        name="second_factor_passkey_options",
    ),
    path(
        "profil/zweiter-faktor/passkeys/",
        views.passkey_register,
        name="second_factor_passkey_register",
    ),
    path(
        "profil/zweiter-faktor/passkeys/<int:pk>/entfernen/",
        views.passkey_remove,
        name="second_factor_passkey_remove",
    ),
    path(
        "profil/zweiter-faktor/wiederherstellungscodes/",
        views.recovery_codes_renew,
        name="second_factor_recovery_codes",
    ),
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
    path(
        "kommunen/<slug:slug>/identitaetsanbieter/",
        views.municipality_oidc,
        name="municipality_oidc",
    ),
]
