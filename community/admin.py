"""The Django admin for the network's administrators: search, filters, useful columns."""

from authlib.common.security import is_secure_transport
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community import oidc, services
from community.models import (
    ApiToken,
    EmailDomain,
    Expertise,
    Invitation,
    MemberExpertise,
    Municipality,
    OidcIdentity,
    OidcProvider,
    Project,
    ProjectLink,
    Qualification,
    Tool,
    User,
)
from community.signals import member_profiles_changed_send
from core.addresses import normalize_email
from core.markdown import render_markdown


class EmailDomainInline(admin.TabularInline):
    model = EmailDomain
    extra = 1


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "population", "ags", "domains", "member_count"]
    list_filter = ["state"]
    search_fields = ["name", "slug", "ags", "email_domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [EmailDomainInline]
    ordering = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("email_domains")
            .annotate(member_count=Count("members"))
        )

    @admin.display(description=_("E-Mail-Domains"))
    def domains(self, obj):
        return ", ".join(d.domain for d in obj.email_domains.all())

    @admin.display(description=_("Mitglieder"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name", "state"} & set(form.changed_data):
            services.municipality_reindex(municipality=obj)


class NormalisedEmailMixin:
    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class MemberCreationForm(NormalisedEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name", "municipality", "role"]


class MemberChangeForm(NormalisedEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.action(description=_("Zweiten Faktor entfernen (Gerät verloren)"))
def second_factor_reset(modeladmin, request, queryset):
    """For a member who lost authenticator and recovery codes, after checking who asks."""
    for member in queryset:
        services.second_factor_reset(member=member)
        modeladmin.log_change(request, member, _("Zweiter Faktor entfernt."))
    modeladmin.message_user(request, _("Der zweite Faktor ist entfernt."))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    actions = [second_factor_reset]
    form = MemberChangeForm
    add_form = MemberCreationForm
    list_display = ["display_name", "email", "municipality", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff", "municipality__state", "municipality"]
    search_fields = ["display_name", "email", "handle", "department", "position"]
    list_select_related = ["municipality"]
    ordering = ["display_name"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["date_joined", "last_login", "bio_html"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profil"),
            {"fields": ["display_name", "handle", "municipality", "department", "position", "bio"]},
        ),
        (_("Rolle im Netzwerk"), {"fields": ["role", "is_active", "is_staff", "is_superuser"]}),
        (_("Django-Rechte"), {"classes": ["collapse"], "fields": ["groups", "user_permissions"]}),
        (_("Daten"), {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "display_name",
                    "municipality",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    filter_horizontal = ["groups", "user_permissions"]

    def user_change_password(self, request, id, form_url=""):
        """Setting a member's password ends their sessions and API tokens (as a reset does)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            member = self.get_object(request, unquote(id))
            if member is not None:
                own = member.pk == request.user.pk
                services.member_sessions_end(
                    member=member,
                    except_session_key=request.session.session_key if own else None,
                )
        return response

    def save_model(self, request, obj, form, change):
        # The admin edits the row directly; keep the stored HTML in step with the bio.
        obj.bio_html = render_markdown(obj.bio)
        if not obj.handle:
            obj.handle = services.unique_handle(obj.display_name)
        super().save_model(request, obj, form, change)
        if change and {"is_active", "role", "municipality"} & set(form.changed_data):
            # As member_update does: a deactivated member is signed out, sockets recheck.
            services.member_access_changed(member=obj)

    def save_related(self, request, form, formsets, change):
        # The member, their expertise and qualifications are written directly:
        # once all of it is saved, the search index says what the profile says.
        super().save_related(request, form, formsets, change)
        member_profiles_changed_send(member_ids=[form.instance.pk])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens can be seen and revoked (deleted) here, never created or read back."""

    list_display = ["user", "label", "created_at", "last_used_at", "second_factor"]
    search_fields = ["user__email", "user__display_name", "label"]
    list_select_related = ["user"]
    readonly_fields = ["user", "label", "created_at", "last_used_at", "second_factor"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["member", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["accepted_at"]
    search_fields = ["member__email", "member__display_name"]
    list_select_related = ["member", "invited_by"]
    readonly_fields = ["member", "invited_by", "token_hash", "created_at", "accepted_at"]


class MemberExpertiseInline(admin.TabularInline):
    model = MemberExpertise
    extra = 0
    autocomplete_fields = ["expertise"]


class QualificationInline(admin.TabularInline):
    model = Qualification
    fk_name = "member"
    extra = 0
    readonly_fields = ["confirmed_by", "confirmed_at"]


UserAdmin.inlines = [MemberExpertiseInline, QualificationInline]


@admin.register(Expertise)
class ExpertiseAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "member_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("member_entries"))

    @admin.display(description=_("Mitglieder"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            member_profiles_changed_send(
                member_ids=list(obj.member_entries.values_list("member_id", flat=True))
            )


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["member", "programme", "cohort", "completed_on", "confirmed_by", "confirmed_at"]
    list_filter = ["confirmed_at", "member__municipality__state"]
    search_fields = ["member__display_name", "programme", "cohort"]
    list_select_related = ["member", "confirmed_by"]
    autocomplete_fields = ["member", "confirmed_by"]


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "project_count"]
    search_fields = ["name", "key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(description=_("Projekte"), ordering="project_count")
    def project_count(self, obj):
        return obj.project_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.tool_reindex(tool=obj)


class ProjectLinkInline(admin.TabularInline):
    model = ProjectLink
    extra = 0
    # Django 6 behaviour already: "example.org" means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "kind", "status", "is_published", "updated_at"]
    list_filter = ["kind", "status", "is_published", "municipality__state"]
    search_fields = ["title", "body", "lessons_learned", "municipality__name", "tools__name"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality", "members", "tools", "created_by"]
    readonly_fields = ["body_html", "lessons_learned_html", "created_at", "updated_at"]
    inlines = [ProjectLinkInline]

    def save_related(self, request, form, formsets, change):
        # The admin writes rows directly: keep the HTML and the search index in step.
        super().save_related(request, form, formsets, change)
        project = form.instance
        services.project_update(project=project)


class OidcProviderForm(forms.ModelForm):
    """The client secret is write-only: never shown, kept when left empty."""

    issuer = forms.URLField(label=_("Aussteller (Issuer)"), max_length=500, assume_scheme="https")
    client_secret = forms.CharField(
        label=_("Client-Geheimnis"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Wird verschlüsselt gespeichert und nie wieder angezeigt; leer lassen, "
            "um es zu behalten."
        ),
    )

    class Meta:
        model = OidcProvider
        fields = ["municipality", "issuer", "client_id", "email_claim", "required"]

    def clean_issuer(self):
        issuer = self.cleaned_data["issuer"].rstrip("/")
        if not is_secure_transport(issuer):
            raise forms.ValidationError(
                _("Der Anbieter muss über https erreichbar sein."), code="insecure"
            )
        return issuer

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret")
        if not secret and not (self.instance.pk and self.instance.client_secret_sealed):
            raise forms.ValidationError(
                _("Bitte geben Sie das Client-Geheimnis an."), code="required"
            )
        return secret


# A first proposal, or a change proposed to an approved connection.
PENDING = models.Q(approved_at__isnull=True) | models.Q(proposed_at__isnull=False)


class ApprovalFilter(admin.SimpleListFilter):
    title = _("Freigabe")
    parameter_name = "freigabe"

    def lookups(self, request, model_admin):
        return [("offen", _("wartet auf Freigabe")), ("erteilt", _("freigegeben"))]

    def queryset(self, request, queryset):
        if self.value() == "offen":
            return queryset.filter(PENDING)
        if self.value() == "erteilt":
            return queryset.exclude(PENDING)
        return queryset


@admin.register(OidcProvider)
class OidcProviderAdmin(admin.ModelAdmin):
    form = OidcProviderForm
    list_display = [
        "municipality",
        "state",
        "issuer",
        "client_id",
        "required",
        "proposed_by",
        "approved_by",
        "approved_at",
    ]
    list_filter = [ApprovalFilter, "required"]
    list_select_related = ["municipality", "proposed_by", "approved_by"]
    search_fields = ["municipality__name", "issuer", "client_id"]
    readonly_fields = [
        "state",
        "proposal",
        "redirect_uri",
        "approved_at",
        "approved_by",
        "proposed_by",
    ]
    actions = ["approve", "reject"]
    # Pending proposals first: they are what an administrator comes here for.
    ordering = [
        models.F("approved_at").asc(nulls_first=True),
        models.F("proposed_at").desc(nulls_last=True),
        "municipality__name",
    ]

    @admin.display(description=_("Stand"), ordering="approved_at")
    def state(self, obj):
        if obj.approved_at is None:
            return format_html("<strong>{}</strong>", _("Wartet auf Freigabe"))
        if obj.has_proposal:
            return format_html("<strong>{}</strong>", _("Änderung wartet auf Freigabe"))
        return _("freigegeben")

    @admin.display(description=_("Vorgeschlagene Änderung"))
    def proposal(self, obj):
        """What approving would put in force (the secret never shown, only whether new)."""
        if not obj.has_proposal:
            return "–"
        secret = (
            _("neu")
            if obj.proposed_client_secret_sealed != obj.client_secret_sealed
            else _("unverändert")
        )
        return format_html(
            "{}: {}<br>{}: {}<br>{}: {}<br>{}: {}<br>{}: {}",
            _("Aussteller (Issuer)"),
            obj.proposed_issuer,
            _("Client-ID"),
            obj.proposed_client_id,
            _("Client-Geheimnis"),
            secret,
            _("Claim mit der E-Mail-Adresse"),
            obj.proposed_email_claim,
            _("verpflichtend"),
            _("ja") if obj.proposed_required else _("nein"),
        )

    @admin.display(description=_("Redirect-URI beim Anbieter"))
    def redirect_uri(self, obj):
        return oidc.redirect_uri()

    def changelist_view(self, request, extra_context=None):
        pending = OidcProvider.objects.filter(PENDING).count()
        if pending:
            self.message_user(
                request,
                ngettext(
                    "%(count)d Vorschlag der Koordination wartet auf Freigabe (Aktion "
                    "„Ausgewählte Anbieter freigeben“). Prüfen Sie Issuer und Client-ID "
                    "mit der Kommune, bevor Sie freigeben.",
                    "%(count)d Vorschläge der Koordination warten auf Freigabe (Aktion "
                    "„Ausgewählte Anbieter freigeben“). Prüfen Sie Issuer und Client-ID "
                    "mit der Kommune, bevor Sie freigeben.",
                    pending,
                )
                % {"count": pending},
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the service: the secret is sealed, the change approved by this administrator.
        saved = services.oidc_provider_set(
            municipality=form.cleaned_data["municipality"],
            issuer=form.cleaned_data["issuer"],
            client_id=form.cleaned_data["client_id"],
            client_secret=form.cleaned_data.get("client_secret") or None,
            email_claim=form.cleaned_data["email_claim"],
            required=form.cleaned_data["required"],
            by=request.user,
        )
        obj.pk = saved.pk

    @admin.action(description=_("Ausgewählte Anbieter freigeben"))
    def approve(self, request, queryset):
        approved = 0
        for provider in queryset.filter(PENDING):
            services.oidc_provider_approve(provider=provider, by=request.user)
            self.log_change(request, provider, _("Freigegeben."))
            approved += 1
        self.message_user(
            request,
            ngettext("%(count)d Anbieter freigegeben.", "%(count)d Anbieter freigegeben.", approved)
            % {"count": approved},
        )

    @admin.action(description=_("Vorschläge der ausgewählten Anbieter ablehnen"))
    def reject(self, request, queryset):
        """A change proposed to an approved connection is dropped (the approved one
        stays); a first proposal is deleted."""
        rejected = 0
        for provider in queryset.filter(PENDING):
            kept = services.oidc_provider_reject(provider=provider, by=request.user)
            if kept is not None:
                self.log_change(request, kept, _("Vorschlag abgelehnt."))
            rejected += 1
        self.message_user(
            request,
            ngettext("%(count)d Vorschlag abgelehnt.", "%(count)d Vorschläge abgelehnt.", rejected)
            % {"count": rejected},
        )


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    list_display = ["member", "provider", "last_signin_at"]
    list_select_related = ["member", "provider__municipality"]
    search_fields = ["member__display_name", "member__email"]
    readonly_fields = ["member", "provider", "subject", "created_at", "last_signin_at"]
