"""REST API of the community app: tokens, municipalities, members.

Views parse input, check access and call one service; see docs/api.md.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import (
    exceptions,
    generics,
    mixins,
    permissions,
    serializers,
    status,
    viewsets,
)
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from community import access, selectors, services
from community.backends import password_check, second_factor_check, sign_in
from community.models import (
    LEVEL_CODES,
    ApiToken,
    Expertise,
    Level,
    Municipality,
    Project,
    ProjectKind,
    ProjectStatus,
    Role,
    State,
    User,
)
from core import throttling
from core.api_schema import THROTTLED, refusal
from core.api_versions import ETAG, IF_MATCH, PRECONDITION_FAILED, expected_version, with_etag
from files.models import StoredFile
from files.serializers import AttachmentsField

MAX_QUERY_LENGTH = 200
LEVEL_BY_CODE = {code: level for level, code in LEVEL_CODES.items()}
LEVEL_CODE_CHOICES = [(code, Level(level).label) for level, code in LEVEL_CODES.items()]


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


class ExpertiseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Expertise
        fields = ["slug", "name", "description"]


class DeclaredExpertiseSerializer(serializers.Serializer):
    """One declared field: ``{"slug": "e-akte-dms", "level": "expert"}``."""

    slug = serializers.SlugField(max_length=60)
    level = serializers.ChoiceField(choices=LEVEL_CODE_CHOICES)

    def to_representation(self, instance):
        return {"slug": instance.expertise.slug, "level": LEVEL_CODES[instance.level]}

    def validate(self, attrs):
        # PATCH makes nested fields optional; a declared field needs both.
        missing = {"slug", "level"} - set(attrs)
        if missing:
            raise serializers.ValidationError(
                {name: [_("Dieses Feld ist erforderlich.")] for name in missing}
            )
        return attrs


class MemberSerializer(serializers.ModelSerializer):
    # An administrator made by createsuperuser belongs to no municipality: null.
    municipality = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Kommune (slug)"
    )
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True, allow_null=True
    )
    initials = serializers.CharField(read_only=True)
    photo_url = serializers.CharField(read_only=True, allow_null=True)
    expertise = DeclaredExpertiseSerializer(source="expertise_entries", many=True, read_only=True)

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
            "expertise",
            "photo_url",
        ]
        read_only_fields = fields


class MeSerializer(MemberSerializer):
    expertise = DeclaredExpertiseSerializer(
        source="expertise_entries", many=True, required=False, max_length=50
    )
    learning = serializers.SlugRelatedField(
        source="learning_interests",
        slug_field="slug",
        many=True,
        required=False,
        queryset=Expertise.objects.all(),
    )
    photo = serializers.UUIDField(
        source="photo_id",
        required=False,
        allow_null=True,
        help_text="Die ID einer hochgeladenen Bilddatei (wird quadratisch zugeschnitten); "
        "null entfernt das Foto.",
    )

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "learning", "email", "photo"]
        read_only_fields = ["id", "handle", "initials", "email", "bio_html", "role", "photo_url"]
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


class OtpField(serializers.CharField):
    """A current authenticator code (6 digits) or an unused recovery code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", services.OTP_MAX_LENGTH)
        kwargs.setdefault(
            "help_text", "6 Ziffern aus der Authenticator-App oder ein Wiederherstellungscode."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):  # a JSON number would lose leading zeros
            raise serializers.ValidationError(services.otp_shape_message(), code="otp_malformed")
        value = super().to_internal_value(data)
        if not services.otp_well_formed(value):
            raise serializers.ValidationError(services.otp_shape_message(), code="otp_malformed")
        return value


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    label = serializers.CharField(
        max_length=services.API_TOKEN_LABEL_LENGTH, required=False, allow_blank=True
    )
    otp = OtpField(required=False)


class TotpConfirmSerializer(serializers.Serializer):
    otp = OtpField()


class FactorRemoveSerializer(serializers.Serializer):
    """Removing a factor is confirmed as on the page: the password or a current code."""

    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, required=False, allow_blank=True
    )
    otp = OtpField(required=False)


