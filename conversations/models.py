from django.conf import settings
from django.db import models
from django.db.models import Prefetch


class Role(models.TextChoices):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class ConversationQuerySet(models.QuerySet):
    def owned_by(self, user) -> "ConversationQuerySet":
        return self.filter(owner=user)

    def with_messages(self) -> "ConversationQuerySet":
        return self.prefetch_related(Prefetch("messages", queryset=Message.objects.in_order()))


class Conversation(models.Model):
    """A user's chat thread. `public_id` is the id on the wire: client-supplied or generated,
    unique per owner only, so two users may both own `conv_1`."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    public_id = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    model = models.CharField(max_length=100)
    system_prompt = models.TextField(blank=True, default="")
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "public_id"], name="conversation_public_id_unique_per_owner"),
        ]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="conversation_owner_updated"),
            models.Index(fields=["owner", "-created_at"], name="conversation_owner_created"),
            models.Index(fields=["owner", "title"], name="conversation_owner_title"),
            models.Index(fields=["owner", "model"], name="conversation_owner_model"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.title}"


class MessageQuerySet(models.QuerySet):
    def in_order(self) -> "MessageQuerySet":
        return self.order_by("position", "pk")


class Message(models.Model):
    # No index of its own: `message_conversation_order` leads with it. With both, PostgreSQL
    # preferred the single-column one and sorted, where the ordered index stops at the first match.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    public_id = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    model = models.CharField(max_length=100, blank=True, default="")
    tokens = models.PositiveIntegerField(null=True, blank=True)
    stopped = models.BooleanField(default=False, help_text="An assistant reply cut short by the user or a failure.")
    position = models.PositiveIntegerField()
    timestamp = models.DateTimeField()

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "public_id"], name="message_public_id_unique_per_conversation"
            ),
        ]
        indexes = [models.Index(fields=["conversation", "position", "id"], name="message_conversation_order")]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"
