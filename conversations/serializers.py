"""The camelCase wire format of the browser client: timestamps in integer milliseconds."""

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations import timestamps
from conversations.models import Conversation, Message, Role
from conversations.services import RESERVED_IDS

PUBLIC_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}\Z"
MAX_MESSAGE_CHARS = 200_000
MAX_MESSAGES_PER_CONVERSATION = 5_000


def _public_id_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(
        PUBLIC_ID_PATTERN,
        error_messages={"invalid": _("Ids are 1 to 100 letters, digits or _ . : -")},
        **kwargs,
    )


def _milliseconds_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=timestamps.MAX_MS, **kwargs)


def _message_dict(public_id, content, role, timestamp_ms, model, tokens, stopped) -> dict:
    payload = {"id": public_id, "content": content, "role": role, "timestamp": timestamp_ms}
    if model:
        payload["model"] = model
    if tokens is not None:
        payload["tokens"] = tokens
    if stopped:
        payload["stopped"] = True
    return payload


def message_payload(message: Message) -> dict:
    return _message_dict(
        message.public_id,
        message.content,
        message.role,
        timestamps.to_ms(message.timestamp),
        message.model,
        message.tokens,
        message.stopped,
    )


def conversation_payload(conversation: Conversation, *, with_messages: bool = True) -> dict:
    payload = {
        "id": conversation.public_id,
        "title": conversation.title,
        "createdAt": timestamps.to_ms(conversation.created_at),
        "updatedAt": timestamps.to_ms(conversation.updated_at),
        "model": conversation.model,
        "systemPrompt": conversation.system_prompt,
        "userId": str(conversation.owner_id),
        "messageCount": conversation.message_count,
    }
    if with_messages:
        payload["messages"] = [message_payload(m) for m in conversation.messages.all()]
    return payload


def conversation_payloads(
    conversations: Iterable[Conversation], *, messages: Iterable[Message] | None = None
) -> list[dict]:
    """`conversation_payload` for many conversations, their messages read in one query as
    plain rows (or taken from `messages`, when the caller holds them all, e.g. just created).
    Building a model instance per message cost most of a search answering 100 conversations of
    100 messages (1.6 s of 2.6 s profiled); rows cost a small part of that."""
    conversations = list(conversations)
    by_conversation: dict[int, list[dict]] = {c.pk: [] for c in conversations}
    if messages is not None:
        for message in messages:
            by_conversation[message.conversation_id].append(message_payload(message))
    elif by_conversation:
        rows = (
            Message.objects.filter(conversation_id__in=list(by_conversation))
            .order_by("conversation_id", "position", "pk")
            .values_list(
                "conversation_id",
                "public_id",
                "content",
                "role",
                timestamps.EpochMilliseconds("timestamp"),
                "model",
                "tokens",
                "stopped",
            )
        )
        for conversation_id, *columns in rows:
            by_conversation[conversation_id].append(_message_dict(*columns))
    return [{**conversation_payload(c, with_messages=False), "messages": by_conversation[c.pk]} for c in conversations]


class MessageSerializer(serializers.Serializer):
    """A message as the client sees it. Optional keys are left out when empty."""

    id = serializers.CharField()
    content = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    timestamp = serializers.IntegerField(help_text="Milliseconds since the epoch.")
    model = serializers.CharField(required=False, help_text="The model that wrote an assistant message.")
    tokens = serializers.IntegerField(required=False)
    stopped = serializers.BooleanField(required=False, help_text="Present and true on a reply cut short.")

    def to_representation(self, instance: Message) -> dict:
        return message_payload(instance)


class ConversationSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    messages = MessageSerializer(many=True)
    createdAt = serializers.IntegerField(help_text="Milliseconds since the epoch.")
    updatedAt = serializers.IntegerField(help_text="Milliseconds since the epoch.")
    model = serializers.CharField()
    systemPrompt = serializers.CharField(allow_blank=True)
    userId = serializers.CharField(help_text="The owner's user id.")
    messageCount = serializers.IntegerField()

    def to_representation(self, instance: Conversation) -> dict:
        return conversation_payload(instance)