class FactorSerializer(serializers.Serializer):
    """One second factor: never its secret or public key."""

    kind = serializers.ChoiceField(choices=["totp", "passkey"])
    id = serializers.IntegerField(allow_null=True, help_text="Nur bei Passkeys: ihre ID.")
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class FactorListSerializer(serializers.Serializer):
    factors = FactorSerializer(many=True)
    recovery_codes_left = serializers.IntegerField()
    required = serializers.BooleanField(
        help_text="Die Rolle verlangt einen zweiten Faktor: der letzte lässt sich nicht entfernen."
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """One of the member's API tokens: never its key (only a hash is stored)."""

    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "label", "created_at", "last_used_at", "current", "second_factor"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        """True for the token this very request was authenticated with."""
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class ToolNamesField(serializers.ListField):
    """Tools by name: written as any spelling, read back as the canonical names."""

    child = serializers.CharField(max_length=100)

    def to_representation(self, data):
        return [tool.name for tool in data.all()]


class LinkListField(serializers.ListField):
    child = serializers.DictField(child=serializers.CharField(max_length=500))

    def to_representation(self, data):
        return [{"url": link.url, "title": link.title} for link in data.all()]


class ProjectSerializer(serializers.ModelSerializer):
    municipality = serializers.SlugRelatedField(
        slug_field="slug", queryset=Municipality.objects.all()
    )
    tools = ToolNamesField(required=False, max_length=30)
    members = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=User.objects.filter(is_active=True),
        help_text=(
            "Lesen: die Beteiligten (nur wer angenommen hat). Schreiben: wer beteiligt sein "
            "soll; neu Genannte werden eingeladen (Benachrichtigung) und erscheinen hier erst, "
            "wenn sie unter /api/projects/{id}/invitation/accept/ annehmen. Wer das Projekt "
            "anlegt, ist sofort beteiligt; wer fehlt, ist nicht mehr beteiligt bzw. nicht mehr "
            "eingeladen."
        ),
    )
    links = LinkListField(required=False, max_length=20)
    attachments = AttachmentsField(required=False)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProjectKind.choices)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "municipality",
            "members",
            "tools",
            "started_on",
            "ended_on",
            "body",
            "body_html",
            "lessons_learned",
            "lessons_learned_html",
            "links",
            "is_published",
            "created_at",
            "updated_at",
            "attachments",
        ]
        read_only_fields = ["id", "body_html", "lessons_learned_html", "created_at", "updated_at"]
        extra_kwargs = {
            "body": {"max_length": 20000},
            "lessons_learned": {"max_length": 20000},
        }

    def validate_links(self, value):
        links = []
        for item in value:
            url = item.get("url", "")
            if not url:
                raise serializers.ValidationError(_("Jeder Link braucht eine Adresse (url)."))
            links.append((url, item.get("title", "")))
        return links


class ProjectFilesAddSerializer(serializers.Serializer):
    """POST …/attachments/: files to add to the project's documents (the others stay)."""

    attachments = AttachmentsField(required=True)


class ProjectFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH, required=False, allow_blank=True, help_text="Freitext"
    )
    kind = serializers.ChoiceField(
        choices=ProjectKind.choices, required=False, allow_blank=True, help_text="Art des Projekts"
    )
    status = serializers.ChoiceField(
        choices=ProjectStatus.choices, required=False, allow_blank=True, help_text="Stand"
    )
    tool = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Werkzeug (Name oder Schlüssel)",
    )
    municipality = serializers.SlugField(
        required=False, allow_blank=True, help_text="Kommune (slug)"
    )
    state = serializers.ChoiceField(
        choices=State.choices, required=False, allow_blank=True, help_text="Bundesland, z. B. HE"
    )

    def validate_tool(self, value):
        return services.tool_key(value) if value else ""


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
OTP_REFUSAL = OpenApiResponse(
    inline_serializer(
        "OtpRefusal",
        {
            "code": serializers.ChoiceField(choices=["otp_required", "otp_invalid"]),
            "detail": serializers.CharField(),
        },
    ),
    description="Zweiter Faktor fehlt oder stimmt nicht.",
)


def _otp_refused(code: str, detail: str) -> Response:
    return Response(
        {"code": code, "detail": detail},
        status=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": "Token"},
    )


