"""Writes of the community app, one module per subject.

Every function is keyword-only, runs in one transaction and sends its e-mails
only once that transaction has committed. This package re-exports every name
the single ``community/services.py`` had, so ``services.x(...)`` and
``from community.services import x`` keep working; the bell's services moved up
to ``notifications.services``, the search index's to ``directory.services`` (it is
rebuilt on ``community.signals.member_profiles_changed``) (issue 17).
"""

from django.core.exceptions import ValidationError

# Reads that moved to community.selectors, still named here for their callers.
from community.selectors import invitation_for_token, municipality_for_email
from community.services._common import unique_handle
from community.services._helpers import (
    GERMAN_TRANSLITERATION,
    _group_send,
    german_slugify,
    hash_token,
    normalize_domain,
)
from community.services.expertise import (
    member_set_expertise,
    member_update_me,
    qualification_add,
    qualification_confirm,
    qualification_delete,
)
from community.services.members import (
    member_access_changed,
    member_create,
    member_deactivate,
    member_language_remember,
    member_password_set,
    member_sessions_end,
    member_sockets_changed_on_commit,
    member_update,
    member_update_profile,
)
from community.services.municipalities import (
    municipality_create,
    municipality_reindex,
    municipality_update,
)
from community.services.oidc import (
    OidcOutcome,
    oidc_link,
    oidc_members_expire,
    oidc_provider_approve,
    oidc_provider_for_email,
    oidc_provider_remove,
    oidc_provider_set,
    oidc_required_for,
    oidc_signin,
)
from community.services.onboarding import (
    INVITABLE_ROLE_CHOICES,
    INVITABLE_ROLES,
    SIGNUP_SALT,
    invitation_accept,
    invitation_send,
    member_invite,
    signup_complete,
    signup_email_for_token,
    signup_request,
)
from community.services.photos import member_photo_set
from community.services.projects import (
    PROJECT_FIELDS,
    project_create,
    project_delete,
    project_files_add,
    project_invitation_accept,
    project_invitation_decline,
    project_update,
    tool_key,
    tool_reindex,
    tools_get_or_create,
)
from community.services.second_factor import (
    OTP_MAX_LENGTH,
    RECOVERY_CODES,
    member_has_second_factor,
    otp_shape_message,
    otp_well_formed,
    passkey_authentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
    passkey_use,
    recovery_codes_renew,
    second_factor_code_use,
    second_factor_missing,
    second_factor_required,
    second_factor_reset,
    totp_begin,
    totp_confirm,
    totp_provisioning_uri,
    totp_remove,
    totp_secret,
)
from community.services.tokens import (
    API_TOKEN_LABEL_LENGTH,
    API_TOKENS_PER_MEMBER,
    api_token_revoke,
    member_token,
)
from core.addresses import canonical_email, email_domain, normalize_email
from core.markdown import render_markdown

__all__ = [
    "API_TOKENS_PER_MEMBER",
    "API_TOKEN_LABEL_LENGTH",
    "GERMAN_TRANSLITERATION",
    "INVITABLE_ROLES",
    "INVITABLE_ROLE_CHOICES",
    "OTP_MAX_LENGTH",
    "PROJECT_FIELDS",
    "RECOVERY_CODES",
    "SIGNUP_SALT",
    "OidcOutcome",
    "ValidationError",
    "_group_send",
    "api_token_revoke",
    "canonical_email",
    "email_domain",
    "german_slugify",
    "hash_token",
    "invitation_accept",
    "invitation_for_token",
    "invitation_send",
    "member_access_changed",
    "member_create",
    "member_deactivate",
    "member_has_second_factor",
    "member_invite",
    "member_language_remember",
    "member_password_set",
    "member_photo_set",
    "member_sessions_end",
    "member_set_expertise",
    "member_sockets_changed_on_commit",
    "member_token",
    "member_update",
    "member_update_me",
    "member_update_profile",
    "municipality_create",
    "municipality_for_email",
    "municipality_reindex",
    "municipality_update",
    "normalize_domain",
    "normalize_email",
    "oidc_link",
    "oidc_members_expire",
    "oidc_provider_approve",
    "oidc_provider_for_email",
    "oidc_provider_remove",
    "oidc_provider_set",
    "oidc_required_for",
    "oidc_signin",
    "otp_shape_message",
    "otp_well_formed",
    "passkey_authentication_options",
    "passkey_register",
    "passkey_registration_options",
    "passkey_remove",
    "passkey_use",
    "project_create",
    "project_delete",
    "project_files_add",
    "project_invitation_accept",
    "project_invitation_decline",
    "project_update",
    "qualification_add",
    "qualification_confirm",
    "qualification_delete",
    "recovery_codes_renew",
    "render_markdown",
    "second_factor_code_use",
    "second_factor_missing",
    "second_factor_required",
    "second_factor_reset",
    "signup_complete",
    "signup_email_for_token",
    "signup_request",
    "tool_key",
    "tool_reindex",
    "tools_get_or_create",
    "totp_begin",
    "totp_confirm",
    "totp_provisioning_uri",
    "totp_remove",
    "totp_secret",
    "unique_handle",
]
