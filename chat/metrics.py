"""Prometheus metrics of completions, observed once per recorded usage row."""

from decimal import Decimal

from prometheus_client import Counter, Histogram

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

completions = Counter(
    "chatstudio_completions_total", "Completions by provider, model and outcome.", ["provider", "model", "outcome"]
)
tokens = Counter(
    "chatstudio_tokens_total", "Tokens by provider, model and direction.", ["provider", "model", "direction"]
)
cost = Counter("chatstudio_cost_usd_total", "Cost in US dollars by provider and model.", ["provider", "model"])
latency = Histogram(
    "chatstudio_completion_seconds",
    "Time from the provider call to its last token.",
    ["provider", "model"],
    buckets=SECONDS_BUCKETS,
)
first_chunk = Histogram(
    "chatstudio_first_chunk_seconds",
    "Time from the provider call to the first streamed chunk.",
    ["provider", "model"],
    buckets=SECONDS_BUCKETS,
)


def completion_observe(
    *,
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: Decimal,
    latency_ms: int,
    first_chunk_ms: int | None,
    stopped: bool,
) -> None:
    completions.labels(provider, model, "stopped" if stopped else "completed").inc()
    tokens.labels(provider, model, "input").inc(input_tokens)
    tokens.labels(provider, model, "output").inc(output_tokens)
    cost.labels(provider, model).inc(float(cost_usd))
    latency.labels(provider, model).observe(latency_ms / 1000)
    if first_chunk_ms is not None:
        first_chunk.labels(provider, model).observe(first_chunk_ms / 1000)
