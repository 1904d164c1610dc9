"""The members endpoint of the REST API, whose list is the directory's search.

Community's ``MemberViewSet`` answers everything else on ``/api/members/``; the
ranking reads the forum, so the list, and with it the route, lives here.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from community import api as community_api
from community import services
from community.models import ProjectKind, State
from core.api_pagination import PageNumberPagination
from core.search_text import query_terms
from directory import federated, selectors


class MemberSearchResultSerializer(community_api.MemberSerializer):
    """A directory hit: the member, the score and why they matched."""

    score = serializers.FloatField(read_only=True)
    reasons = serializers.SerializerMethodField()

    class Meta(community_api.MemberSerializer.Meta):
        fields = [*community_api.MemberSerializer.Meta.fields, "score", "reasons"]
        read_only_fields = fields

    def get_reasons(self, member) -> list[str]:
        return self.context["search"].reasons(member)


class MemberFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=community_api.MAX_QUERY_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Freitext",
    )
    expertise = serializers.SlugField(
        required=False, allow_blank=True, help_text="Erfahrungsfeld (slug)"
    )
    level = serializers.ChoiceField(
        choices=community_api.LEVEL_CODE_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Mindeststufe",
    )
    municipality = serializers.SlugField(
        required=False, allow_blank=True, help_text="Kommune (slug)"
    )
    state = serializers.ChoiceField(
        choices=State.choices, required=False, allow_blank=True, help_text="Bundesland, z. B. HE"
    )
    kind = serializers.ChoiceField(
        choices=ProjectKind.choices,
        required=False,
        allow_blank=True,
        help_text="Art eines Projekts, an dem das Mitglied beteiligt ist",
    )
    tool = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Werkzeug (Name oder Schlüssel)",
    )

    def validate_level(self, value):
        return community_api.LEVEL_BY_CODE.get(value)

    def validate_tool(self, value):
        return services.tool_key(value) if value else ""


# --- pagination -------------------------------------------------------------
class MemberSearchPagination(PageNumberPagination):
    """The member search's pages, counted in the query that ranks them."""

    django_paginator_class = selectors.RankedPaginator


# No docstring: the schema would take it as the description of every operation.
class MemberViewSet(community_api.MemberViewSet):
    pagination_class = MemberSearchPagination

    # The filters on the list only (a class-level decorator would put them on every operation).
    @extend_schema(
        parameters=[MemberFilterSerializer], responses=MemberSearchResultSerializer(many=True)
    )
    def list(self, request):
        filters = MemberFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        search = selectors.member_search(viewer=request.user, **filters.validated_data)
        page = self.paginate_queryset(search.members)
        data = MemberSearchResultSerializer(page, many=True, context={"search": search}).data
        return self.get_paginated_response(data)


# --- one search box -----------------------------------------------------------
class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=federated.MAX_QUERY_LENGTH,
        help_text="Suchbegriffe (Pflicht)",
    )
    type = serializers.ListField(
        child=serializers.ChoiceField(choices=federated.KINDS),
        required=False,
        help_text="Nur diese Arten (mehrfach oder durch Komma getrennt); ohne: alle",
    )

    def validate_q(self, value):
        if not query_terms(value):
            raise serializers.ValidationError(
                _("Bitte mindestens ein Wort mit zwei Buchstaben eingeben."), code="no_words"
            )
        return value


class SearchHitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=federated.KINDS, read_only=True)
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    snippet = serializers.CharField(read_only=True, help_text="Klartext, kein HTML")
    url = serializers.CharField(read_only=True)
    score = serializers.FloatField(read_only=True)


SEARCH_DESCRIPTION = """Everything the caller may open that matches `q`, best first, paginated
(`page`, `page_size` up to 100); `count` counts the hits of the kinds asked for, and
`next` reaches each of them once. Members: at most 1,000 (as `/api/members/`);
forum threads: those among the forum search's candidates (the newest 500 matching
posts and the newest 500 title hits); chat messages: the newest 200 matches;
projects and events: all.

One `type`: that kind's own rank order. Several (or none): the kinds' lists merged
by `score`, highest first; ties in the order member, project, thread, event,
message. A hit's `score` is its kind's score relative to the kind's best hit
(1.0), never above the score of the hit ranked before it in its kind, so the
best of every kind stands near the top. Chat messages: the newest 200 matches
ranked by relevance (the words as whole words first, then the newer)."""


class SearchViewSet(viewsets.GenericViewSet):
    serializer_class = SearchHitSerializer

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses=SearchHitSerializer(many=True),
        description=SEARCH_DESCRIPTION,
    )
    def list(self, request):
        params = request.query_params
        data = {}
        if "q" in params:
            data["q"] = params["q"]
        types = [t.strip() for value in params.getlist("type") for t in value.split(",")]
        if any(types):
            data["type"] = [t for t in types if t]
        query = SearchQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        results = federated.search_everything(
            viewer=request.user,
            q=query.validated_data["q"],
            kinds=query.validated_data.get("type"),
        )
        # The page about to be cut: counting reads it at once (see SearchHits.expect).
        results.hits.expect_page(
            request.query_params.get(self.paginator.page_query_param),
            self.paginator.get_page_size(request) or 0,
        )
        page = self.paginate_queryset(results.hits)
        return self.get_paginated_response(SearchHitSerializer(page, many=True).data)
