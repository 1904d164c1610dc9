"""REST API of the community app: tokens, municipalities, members.

Views parse input, check access and call one service; see ../shared/API.md.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from community import access, selectors, services
from community.backends import sign_in
from community.models import Municipality, Role, State, User

MAX_QUERY_LENGTH = 200


# --- serializers ------------------------------------------------------------
class DomainListField(serializers.ListField):
    child = serializers.CharField(max_length=253)

    def to_representation(self, data):
        return [d.domain for d in data.all()]


class MunicipalitySerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False)
    state = serializers.ChoiceField(choices=State.choices)
    email_domains = DomainListField(required=False, max_length=50)
    member_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Municipality
        fields = ["name", "slug", "state", "population", "ags", "email_domains", "member_count"]
        extra_kwargs = {"ags": {"required": False}}


class MemberSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )
    initials = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "handle",
            "display_name",
            "initials",
            "municipality",
            "municipality_name",
            "department",
            "position",
            "bio",
            "bio_html",
            "role",
        ]
        read_only_fields = fields


class MeSerializer(MemberSerializer):
    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "email"]
        read_only_fields = ["id", "handle", "initials", "email", "bio_html", "role"]
        extra_kwargs = {"display_name": {"required": False, "allow_blank": False}}


class MemberCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    display_name = serializers.CharField(max_length=150)
    municipality = serializers.SlugRelatedField(
        slug_field="slug", queryset=Municipality.objects.all()
    )
    password = serializers.CharField(
        required=False, write_only=True, max_length=128, style={"input_type": "password"}
    )
    role = serializers.ChoiceField(
        choices=services.INVITABLE_ROLE_CHOICES,
        default=Role.MEMBER,
        required=False,
    )


class MemberAdminUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False)
    department = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    municipality = serializers.SlugRelatedField(
        slug_field="slug", queryset=Municipality.objects.all(), required=False
    )
    is_active = serializers.BooleanField(required=False)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class MemberFilterSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, required=False, allow_blank=True)
    municipality = serializers.SlugField(required=False, allow_blank=True)
    state = serializers.ChoiceField(choices=State.choices, required=False, allow_blank=True)


# --- permissions ----------------------------------------------------------
class IsNetworkAdminOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_manage_municipalities(request.user)


def _raise_for(exc: ValidationError):
    """Model validation from a service becomes a 400 (or a 429 when throttled)."""
    if getattr(exc, "code", None) == "throttled":
        raise exceptions.Throttled(detail=exc.messages[0])
    raise exc


# --- views ------------------------------------------------------------------
class AuthTokenView(APIView):
    """Exchange e-mail and password for the member's API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            user = sign_in(request=request, **payload.validated_data)
        except ValidationError as exc:
            if exc.code == "throttled":
                raise exceptions.Throttled(detail=exc.messages[0]) from exc
            raise exceptions.AuthenticationFailed(detail=exc.messages[0]) from exc
        return Response({"token": services.member_token(member=user)})


class MunicipalityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MunicipalitySerializer
    permission_classes = [permissions.IsAuthenticated, IsNetworkAdminOrReadOnly]
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.municipality_list()

    def perform_create(self, serializer):
        try:
            serializer.instance = services.municipality_create(**serializer.validated_data)
        except ValidationError as exc:
            _raise_for(exc)

    def perform_update(self, serializer):
        try:
            serializer.instance = services.municipality_update(
                municipality=serializer.instance, **serializer.validated_data
            )
        except ValidationError as exc:
            _raise_for(exc)


@extend_schema(
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Freitext"),
        OpenApiParameter("municipality", OpenApiTypes.STR, description="Kommune (slug)"),
        OpenApiParameter("state", OpenApiTypes.STR, description="Bundesland, z. B. HE"),
    ]
)
class MemberViewSet(viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.member_list(viewer=self.request.user)

    @extend_schema(responses=MemberSerializer(many=True))
    def list(self, request):
        filters = MemberFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        members = selectors.member_search(viewer=request.user, **filters.validated_data)
        page = self.paginate_queryset(members)
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request):
        payload = MemberCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not access.can_invite(request.user, data["municipality"]):
            raise exceptions.PermissionDenied(
                "Nur die Administration oder die Koordination dieser Kommune lädt Mitglieder ein."
            )
        try:
            member = services.member_invite(invited_by=request.user, **data)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(MemberSerializer(access.access_member(request.user, pk)).data)

    @extend_schema(request=MemberAdminUpdateSerializer, responses=MemberSerializer)
    def partial_update(self, request, pk=None):
        member = access.access_member(request.user, pk)
        if not access.can_manage_member(request.user, member):
            raise exceptions.PermissionDenied("Nur die Administration ändert andere Mitglieder.")
        payload = MemberAdminUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            member = services.member_update(member=member, **payload.validated_data)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(MemberSerializer(member).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        member = access.access_member(request.user, pk)
        if not access.can_manage_member(request.user, member) or member == request.user:
            raise exceptions.PermissionDenied(
                "Nur die Administration deaktiviert andere Mitglieder."
            )
        services.member_deactivate(member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=MeSerializer)
    @extend_schema(methods=["PATCH"], request=MeSerializer, responses=MeSerializer)
    @action(detail=False, methods=["get", "patch"], url_path="me")
    def me(self, request):
        if request.method == "GET":
            return Response(MeSerializer(request.user).data)
        payload = MeSerializer(request.user, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        try:
            member = services.member_update_profile(member=request.user, **payload.validated_data)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(MeSerializer(member).data)
