"""Writes of the realtime app. Consumers, admin and commands all call these, so the rules hold
whichever door a request came through; events leave after commit, to targeted groups."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from realtime import events
from realtime.models import PrivateMessage, Room, RoomMembership, RoomMessage

MAX_CONTENT_CHARS = 16_000


def _clean_content(content) -> str:
    if not isinstance(content, str) or not content.strip():
        raise ValidationError(_("content must be a non-empty string."), code="invalid_content")
    if len(content) > MAX_CONTENT_CHARS:
        raise ValidationError(
            _("content is longer than %(max)d characters.") % {"max": MAX_CONTENT_CHARS}, code="content_too_long"
        )
    return content


@transaction.atomic
def room_join(*, room_name: str, user) -> tuple[Room, RoomMembership]:
    """Enters `user` into the room, creating a public room on first join; private rooms admit
    members only (PermissionDenied otherwise)."""
    room = Room.objects.filter(name=room_name).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(name=room_name, created_by=user)
        except IntegrityError:  # a concurrent first join created it
            room = Room.objects.get(name=room_name)
    membership = RoomMembership.objects.filter(room=room, user=user).first()
    if membership is None:
        if room.is_private:
            raise PermissionDenied(_("This room is private."), code="room_private")
        membership, _created = RoomMembership.objects.get_or_create(room=room, user=user)
    return room, membership


def room_can_access(*, room_name: str, user) -> Room:
    """The room if `user` may post or type in it (NotFound for a private room they are not in)."""
    room = Room.objects.visible_to(user).filter(name=room_name).first()
    if room is None:
        raise NotFound(_("No such room."), code="room_not_found")
    return room


@transaction.atomic
def room_message_post(*, room: Room, author, content: str) -> RoomMessage:
    """Stores a member's message. Sends `chat_message` to the room's sockets after commit."""
    if room.is_private and not RoomMembership.objects.filter(room=room, user=author).exists():
        raise PermissionDenied(_("This room is private."), code="room_private")
    message = RoomMessage.objects.create(room=room, author=author, content=_clean_content(content))
    message.room = room
    events.send_on_commit(events.room_group(room.name), events.layer_event("room", events.chat_message_frame(message)))
    return message


@transaction.atomic
def room_reply_store(
    *, room: Room, requested_by, content: str, model: str, stopped: bool, tokens: int | None
) -> RoomMessage:
    """Stores an AI reply in the room (partial and marked stopped when cut short). Sends it to
    the room's sockets as `chat_message` after commit."""
    message = RoomMessage.objects.create(
        room=room,
        author=None,
        role=RoomMessage.Role.ASSISTANT,
        content=content,
        model=model,
        requested_by=requested_by,
        stopped=stopped,
        tokens=tokens,
    )
    message.room = room
    events.send_on_commit(events.room_group(room.name), events.layer_event("room", events.chat_message_frame(message)))
    return message


def room_is_moderator(*, room: Room, user) -> bool:
    return user.is_staff or RoomMembership.objects.filter(room=room, user=user, is_moderator=True).exists()


@transaction.atomic
def private_message_send(*, sender, recipient, content: str, message_id: str) -> tuple[PrivateMessage, bool]:
    """Stores the message in the recipient's queue, once per (sender, message_id), and returns it
    with whether it is new. Sends `private_message` to the recipient's sockets after commit
    (only when new: a resent id is delivered once)."""
    if not recipient.is_active:
        raise NotFound(_("No such user."), code="user_not_found")
    content = _clean_content(content)
    existing = PrivateMessage.objects.filter(sender=sender, message_id=message_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            message = PrivateMessage.objects.create(
                sender=sender, recipient=recipient, message_id=message_id, content=content
            )
    except IntegrityError:  # the same id sent twice at once: the other one won
        return PrivateMessage.objects.get(sender=sender, message_id=message_id), False
    events.send_on_commit(
        events.inbox_group(recipient.pk), events.layer_event("private", events.private_message_frame(message))
    )
    return message, True


@transaction.atomic
def private_messages_ack(*, recipient, message_ids: list[str], sender_id: int | None = None) -> int:
    """Marks the recipient's messages delivered; returns how many changed."""
    pending = PrivateMessage.objects.filter(recipient=recipient, message_id__in=message_ids, delivered_at__isnull=True)
    if sender_id is not None:
        pending = pending.filter(sender_id=sender_id)
    return pending.update(delivered_at=timezone.now())


def _purge_batch(queryset, *, limit: int) -> int:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:limit])
    if ids:
        queryset.model.objects.filter(pk__in=ids).delete()
    return len(ids)


@transaction.atomic
def room_messages_purge(*, cutoff, limit: int) -> int:
    """Deletes up to `limit` room messages created before `cutoff`, oldest first."""
    return _purge_batch(RoomMessage.objects.filter(created_at__lt=cutoff), limit=limit)


@transaction.atomic
def private_messages_purge(*, cutoff, limit: int) -> int:
    """Deletes up to `limit` delivered private messages created before `cutoff`, oldest first.
    Undelivered ones stay: the reliable queue never loses a message its recipient has not seen."""
    return _purge_batch(PrivateMessage.objects.filter(created_at__lt=cutoff, delivered_at__isnull=False), limit=limit)


def user_socket_messages(user) -> dict:
    """The room and private messages `user` sent, for their data export."""
    return {
        "room_messages": [
            events.chat_message_frame(m)
            for m in RoomMessage.objects.filter(author=user).select_related("room", "author").order_by("pk")
        ],
        "private_messages": [
            events.private_message_frame(m) for m in PrivateMessage.objects.filter(sender=user).order_by("pk")
        ],
    }
