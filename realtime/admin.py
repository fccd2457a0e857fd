from django.contrib import admin

from realtime.models import PrivateMessage, Room, RoomMembership, RoomMessage


class RoomMembershipInline(admin.TabularInline):
    model = RoomMembership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "is_moderator", "joined_at"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """Operators make a room private here and manage who may join it."""

    list_display = ["name", "is_private", "member_count", "created_by", "created_at"]
    list_filter = ["is_private"]
    search_fields = ["name"]
    inlines = [RoomMembershipInline]
    raw_id_fields = ["created_by"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).select_related("created_by").annotate(members=Count("memberships"))

    @admin.display(ordering="members", description="members")
    def member_count(self, room) -> int:
        return room.members


@admin.register(RoomMessage)
class RoomMessageAdmin(admin.ModelAdmin):
    list_display = ["public_id", "room", "author", "role", "short_content", "stopped", "created_at"]
    list_filter = ["role", "stopped", "created_at"]
    search_fields = ["content", "room__name", "author__username", "public_id"]
    list_select_related = ["room", "author"]
    raw_id_fields = ["room", "author", "requested_by"]

    @admin.display(description="content")
    def short_content(self, message) -> str:
        return message.content[:80]


@admin.register(PrivateMessage)
class PrivateMessageAdmin(admin.ModelAdmin):
    """The reliable queue: undelivered rows are what a recipient receives on their next connect."""

    list_display = ["message_id", "sender", "recipient", "short_content", "created_at", "delivered_at"]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["message_id", "sender__username", "recipient__username", "content"]
    list_select_related = ["sender", "recipient"]
    raw_id_fields = ["sender", "recipient"]
    actions = ["mark_delivered"]

    @admin.display(description="content")
    def short_content(self, message) -> str:
        return message.content[:80]

    @admin.action(description="Mark selected messages delivered (drop them from the queue)")
    def mark_delivered(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())
        self.message_user(request, f"{count} messages marked delivered.")
