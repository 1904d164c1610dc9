"""Forms of the community pages. They parse and validate input; services write."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from community import services
from community.backends import password_check, second_factor_check, sign_in
from community.models import (
    Level,
    Municipality,
    Project,
    Qualification,
    Role,
    User,
)
from community.oidc import OidcError, discovery_probe
from core.addresses import canonical_email
from core.concurrency import version_field
from core.forms import ATTACHMENTS_SENT, AttachmentIdsField


def _login_email_field(**attrs) -> forms.EmailField:
    # autocomplete="username" on both steps: password managers pair it with the password.
    return forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse ein."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@kommune.de."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", **attrs}),
    )


class LoginEmailForm(forms.Form):
    """The sign-in's first step: the address alone decides where the password is asked."""

    username = _login_email_field(autofocus=True)


class LoginForm(AuthenticationForm):
    """Sign in by e-mail address, throttled per account (see core.throttling).

    The second step of the sign-in page: the address is shown read-only (a password
    manager still sees it), the password field has the focus.
    """

    username = _login_email_field(readonly=True)
    password = forms.CharField(
        label=_("Passwort"),
        strip=False,
        error_messages={"required": _("Bitte geben Sie Ihr Passwort ein.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = sign_in(request=self.request, email=email, password=password)
        return self.cleaned_data


class OidcLinkForm(forms.Form):
    """The password, once, to link an existing account to the municipality's provider."""

    password = forms.CharField(
        label=_("Passwort"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class MemberPasswordResetForm(PasswordResetForm):
    """Finds the account by its canonical address, in any spelling.

    (Django's own lookup is case-insensitive in the database, whose idea of
    case differs from Python's.) The mail goes to the account's stored
    address, never to the spelling that was typed.
    """

    def get_users(self, email):
        users = User._default_manager.filter(email_canonical=canonical_email(email), is_active=True)
        return (user for user in users if user.has_usable_password())


class AdminLoginForm(AdminAuthenticationForm):
    """The admin login on the sign-in throttle (community.backends.sign_in); staff only."""

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = sign_in(request=self.request, email=email, password=password)
            self.confirm_login_allowed(self.user_cache)
            if services.member_has_second_factor(self.user_cache):
                # The admin login knows no second step: such accounts use the sign-in page.
                raise ValidationError(
                    _(
                        "Ihr Konto ist mit einem zweiten Faktor geschützt. Bitte melden Sie "
                        "sich über die Anmeldeseite an."
                    ),
                    code="second_factor",
                )
        return self.cleaned_data


class ResettingSetPasswordForm(SetPasswordForm):
    """Setting a new password by e-mail link ends every other session and every API
    token of the account (whoever had them is out) and lifts a sign-in lockout."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        session = getattr(self.request, "session", None)
        return services.member_password_set(
            member=self.user,
            password=self.cleaned_data["new_password1"],
            except_session_key=session.session_key if session is not None else None,
        )


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Changing the password: the old one is checked on the sign-in throttle."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        password_check(request=self.request, member=self.user, password=old_password)
        return old_password


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Passwort"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Mindestens 10 Zeichen, nicht nur Ziffern, kein gängiges Passwort."),
    )
    password2 = forms.CharField(
        label=_("Passwort wiederholen"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_password2(self):
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise ValidationError(
                _("Die Passwörter stimmen nicht überein."), code="password_mismatch"
            )
        if password2:
            password_validation.validate_password(password2, self.password_user())
        return password2

    def password_user(self) -> User | None:
        return None


class AccountSetupForm(PasswordPairMixin):
    """Last step of an invitation or a sign-up: name and password."""

    display_name = forms.CharField(
        label=_("Anzeigename"),
        max_length=150,
        help_text=_("So sehen andere Mitglieder Sie, z. B. „Anna Schmidt“."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["display_name", "password1", "password2"]

    def __init__(self, *args, email: str = "", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        return User(email=self.email, display_name=self.cleaned_data.get("display_name", ""))


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Dienstliche E-Mail-Adresse"),
        max_length=254,
        help_text=_("Die Adresse Ihrer Kommune, z. B. vorname.nachname@wetzlar.de."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "department", "position", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"bio": _("Markdown ist möglich: **fett**, *kursiv*, Listen, Links.")}


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    display_name = forms.CharField(label=_("Name"), max_length=150)
    municipality = forms.ModelChoiceField(
        label=_("Kommune"), queryset=Municipality.objects.none(), to_field_name="slug"
    )
    role = forms.ChoiceField(
        label=_("Rolle"),
        choices=[
            (Role.MEMBER.value, Role.MEMBER.label),
            (Role.COORDINATOR.value, Role.COORDINATOR.label),
        ],
        initial=Role.MEMBER,
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].slug


class ExpertiseForm(forms.Form):
    """One level choice and one "möchte ich lernen" box per field of the taxonomy."""

    def __init__(self, *args, member: User, fields_of_expertise, **kwargs):
        super().__init__(*args, **kwargs)
        declared = {e.expertise_id: e.level for e in member.expertise_entries.all()}
        learning = {e.pk for e in member.learning_interests.all()}
        self.expertise = list(fields_of_expertise)
        for field in self.expertise:
            self.fields[f"level_{field.slug}"] = forms.TypedChoiceField(
                label=field.name,
                choices=[("", _("keine Angabe")), *Level.choices],
                coerce=int,
                empty_value=None,
                required=False,
                initial=declared.get(field.pk, ""),
                help_text=field.description,
            )
            self.fields[f"learn_{field.slug}"] = forms.BooleanField(
                label=_("%(name)s: möchte ich lernen") % {"name": field.name},
                required=False,
                initial=field.pk in learning,
            )

    def rows(self):
        for field in self.expertise:
            yield field, self[f"level_{field.slug}"], self[f"learn_{field.slug}"]

    def declared(self) -> dict[str, int]:
        return {
            f.slug: self.cleaned_data[f"level_{f.slug}"]
            for f in self.expertise
            if self.cleaned_data.get(f"level_{f.slug}")
        }

    def learning(self) -> list[str]:
        return [f.slug for f in self.expertise if self.cleaned_data.get(f"learn_{f.slug}")]


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["programme", "cohort", "completed_on", "appointed_on"]
        widgets = {
            "completed_on": forms.DateInput(attrs={"type": "date"}),
            "appointed_on": forms.DateInput(attrs={"type": "date"}),
        }


class ProjectForm(forms.ModelForm):
    tools = forms.CharField(
        label=_("Werkzeuge und Produkte"),
        required=False,
        max_length=1000,
        help_text=_("Durch Kommas getrennt, z. B. „enaio, Microsoft Teams“."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ein Link pro Zeile; nach der Adresse darf ein Titel folgen."),
    )
    # Editing carries the version it started from (core.concurrency).
    version = version_field()
    # The documents: ids of uploaded files, hidden inputs of the page's uploader.
    attachments = AttachmentIdsField()

    class Meta:
        model = Project
        fields = [
            "title",
            "kind",
            "status",
            "members",
            "started_on",
            "ended_on",
            "body",
            "lessons_learned",
            "is_published",
        ]
        widgets = {
            "started_on": forms.DateInput(attrs={"type": "date"}),
            "ended_on": forms.DateInput(attrs={"type": "date"}),
            "body": forms.Textarea(attrs={"rows": 8}),
            "lessons_learned": forms.Textarea(attrs={"rows": 6}),
            "members": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, municipality: Municipality, **kwargs):
        super().__init__(*args, **kwargs)
        people = models.Q(municipality=municipality)
        if self.instance.pk:
            # People of other municipalities already in (or asked into) the project
            # stay choices, so that saving the form keeps them.
            people |= models.Q(projects=self.instance) | models.Q(
                project_invitations__project=self.instance
            )
        self.fields["members"].queryset = (
            User.objects.filter(people, is_active=True).distinct().order_by("display_name")
        )
        self.fields["members"].required = False
        self.fields["members"].help_text = _(
            "Wen Sie neu auswählen, wird eingeladen und ist erst beteiligt, wenn er oder sie "
            "annimmt."
        )
        if self.instance.pk:
            self.initial["version"] = self.instance.version
            # Open invitations stay ticked, so saving the form does not withdraw them.
            self.initial["members"] = [
                *self.instance.members.values_list("pk", flat=True),
                *self.instance.invitations.values_list("member_id", flat=True),
            ]
            self.initial["tools"] = ", ".join(t.name for t in self.instance.tools.all())
            self.initial["links"] = "\n".join(
                f"{link.url} {link.title}".strip() for link in self.instance.links.all()
            )
            self.initial["attachments"] = [str(f.pk) for f in self.instance.attachments.all()]

    def clean_tools(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["tools"].split(",") if n.strip()]
        if len(names) > 30:
            raise ValidationError(_("Höchstens 30 Werkzeuge."), code="too_many")
        return names

    def clean_links(self) -> list[tuple[str, str]]:
        links = []
        for line in self.cleaned_data["links"].splitlines():
            url, _sep, title = line.strip().partition(" ")
            if not url:
                continue
            URLValidator(schemes=["http", "https"])(url)
            links.append((url, title.strip()[:200]))
        return links

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)  # the edit's precondition (expected_version), not a field
        data["members"] = list(data["members"])
        # Editing: the files change only when the form sent its list (core.forms).
        if self.instance.pk and not ("attachments" in self.data or ATTACHMENTS_SENT in self.data):
            data["attachments"] = None
        return data


class DocumentsForm(forms.Form):
    """Documents added to a project by its people (hidden inputs of the page's uploader)."""

    attachments = AttachmentIdsField(required=True)


# --- second factor (issue 21) ---------------------------------------------------------------
class OtpField(forms.CharField):
    """A code from the authenticator app, or a recovery code; its shape is checked here."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", services.OTP_MAX_LENGTH)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not services.otp_well_formed(value):
            raise ValidationError(services.otp_shape_message(), code="otp_malformed")


class SecondFactorCodeForm(forms.Form):
    """The second step of signing in: a code, checked on the sign-in throttle."""

    otp = OtpField(
        help_text=_(
            "Die 6 Ziffern aus Ihrer Authenticator-App oder einer Ihrer Wiederherstellungscodes."
        )
    )

    def __init__(self, *args, request, member: User, **kwargs):
        self.request = request
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["otp"].widget.attrs["autofocus"] = True

    def clean_otp(self):
        otp = self.cleaned_data["otp"]
        second_factor_check(request=self.request, member=self.member, otp=otp)
        return otp


class TotpConfirmForm(forms.Form):
    otp = OtpField(
        label=_("Code aus der App"),
        help_text=_("Die 6 Ziffern, die Ihre Authenticator-App jetzt zeigt."),
    )


class FactorChangeForm(forms.Form):
    """Removing a factor or renewing recovery codes: the password or a current code."""

    password = forms.CharField(
        label=_("Passwort"),
        required=False,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = OtpField(label=_("oder ein aktueller Code"), required=False)

    def __init__(self, *args, request, member: User, **kwargs):
        self.request = request
        self.member = member
        super().__init__(*args, **kwargs)

    def clean(self):
        password = self.cleaned_data.get("password")
        otp = self.cleaned_data.get("otp")
        if self.errors:
            return self.cleaned_data
        if password:
            password_check(request=self.request, member=self.member, password=password)
        elif otp:
            second_factor_check(request=self.request, member=self.member, otp=otp)
        else:
            raise ValidationError(
                _("Bitte bestätigen Sie mit Ihrem Passwort oder einem aktuellen Code."),
                code="required",
            )
        return self.cleaned_data


class OidcProposalForm(forms.Form):
    """A coordinator's proposal for the municipality's identity provider.

    The client secret is write-only (never rendered back); the issuer must be https,
    public (for coordinators) and answer with its discovery document before the
    proposal is stored.
    """

    issuer = forms.URLField(
        label=_("Aussteller (Issuer)"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Die Issuer-URL des Anbieters, ohne /.well-known/openid-configuration, z. B. "
            "https://id.wetzlar.de/realms/opendesk."
        ),
    )
    client_id = forms.CharField(label=_("Client-ID"), max_length=255)
    client_secret = forms.CharField(
        label=_("Client-Geheimnis"),
        required=False,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    email_claim = forms.CharField(
        label=_("Claim mit der E-Mail-Adresse"),
        max_length=100,
        initial="email",
        help_text=_("Meist „email“; bei Microsoft Entra ID oder ADFS oft „upn“."),
    )
    required = forms.BooleanField(
        label=_("Für alle Mitglieder der Kommune verpflichtend"),
        required=False,
        help_text=_(
            "Dann melden sich alle Mitglieder der Kommune über den Anbieter an; die "
            "Anmeldung mit Passwort ist für sie gesperrt."
        ),
    )

    def __init__(self, *args, has_secret: bool, allow_internal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret
        # Administrators may name a provider in the internal network; coordinators not
        # (the check would let them probe the server's own network).
        self.allow_internal = allow_internal
        self.fields["client_secret"].help_text = (
            _(
                "Wird verschlüsselt gespeichert und nie wieder angezeigt; leer lassen, um es "
                "zu behalten."
            )
            if has_secret
            else _("Wird verschlüsselt gespeichert und nie wieder angezeigt.")
        )

    def clean_issuer(self):
        issuer = self.cleaned_data["issuer"].strip().rstrip("/")
        if not issuer.lower().startswith("https://"):
            raise ValidationError(
                _("Der Anbieter muss über https erreichbar sein."), code="insecure"
            )
        try:
            discovery_probe(issuer, public_only=not self.allow_internal)
        except OidcError as exc:
            if exc.code == "provider_internal":
                raise ValidationError(
                    _(
                        "Diese Adresse liegt im internen Netz; bitte wenden Sie sich an die "
                        "Administration des Lotsennetzes."
                    ),
                    code="provider_internal",
                ) from exc
            if exc.code == "provider_misconfigured":
                raise ValidationError(
                    _(
                        "Unter dieser Adresse antwortet ein Anbieter, aber seine Konfiguration "
                        "nennt einen anderen Issuer oder ist unvollständig. Bitte prüfen Sie "
                        "die Adresse genau (Groß- und Kleinschreibung, Schrägstrich am Ende)."
                    ),
                    code="provider_misconfigured",
                ) from exc
            raise ValidationError(
                _(
                    "Unter dieser Adresse ist keine OpenID-Connect-Konfiguration abrufbar "
                    "(%(url)s). Bitte prüfen Sie die Adresse."
                ),
                code="provider_unavailable",
                params={"url": issuer + "/.well-known/openid-configuration"},
            ) from exc
        return issuer

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret")
        if not secret and not self.has_secret:
            raise ValidationError(_("Bitte geben Sie das Client-Geheimnis an."), code="required")
        return secret