class AuthTokenView(APIView):
    """Exchange e-mail and password for the member's API token."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            401: OTP_REFUSAL,
            # Without authentication classes DRF answers a failed sign-in with 403.
            403: refusal("E-Mail-Adresse oder Passwort stimmen nicht."),
            429: THROTTLED,
        },
        auth=[],
        description=(
            "For an account with a second factor, the call without `otp` answers 401 "
            '`{"code": "otp_required"}`; with a wrong `otp` 401 `{"code": "otp_invalid"}`.'
        ),
    )
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            user = sign_in(request=request, email=data["email"], password=data["password"])
        except ValidationError as exc:
            if exc.code == "throttled":
                raise exceptions.Throttled(detail=exc.messages[0]) from exc
            if exc.code == "oidc_required":
                # The municipality's identity provider is required (issue 21).
                return Response(
                    {"code": "oidc_required", "detail": exc.messages[0]},
                    status=status.HTTP_403_FORBIDDEN,
                )
            raise exceptions.AuthenticationFailed(detail=exc.messages[0]) from exc
        with_second_factor = services.member_has_second_factor(user)
        if with_second_factor:
            if "otp" not in data:
                return _otp_refused(
                    "otp_required", _("Dieses Konto verlangt einen zweiten Faktor (otp).")
                )
            try:
                second_factor_check(request=request, member=user, otp=data["otp"])
            except ValidationError as exc:
                if exc.code == "throttled":
                    raise exceptions.Throttled(detail=exc.messages[0]) from exc
                return _otp_refused("otp_invalid", exc.messages[0])
        token = services.member_token(
            member=user, label=data.get("label", ""), second_factor=with_second_factor
        )
        response = Response({"token": token})
        # A client that keeps cookies is a known device of the account, as a browser is.
        throttling.set_device_cookie(response, request=request, email=user.email)
        return response


FACTOR_REMOVE_REFUSAL = OpenApiResponse(
    inline_serializer(
        "FactorRemoveRefusal",
        {
            "code": serializers.ChoiceField(
                choices=[
                    "confirmation_required",
                    "password_incorrect",
                    "otp_required",
                    "otp_invalid",
                    "last_factor_required",
                ]
            ),
            "detail": serializers.CharField(),
        },
    ),
    description=(
        "Bestätigung fehlt oder stimmt nicht, oder es ist der letzte Faktor einer Rolle, "
        "die einen verlangt."
    ),
)


def _factor_refused(code: str, detail: str) -> Response:
    return Response({"code": code, "detail": detail}, status=status.HTTP_400_BAD_REQUEST)


def _factor_change_refusal(request) -> Response | None:
    """None if the request confirms the change with the password or a current code,
    as the profile page asks; else the 400 (or 429) that says why not.

    A token issued on the password alone confirms only with a code: it proves no
    more than the password, and the factor is there against whoever has that."""
    payload = FactorRemoveSerializer(data=request.data)
    payload.is_valid(raise_exception=True)
    password = payload.validated_data.get("password")
    otp = payload.validated_data.get("otp")
    token = request.auth if isinstance(request.auth, ApiToken) else None
    try:
        if otp:
            second_factor_check(request=request, member=request.user, otp=otp)
        elif password and token is not None and not token.second_factor:
            return _factor_refused(
                "otp_required",
                _(
                    "Dieser Zugangsschlüssel wurde ohne zweiten Faktor ausgestellt: "
                    "Bitte bestätigen Sie mit einem aktuellen Code (otp)."
                ),
            )
        elif password:
            password_check(request=request, member=request.user, password=password)
        else:
            return _factor_refused(
                "confirmation_required",
                _("Bitte bestätigen Sie mit Ihrem Passwort oder einem aktuellen Code."),
            )
    except ValidationError as exc:
        if exc.code == "throttled":
            raise exceptions.Throttled(detail=exc.messages[0]) from exc
        return _factor_refused(exc.code or "invalid", exc.messages[0])
    return None


def _factor_remove(request, remove) -> Response:
    refusal_response = _factor_change_refusal(request)
    if refusal_response is not None:
        return refusal_response
    try:
        remove()
    except ValidationError as exc:
        return _factor_refused(exc.code or "invalid", exc.messages[0])
    return Response(status=status.HTTP_204_NO_CONTENT)


class MemberTotpView(APIView):
    """Start setting up an authenticator app: a new, unconfirmed secret."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "TotpSetup",
                {"secret": serializers.CharField(), "otpauth_url": serializers.CharField()},
            )
        },
    )
    def post(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if (
            token is not None
            and not token.second_factor
            and services.member_has_second_factor(request.user)
        ):
            # A key issued on the password alone must not replace the factor it skipped.
            raise exceptions.ValidationError(
                {
                    "detail": _(
                        "Ihr Konto hat schon einen zweiten Faktor. Ersetzen Sie ihn mit "
                        "einem Zugangsschlüssel, der mit zweitem Faktor ausgestellt wurde, "
                        "oder im Profil."
                    )
                },
                code="second_factor_exists",
            )
        _device, secret = services.totp_begin(member=request.user)
        uri = services.totp_provisioning_uri(member=request.user, secret=secret)
        return Response({"secret": secret, "otpauth_url": uri})

    @extend_schema(
        request=FactorRemoveSerializer,
        responses={
            204: None,
            400: FACTOR_REMOVE_REFUSAL,
            404: refusal("Keine Authenticator-App eingerichtet."),
            429: THROTTLED,
        },
        description=(
            'Removes the authenticator app; confirm with `{"password"}` or `{"otp"}` (a '
            "current code), as on the profile page. A token issued without a second factor "
            "confirms only with `otp`. 404 if no authenticator app is set up."
        ),
    )
    def delete(self, request):
        if selectors.member_second_factors(member=request.user)["totp"] is None:
            raise exceptions.NotFound()
        return _factor_remove(request, lambda: services.totp_remove(member=request.user))


class MemberFactorListView(APIView):
    """The member's own second factors (kind, name, dates; never a secret)."""

    @extend_schema(responses=FactorListSerializer)
    def get(self, request):
        member = request.user
        return Response(
            FactorListSerializer(
                {
                    "factors": selectors.member_factor_list(member=member),
                    "recovery_codes_left": selectors.member_second_factors(member=member)[
                        "recovery_left"
                    ],
                    "required": services.second_factor_required(member),
                }
            ).data
        )


class MemberPasskeyDetailView(APIView):
    """Remove one of the member's own passkeys; anyone else's is missing (404)."""

    @extend_schema(
        request=FactorRemoveSerializer,
        responses={204: None, 400: FACTOR_REMOVE_REFUSAL, 429: THROTTLED},
    )
    def delete(self, request, pk):
        passkey = access.access_passkey(request.user, pk)
        return _factor_remove(request, lambda: services.passkey_remove(passkey=passkey))


class MemberTotpConfirmView(APIView):
    """Confirm the authenticator with a current code; the recovery codes are shown once."""

    @extend_schema(
        request=TotpConfirmSerializer,
        responses={
            200: inline_serializer(
                "TotpConfirmed",
                {
                    "recovery_codes": serializers.ListField(child=serializers.CharField()),
                    "revoked_tokens": serializers.IntegerField(
                        help_text="So viele ältere Zugangsschlüssel (ohne zweiten Faktor "
                        "ausgestellt) hat der erste Faktor gesperrt; der dieser Anfrage bleibt."
                    ),
                    "ended_sessions": serializers.IntegerField(
                        help_text="So viele Browser-Sitzungen hat der erste Faktor beendet."
                    ),
                },
            )
        },
    )
    def post(self, request):
        payload = TotpConfirmSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            added = services.totp_confirm(
                member=request.user,
                otp=payload.validated_data["otp"],
                except_session_key=request.session.session_key,
                except_token=request.auth if isinstance(request.auth, ApiToken) else None,
            )
        except ValidationError as exc:
            raise exceptions.ValidationError({"otp": exc.messages}, code=exc.code) from exc
        return Response(
            {
                "recovery_codes": added.recovery_codes,
                "revoked_tokens": added.revoked_tokens,
                "ended_sessions": added.ended_sessions,
            }
        )


class MemberTokenListView(generics.ListAPIView):
    """The member's own API tokens (created, last used); ``current`` marks this request's."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return selectors.member_api_tokens(member=self.request.user)


class MemberTokenDetailView(APIView):
    """Revoke one of the member's own tokens; anyone else's is missing (404)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        token = access.access_api_token(request.user, pk)
        services.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


class MemberViewSet(viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.member_list(viewer=self.request.user)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request):
        payload = MemberCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not access.can_invite(request.user, data["municipality"]):
            raise exceptions.PermissionDenied(
                _(
                    "Nur die Administration oder die Koordination dieser Kommune "
                    "lädt Mitglieder ein."
                )
            )
        try:
            member = services.member_invite(invited_by=request.user, **data)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        member = access.access_member(request.user, pk)
        return Response(MemberSerializer(member).data)

    @extend_schema(request=MemberAdminUpdateSerializer, responses=MemberSerializer)
    def partial_update(self, request, pk=None):
        member = access.access_member(request.user, pk)
        if not access.can_manage_member(request.user, member):
            raise exceptions.PermissionDenied(_("Nur die Administration ändert andere Mitglieder."))
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
                _("Nur die Administration deaktiviert andere Mitglieder.")
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
        data = dict(payload.validated_data)
        declared = data.pop("expertise_entries", None)
        learning = data.pop("learning_interests", None)
        if "photo_id" in data:
            data["photo"] = data.pop("photo_id")
        try:
            member = services.member_update_me(
                member=request.user,
                expertise=None
                if declared is None
                else {d["slug"]: LEVEL_BY_CODE[d["level"]] for d in declared},
                learning=None if learning is None else [e.slug for e in learning],
                **data,
            )
        except ValidationError as exc:
            _raise_for(exc)
        return Response(MeSerializer(member).data)


class ExpertiseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expertise taxonomy (edited in the admin)."""

    serializer_class = ExpertiseSerializer
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return selectors.expertise_list()


class ProjectViewSet(viewsets.GenericViewSet):
    """The project registry. Members of a project's municipality and admins edit it."""

    serializer_class = ProjectSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Project.objects.none()
        return selectors.project_detail_queryset(viewer=self.request.user)

    @extend_schema(parameters=[ProjectFilterSerializer])
    def list(self, request):
        filters = ProjectFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        projects = selectors.project_search(viewer=request.user, **filters.validated_data)
        projects = projects.prefetch_related(
            "links", "members", Prefetch("attachments", queryset=StoredFile.objects.defer("text"))
        )
        page = self.paginate_queryset(projects)
        return self.get_paginated_response(ProjectSerializer(page, many=True).data)

    def create(self, request):
        payload = ProjectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if not access.can_edit_projects_of(request.user, data["municipality"]):
            raise exceptions.PermissionDenied(
                _("Projekte legen Mitglieder der jeweiligen Kommune oder die Administration an.")
            )
        try:
            project = services.project_create(created_by=request.user, **data)
        except ValidationError as exc:
            _raise_for(exc)
        project = self.get_queryset().get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, pk=None):
        project = access.access_project(request.user, pk)
        return with_etag(Response(ProjectSerializer(project).data), project)

    @extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses={200: ProjectSerializer, 412: PRECONDITION_FAILED},
    )
    def partial_update(self, request, pk=None):
        """Change the project; with If-Match only if nobody changed it since that ETag."""
        project = access.access_project(request.user, pk)
        if not access.can_edit_project(request.user, project):
            raise exceptions.PermissionDenied(
                _("Nur Mitglieder der Kommune des Projekts ändern es.")
            )
        payload = ProjectSerializer(project, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "municipality" in data and data.pop("municipality") != project.municipality:
            raise exceptions.ValidationError(
                {"municipality": ["Die Kommune eines Projekts lässt sich nicht ändern."]}
            )
        try:
            project = services.project_update(
                project=project, expected_version=expected_version(request), by=request.user, **data
            )
        except ValidationError as exc:
            _raise_for(exc)
        project = self.get_queryset().get(pk=project.pk)
        return with_etag(Response(ProjectSerializer(project).data), project)

    @extend_schema(
        request=None,
        responses={200: ProjectSerializer},
        description=(
            "Das angemeldete Mitglied nimmt seine Einladung in das Projekt an und ist ab "
            "jetzt beteiligt (members, Suche, Chat des Projekts). 404 ohne offene Einladung."
        ),
    )
    @action(detail=True, methods=["post"], url_path="invitation/accept")
    def invitation_accept(self, request, pk=None):
        project = access.access_project_invitation(request.user, pk).project
        try:
            services.project_invitation_accept(project=project, member=request.user)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(ProjectSerializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(
        request=None,
        responses={204: None},
        description="Das angemeldete Mitglied lehnt seine Einladung in das Projekt ab.",
    )
    @action(detail=True, methods=["post"], url_path="invitation/decline")
    def invitation_decline(self, request, pk=None):
        project = access.access_project_invitation(request.user, pk).project
        try:
            services.project_invitation_decline(project=project, member=request.user)
        except ValidationError as exc:
            _raise_for(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ProjectFilesAddSerializer,
        responses={200: ProjectSerializer},
        description=(
            "Fügt dem Projekt Unterlagen hinzu (Dateien des Mitglieds); die vorhandenen bleiben. "
            "Für die Mitglieder der Kommune des Projekts und die Beteiligten."
        ),
    )
    @action(detail=True, methods=["post"], url_path="attachments")
    def attachments(self, request, pk=None):
        project = access.access_project(request.user, pk)
        payload = ProjectFilesAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not access.can_add_project_files(request.user, project):
            raise exceptions.PermissionDenied(
                _("Unterlagen fügen die Beteiligten des Projekts hinzu.")
            )
        try:
            services.project_files_add(
                project=project,
                member=request.user,
                attachments=payload.validated_data["attachments"],
            )
        except ValidationError as exc:
            _raise_for(exc)
        project = self.get_queryset().get(pk=project.pk)
        return with_etag(Response(ProjectSerializer(project).data), project)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        project = access.access_project(request.user, pk)
        if not access.can_edit_project(request.user, project):
            raise exceptions.PermissionDenied(
                _("Nur Mitglieder der Kommune des Projekts löschen es.")
            )
        services.project_delete(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)
