"""The directory in the admin: the search's synonyms and spellings."""

from django.contrib import admin

from directory.models import SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["variants", "note"]
    search_fields = ["variants", "note"]
