import django_filters

from conversations import timestamps
from conversations.models import Conversation


class MillisecondsFilter(django_filters.NumberFilter):
    """Compares a datetime column with integer milliseconds since the epoch."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return super().filter(qs, timestamps.from_ms(int(value)))


class ConversationFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model")
    created_after = MillisecondsFilter(
        field_name="created_at", lookup_expr="gte", min_value=0, max_value=timestamps.MAX_MS
    )
    created_before = MillisecondsFilter(
        field_name="created_at", lookup_expr="lte", min_value=0, max_value=timestamps.MAX_MS
    )
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Conversation
        fields = ["model", "created_after", "created_before", "q"]
