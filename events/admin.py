"""Admin for events: for reading.

Events, seats and the waiting list change only through events.services (row
lock, seat counter, renumbering, SEQUENCE for calendar programs, e-mails), so
the admin shows them read-only; organizers use the event pages or the API.
A calendar feed can be deleted here, which revokes its URL.
"""

from django.contrib import admin
from django.db import models

from events.models import AgendaItem, CalendarFeed, Event, Signup


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class SignupInline(admin.TabularInline):
    model = Signup
    extra = 0
    fields = ["member", "status", "position", "created_at", "reminded_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["status", "position", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    # Django 6 behaviour already: "example.org" means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "starts_at", "kind", "format", "status", "capacity", "seats_taken"]
    list_filter = ["status", "kind", "format", "audience"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"
    list_select_related = ["hosting_municipality"]
    inlines = [AgendaItemInline, SignupInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["event", "member", "status", "position", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event", "member"]
    search_fields = ["event__title", "member__display_name", "member__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Only to revoke a feed (deleting it kills the URL); the key itself is not shown."""

    list_display = ["member", "created_at"]
    fields = ["member", "created_at"]
    readonly_fields = fields
    list_select_related = ["member"]

    def has_add_permission(self, request):
        return False
