import asyncio

from django.core.management.base import BaseCommand

from chat import pricing
from chat.providers import PROVIDERS, provider_name_for_model
from chat.providers.base import CompletionRequest


class Command(BaseCommand):
    help = (
        "Sends a tiny request (max_tokens=5) to each configured provider with the server's own key "
        "and prints which answer. Exits non-zero when a configured provider fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", action="append", default=[], help="Model to try instead of the default.")

    def handle(self, *args, **options):
        chosen = {provider_name_for_model(model): model for model in options["model"]}
        failures = 0
        for name, provider in PROVIDERS.items():
            if not provider.is_configured():
                self.stdout.write(f"{name}: not configured")
                continue
            model = chosen.get(name) or next(m for m in pricing.PRICES if provider_name_for_model(m) == name)
            request = CompletionRequest(model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=5)
            try:
                completion = asyncio.run(provider.complete(request))
            except Exception as exc:
                failures += 1
                detail = getattr(exc, "detail", exc)
                self.stdout.write(self.style.ERROR(f"{name}: FAILED with {model}: {detail}"))
                continue
            self.stdout.write(self.style.SUCCESS(f"{name}: ok with {model}: {completion.content[:40]!r}"))
        if failures:
            raise SystemExit(1)
