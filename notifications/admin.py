"""The notifications' outbox in the Django admin: to look at, and to retry what was given up.

Jobs are written and run by the platform (``notifications.jobs``); an
operator only sees what is pending or failed and, once the cause is fixed,
gives a failed job another round.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import jobs
from notifications.models import NotificationJob


class FailedFilter(admin.SimpleListFilter):
    title = _("Zustand")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failed", _("aufgegeben")), ("pending", _("ausstehend"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(failed_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(failed_at__isnull=True)
        return queryset


@admin.action(description=_("Erneut versuchen"))
def retry(modeladmin, request, queryset):
    count = jobs.jobs_retry(job_ids=list(queryset.values_list("pk", flat=True)))
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d Auftrag wird erneut versucht.",
            "%(count)d Aufträge werden erneut versucht.",
            count,
        )
        % {"count": count},
    )


@admin.register(NotificationJob)
class NotificationJobAdmin(admin.ModelAdmin):
    list_display = ["kind", "object_key", "created_at", "due_at", "attempts", "failed_at"]
    list_filter = [FailedFilter, "kind"]
    search_fields = ["kind", "object_key", "last_error"]
    ordering = ["-created_at"]
    actions = [retry]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
