"""Prices in US dollars per million tokens, (input, output), by model; the models listed here
are the ones `/api/chat/models` offers for each configured provider.

A model routed by its prefix but missing here still works (OpenAI-compatible servers serve
any name); its cost is recorded as 0 and a warning is logged.
"""

import logging
from decimal import Decimal

logger = logging.getLogger(__name__)

PRICES: dict[str, tuple[Decimal, Decimal]] = {
    # OpenAI
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
    "o3-mini": (Decimal("1.10"), Decimal("4.40")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    # Anthropic
    "claude-sonnet-4-6": (Decimal("3.00"), Decimal("15.00")),
    "claude-opus-4-5": (Decimal("5.00"), Decimal("25.00")),
    "claude-haiku-4-5": (Decimal("1.00"), Decimal("5.00")),
    # Built in
    "local-echo": (Decimal("0"), Decimal("0")),
}

_MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")


def cost_of(*, model: str, input_tokens: int, output_tokens: int) -> Decimal:
    """Dollars for this many tokens, rounded to a millionth of a dollar."""
    price = PRICES.get(model)
    if price is None:
        logger.warning("No price for model %s; recording cost 0", model)
        return Decimal("0.000000")
    input_price, output_price = price
    return ((input_price * input_tokens + output_price * output_tokens) / _MILLION).quantize(COST_PLACES)
