from django.contrib import admin

from conversations import services
from conversations.models import Conversation, Message


class MessageInline(admin.TabularInline):
    model = Message
    fields = ["position", "public_id", "role", "content", "model", "tokens", "stopped", "timestamp"]
    ordering = ["position", "pk"]
    extra = 0


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["public_id", "title", "owner", "model", "message_count", "updated_at"]
    list_filter = ["model", "created_at", "updated_at"]
    search_fields = ["public_id", "title", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["message_count"]
    inlines = [MessageInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.conversation_edited_in_admin(conversation=form.instance, created=not change)

    def delete_model(self, request, obj):
        services.conversation_delete(conversation=obj)

    def delete_queryset(self, request, queryset):
        for conversation in queryset.select_related("owner"):
            services.conversation_delete(conversation=conversation)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["public_id", "conversation", "role", "model", "tokens", "stopped", "timestamp"]
    list_filter = ["role", "model", "stopped"]
    search_fields = ["public_id", "content", "conversation__public_id", "conversation__owner__username"]
    raw_id_fields = ["conversation"]
    list_select_related = ["conversation"]
