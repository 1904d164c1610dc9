"""Forms of the community pages. They parse and validate input; services write."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community import throttling
from community.backends import sign_in
from community.models import Municipality, Role, User


class LoginForm(AuthenticationForm):
    """Sign in by e-mail address, throttled per account (see community.throttling)."""

    username = forms.EmailField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = sign_in(request=self.request, email=email, password=password)
        return self.cleaned_data


class ResettingSetPasswordForm(SetPasswordForm):
    """Setting a new password by e-mail link also lifts a sign-in lockout."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        throttling.signin_reset(email=user.email)
        return user


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