class MessageInputSerializer(serializers.Serializer):
    id = _public_id_field(required=False)
    content = serializers.CharField(allow_blank=True, max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)
    role = serializers.ChoiceField(choices=Role.choices)
    timestamp = _milliseconds_field(required=False, allow_null=True)
    model = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    tokens = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    stopped = serializers.BooleanField(required=False)


class ConversationUpdateSerializer(serializers.Serializer):
    """Input of PUT (every field but `id`, `userId` and the timestamps; `messages` replaces the
    list) and PATCH (any subset). `userId` and unknown keys are ignored."""

    title = serializers.CharField(max_length=200, allow_blank=True)
    model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    systemPrompt = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=50_000)
    messages = MessageInputSerializer(many=True, max_length=MAX_MESSAGES_PER_CONVERSATION)

    def validate_model(self, value: str) -> str:
        return value or settings.DEFAULT_CHAT_MODEL


class ConversationCreateSerializer(ConversationUpdateSerializer):
    """Input of POST. `id` and the timestamps may come from the client (created offline)."""

    id = _public_id_field(required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    messages = MessageInputSerializer(many=True, required=False, max_length=MAX_MESSAGES_PER_CONVERSATION)
    createdAt = _milliseconds_field(required=False, allow_null=True)
    updatedAt = _milliseconds_field(required=False, allow_null=True)

    def validate_id(self, value: str) -> str:
        if value in RESERVED_IDS:
            raise serializers.ValidationError(_("This id is reserved."))
        return value


class BatchDeleteSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.CharField(max_length=100), max_length=settings.BATCH_CREATE_MAX)


class BatchCreateResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    count = serializers.IntegerField()
    conversations = ConversationSerializer(many=True)


class BatchDeleteResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    deleted_count = serializers.IntegerField()


class PaginatedQuerySerializer(serializers.Serializer):
    SORT_FIELDS = {"createdAt": "created_at", "updatedAt": "updated_at", "title": "title"}

    page = serializers.IntegerField(min_value=1, default=1)
    page_size = serializers.IntegerField(min_value=1, default=20, help_text="At most 100; larger values are capped.")
    sort_by = serializers.ChoiceField(choices=list(SORT_FIELDS), default="updatedAt")
    sort_order = serializers.ChoiceField(choices=["asc", "desc"], default="desc")

    def validate_page_size(self, value: int) -> int:
        return min(value, 100)


class PaginatedConversationsSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    total = serializers.IntegerField()
    total_pages = serializers.IntegerField()
    conversations = ConversationSerializer(many=True)


class LimitOffsetQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, required=False)
    offset = serializers.IntegerField(min_value=0, default=0)


class SearchQuerySerializer(serializers.Serializer):
    query = serializers.CharField(max_length=200)
    model = serializers.CharField(required=False, max_length=100)
    date_from = _milliseconds_field(required=False)
    date_to = _milliseconds_field(required=False)
    limit = serializers.IntegerField(
        min_value=1, required=False, help_text="Default SEARCH_RESULTS_DEFAULT (20), at most SEARCH_RESULTS_MAX (100)."
    )


class SearchResultSerializer(serializers.Serializer):
    conversation = ConversationSerializer()
    match_type = serializers.ChoiceField(choices=["title", "message"])
    matched_message = MessageSerializer(required=False)


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()
    results = SearchResultSerializer(many=True)


@extend_schema_field({"type": "object", "additionalProperties": {"type": "object"}})
class _ByModelField(serializers.DictField):
    pass


class StatsSerializer(serializers.Serializer):
    total_conversations = serializers.IntegerField()
    total_messages = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    average_messages_per_conversation = serializers.FloatField()
    by_model = _ByModelField(help_text="Per model: conversations, messages and tokens.")
