from django.conf import settings
from django.db import models


class ProviderName(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    LOCAL = "local", "Local model"


class Usage(models.Model):
    """One completion: who asked which model, the tokens, the cost and the timing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_usages")
    provider = models.CharField(max_length=20, choices=ProviderName.choices)
    model = models.CharField(max_length=100)
    input_tokens = models.PositiveIntegerField()
    output_tokens = models.PositiveIntegerField()
    cost = models.DecimalField(max_digits=14, decimal_places=6, help_text="US dollars.")
    latency_ms = models.PositiveIntegerField(help_text="From the request to the provider until its last token.")
    first_chunk_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Time to the first streamed chunk.")
    estimated = models.BooleanField(default=False, help_text="The provider reported no usage; tokens are estimated.")
    streamed = models.BooleanField(default=False)
    stopped = models.BooleanField(default=False, help_text="Cancelled or failed part-way; only produced tokens count.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "model"], name="chat_usage_user_model")]

    def __str__(self) -> str:
        return f"{self.model}: {self.input_tokens}+{self.output_tokens} tokens"


class ProviderKey(models.Model):
    """A user's own provider API key, Fernet-encrypted; only its last four characters are readable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_keys")
    provider = models.CharField(
        max_length=20, choices=[(ProviderName.OPENAI, "OpenAI"), (ProviderName.ANTHROPIC, "Anthropic")]
    )
    encrypted_key = models.TextField()
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="provider_key_one_per_user")]

    def __str__(self) -> str:
        return f"{self.provider} key …{self.last_four}"


class TokenBudgetDay(models.Model):
    """A user's token account for one UTC day: settled usage plus open reservations.

    Reservations and settlements are single conditional UPDATEs, so parallel requests cannot
    overspend the budget.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_budget_days")
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="token_budget_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.used} used, {self.reserved} reserved"
