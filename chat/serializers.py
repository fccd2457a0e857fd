from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chat.models import ProviderKey
from conversations import timestamps
from conversations.models import Role
from conversations.serializers import MAX_MESSAGE_CHARS, StatsSerializer

MAX_CHAT_MESSAGES = 1000


class ChatMessageSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    content = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_MESSAGE_CHARS)


class ChatRequestSerializer(serializers.Serializer):
    messages = ChatMessageSerializer(many=True, allow_empty=False, max_length=MAX_CHAT_MESSAGES)
    model = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=2)
    max_tokens = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4096)
    stream = serializers.BooleanField(required=False, default=False)
    conversationId = serializers.CharField(required=False, allow_null=True, max_length=100)  # noqa: N815


class ChatResponseSerializer(serializers.Serializer):
    content = serializers.CharField()
    tokens = serializers.IntegerField(help_text="Output tokens of the reply.")
    model = serializers.CharField(help_text="The model that answered.")


class ChatProviderQuerySerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=["openai", "anthropic", "local"], required=False)


class ModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    provider = serializers.CharField()


class ModelListSerializer(serializers.Serializer):
    default = serializers.CharField()
    models = ModelSerializer(many=True)


def provider_key_payload(key: ProviderKey) -> dict:
    return {"provider": key.provider, "lastFour": key.last_four, "createdAt": timestamps.to_ms(key.created_at)}


class ProviderKeySerializer(serializers.Serializer):
    provider = serializers.CharField()
    lastFour = serializers.CharField(help_text="The last four characters of the key; the rest is never returned.")  # noqa: N815
    createdAt = serializers.IntegerField(help_text="Milliseconds since the epoch.")  # noqa: N815

    def to_representation(self, instance: ProviderKey) -> dict:
        return provider_key_payload(instance)


class ProviderKeyCreateSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=["openai", "anthropic"])
    key = serializers.CharField(
        min_length=8, max_length=500, error_messages={"min_length": _("That is not an API key.")}
    )


class ChatStatsSerializer(StatsSerializer):
    total_cost = serializers.FloatField(help_text="US dollars over all recorded completions.")
