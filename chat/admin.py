from django.contrib import admin

from chat.models import ProviderKey, TokenBudgetDay, Usage


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "provider", "model", "input_tokens", "output_tokens", "cost", "latency_ms",
                    "first_chunk_ms", "estimated", "stopped"]  # fmt: skip
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "provider", "model", "estimated", "stopped"]
    date_hierarchy = "created_at"
    search_fields = ["user__username", "model"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in Usage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    """Keys are listed by owner and provider; the secret (even encrypted) is never shown."""

    list_display = ["user", "provider", "masked", "created_at"]
    list_filter = ["provider"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "provider", "masked", "created_at"]
    readonly_fields = fields

    @admin.display(description="key")
    def masked(self, obj: ProviderKey) -> str:
        return f"…{obj.last_four}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TokenBudgetDay)
class TokenBudgetDayAdmin(admin.ModelAdmin):
    list_display = ["day", "user", "used", "reserved"]
    list_filter = ["day"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
