"""The chat's JSON shapes, shared by the REST API and the WebSocket broadcasts."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chat.models import MAX_BODY_LENGTH, Message, Room, RoomKind
from community.models import User
from files.serializers import AttachmentsField, FileSerializer

MAX_SEQ = 2**63 - 1


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class MessageSerializer(serializers.ModelSerializer):
    """The contract's message: id, seq, room, author, body, body_html, created_at, client_id."""

    room = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = AuthorSerializer(read_only=True, allow_null=True)
    deleted = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "seq",
            "room",
            "author",
            "body",
            "body_html",
            "created_at",
            "client_id",
            "edited_at",
            "deleted",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_deleted(self, message: Message) -> bool:
        return message.deleted_at is not None

    @extend_schema_field(FileSerializer(many=True))
    def get_attachments(self, message: Message) -> list:
        """The files, from the prefetch (or the services' ``_without_files``) when there
        is one: on the event loop even ``message.attachments`` would ask the database
        (its manager looks up the content type)."""
        cache = getattr(message, "_prefetched_objects_cache", None) or {}
        files = cache["attachments"] if "attachments" in cache else message.attachments.all()
        return [dict(item) for item in _files_serializer.to_representation(files)]


_files_serializer = FileSerializer(many=True)
# One instance for every payload: building a ModelSerializer's fields costs
# more than using them (about a millisecond per message). Reading is stateless.
_payload_serializer = MessageSerializer()


def message_payload(message: Message) -> dict:
    """A message as it travels over the socket (plain JSON types)."""
    data = _payload_serializer.to_representation(message)
    return dict(data, author=dict(data["author"]) if data["author"] else None)


class RoomMemberSerializer(serializers.ModelSerializer):
    """A person in a room, as its other members see them."""

    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    municipality_name = serializers.CharField(
        source="municipality.name", default=None, read_only=True
    )

    class Meta:
        model = User
        fields = ["id", "handle", "display_name", "municipality", "municipality_name"]
        read_only_fields = fields


# Who can read a room, by its kind: its members (listed at .../members/), every
# member of the network, or the municipality's members and the moderation.
READABLE_BY = {
    RoomKind.NETWORK: "network",
    RoomKind.MUNICIPALITY: "municipality",
}


class RoomSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    readable_by = serializers.SerializerMethodField(
        help_text="members (genau die unter …/members/), network (alle Mitglieder) oder "
        "municipality (die Mitglieder der Kommune und die Moderation)"
    )
    kind = serializers.CharField(
        read_only=True, help_text="network, municipality, project, event, private, direct"
    )
    municipality = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    unread = serializers.IntegerField(read_only=True, default=0)
    mentions = serializers.IntegerField(
        read_only=True, default=0, help_text="ungelesene Erwähnungen des Mitglieds"
    )
    muted = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Room
        fields = [
            "slug",
            "name",
            "title",
            "kind",
            "is_private",
            "is_closed",
            "municipality",
            "last_seq",
            "unread",
            "mentions",
            "muted",
            "readable_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["members", "network", "municipality"]))
    def get_readable_by(self, room: Room) -> str:
        return READABLE_BY.get(room.kind, "members")

    @extend_schema_field(serializers.CharField())
    def get_title(self, room: Room) -> str:
        from chat.selectors import room_title

        viewer = self.context.get("viewer")
        return room_title(room, viewer=viewer) if viewer is not None else room.name


# Plain strings, not enums: a "kind" enum would clash with other apps' "kind" in the schema.
CREATABLE_KINDS = (RoomKind.PRIVATE.value, RoomKind.NETWORK.value)


class RoomCreateSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.CharField(
        required=False,
        default=RoomKind.PRIVATE.value,
        max_length=20,
        help_text="private (Standard) oder network (nur Moderation)",
    )
    is_private = serializers.BooleanField(required=False, allow_null=True, default=None)
    members = serializers.ListField(
        child=serializers.SlugField(max_length=60),
        required=False,
        max_length=200,
        help_text="Kürzel (handle) der eingeladenen Mitglieder",
    )

    def validate_kind(self, value: str) -> str:
        if value not in CREATABLE_KINDS:
            raise serializers.ValidationError(
                "Anlegen lassen sich nur Räume der Art private oder network.", code="invalid"
            )
        return value


class MessageEditSerializer(serializers.Serializer):
    """PATCH of a message: its text, its files (the whole list), or both."""

    body = serializers.CharField(
        max_length=MAX_BODY_LENGTH, trim_whitespace=False, required=False, allow_blank=True
    )
    attachments = AttachmentsField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"body": ["Dieses Feld ist erforderlich."]}, code="required"
            )
        return attrs


class MembershipUpdateSerializer(serializers.Serializer):
    muted = serializers.BooleanField(required=False)
    last_read_seq = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEQ)


class MessageListParamsSerializer(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEQ)
    before = serializers.IntegerField(required=False, min_value=1, max_value=MAX_SEQ)

    def validate(self, attrs):
        if "after" in attrs and "before" in attrs:
            raise serializers.ValidationError(
                "Bitte nur einen der Parameter after oder before angeben.", code="invalid"
            )
        return attrs
