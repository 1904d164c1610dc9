"""The admin's erasure on request, added to the member admin from here (issue 17).

community registers the member admin and must not know privacy, so privacy adds its action.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from community.models import User
from privacy import services


@admin.action(
    description=_("Auf Antrag löschen (Profil entfernen, Beiträge als „ehemaliges Mitglied“)"),
    permissions=["delete"],
)
def erase_on_request(modeladmin, request, queryset):
    """Erase members on request, after a confirmation page (as Django's delete action)."""
    members = [m for m in queryset if not m.is_erased and m.pk != request.user.pk]
    if request.POST.get("confirm") == "yes":
        for member in members:
            erased = services.member_erase(member=member, by=request.user)
            # Accountability without personal data: the entry names the tombstone.
            modeladmin.log_change(request, erased, _("Auf Antrag gelöscht."))
        modeladmin.message_user(
            request,
            _("%(count)d Konten gelöscht.") % {"count": len(members)},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Mitglieder auf Antrag löschen"),
        "opts": modeladmin.model._meta,
        "members": members,
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "skipped_self": any(m.pk == request.user.pk for m in queryset),
    }
    return TemplateResponse(request, "community/admin_erase_confirmation.html", context)


def register_actions(site=None):
    """Add the erasure to the registered member admin (once; the admin registers first)."""
    site = site or admin.site
    member_admin = site._registry.get(User)
    if member_admin is None:
        return
    actions = list(member_admin.actions or [])
    if erase_on_request not in actions:
        member_admin.actions = [*actions, erase_on_request]
