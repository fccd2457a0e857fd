"""Rooms, their members and messages, and the private-message queue."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoomQuerySet":
        return self.filter(Q(is_private=False) | Q(memberships__user=user)).distinct()


class Room(models.Model):
    """A chat room. `name` is its id on the wire (`/ws/room/{name}/...`); public rooms are created
    on first join, private ones are made (or flagged) by operators and admit members only."""

    name = models.CharField(max_length=100, unique=True)
    is_private = models.BooleanField(default=False, help_text="Members only; members are managed here.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="rooms_created"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoomQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class RoomMembership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships")
    is_moderator = models.BooleanField(default=False, help_text="May stop any AI reply in the room.")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="room_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class RoomMessageQuerySet(models.QuerySet):
    def recent(self, room: Room, limit: int) -> list["RoomMessage"]:
        """The last `limit` messages of `room`, oldest first."""
        rows = list(self.filter(room=room).select_related("author").order_by("-pk")[:limit])
        rows.reverse()
        return rows


class RoomMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    public_id = models.CharField(max_length=100, unique=True, default=new_message_id)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="room_messages"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    content = models.TextField()
    model = models.CharField(max_length=100, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="room_replies_requested",
        help_text="For an AI reply: the member whose mention asked for it.",
    )
    stopped = models.BooleanField(default=False)
    tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RoomMessageQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["room", "-id"], name="room_message_room_recent"),
            models.Index(fields=["created_at"], name="room_message_created"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.content[:60]}"


class PrivateMessageQuerySet(models.QuerySet):
    def pending_for(self, user) -> "PrivateMessageQuerySet":
        """Messages to `user` not yet acknowledged, in the order they were sent."""
        return self.filter(recipient=user, delivered_at__isnull=True).select_related("sender").order_by("pk")


class PrivateMessage(models.Model):
    """One message between two users; the reliable queue is the undelivered rows."""

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_messages_sent")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="private_messages_received"
    )
    message_id = models.CharField(max_length=100, help_text="The sender's id for the message; repeats are ignored.")
    content = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When the recipient acknowledged it.")

    objects = PrivateMessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "message_id"], name="private_message_id_unique_per_sender")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "id"],
                name="private_message_pending",
                condition=Q(delivered_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"], name="private_message_delivered", condition=Q(delivered_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} -> {self.recipient_id}: {self.content[:60]}"
