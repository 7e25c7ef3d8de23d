"""The model provider, through the official `openai` SDK: any OpenAI-compatible server.

Retries are bounded and live here, not in the consume loop: a 429 waits for its
Retry-After (capped), 5xx answers, timeouts and connection errors back off; after the
last attempt the question fails with the reason instead of blocking its partition.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI
from prometheus_client import Counter, Histogram

NO_PROVIDER = "no model provider configured"

TOKENS = Counter("azora_tutor_tokens_total", "Model tokens used, by direction.", ["direction"])
LATENCY = Histogram("azora_tutor_model_seconds", "Time for one successful model call.")
FAILURES = Counter("azora_tutor_model_errors_total", "Failed model calls, by kind.", ["kind"])


@dataclass(frozen=True)
class Completion:
    """What the model said, and what it cost."""

    text: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_ms: int


@dataclass(frozen=True)
class ModelResult:
    """A completion, or why there is none."""

    completion: Completion | None = None
    failure: str | None = None


class ModelGateway:
    """Chat completions with bounded, Retry-After-honouring retries."""

    def __init__(
        self, client: AsyncOpenAI | None, model: str, *, max_attempts: int, retry_after_cap_s: float
    ) -> None:
        self.client = client
        self.model = model
        self.max_attempts = max_attempts
        self.retry_after_cap_s = retry_after_cap_s

    @property
    def configured(self) -> bool:
        """Whether a provider is configured at all."""
        return self.client is not None

    async def complete(
        self, messages: list[dict[str, str]], response_format: dict[str, Any] | None = None
    ) -> ModelResult:
        """One completion, retried as the provider's answers allow."""
        if self.client is None:
            return ModelResult(failure=NO_PROVIDER)
        last = "no attempt"
        for attempt in range(1, self.max_attempts + 1):
            started = time.monotonic()
            wait = min(0.5 * 2 ** (attempt - 1), self.retry_after_cap_s)
            try:
                extra: dict[str, Any] = (
                    {"response_format": response_format} if response_format else {}
                )
                answer = await self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    **extra,
                )
            except openai.RateLimitError as exc:
                last, kind = "rate limited (429)", "rate_limited"
                wait = min(_retry_after(exc) or wait, self.retry_after_cap_s)
            except openai.APITimeoutError:
                last, kind = "timed out", "timeout"
            except openai.APIConnectionError as exc:
                last, kind = f"unreachable ({exc})", "connection"
            except openai.InternalServerError as exc:
                last, kind = f"server error {exc.status_code}", "server"
            except openai.APIStatusError as exc:
                FAILURES.labels("refused").inc()
                return ModelResult(
                    failure=f"model provider refused the request ({exc.status_code})"
                )
            else:
                seconds = time.monotonic() - started
                LATENCY.observe(seconds)
                usage = answer.usage
                tokens_in = usage.prompt_tokens if usage else 0
                tokens_out = usage.completion_tokens if usage else 0
                TOKENS.labels("in").inc(tokens_in)
                TOKENS.labels("out").inc(tokens_out)
                if not answer.choices:
                    # A 200 with nothing in it is the provider's bug, not a passing fault:
                    # asking again bills again for the same nothing.
                    FAILURES.labels("empty").inc()
                    return ModelResult(failure="the model provider answered with no choices")
                message = answer.choices[0].message
                if message.refusal:
                    # OpenAI's documented answer when a model declines (structured outputs).
                    FAILURES.labels("refused").inc()
                    return ModelResult(failure=f"the model declined: {message.refusal}")
                text = message.content or ""
                return ModelResult(
                    Completion(text, answer.model, tokens_in, tokens_out, int(seconds * 1000))
                )
            FAILURES.labels(kind).inc()
            if attempt < self.max_attempts:
                await asyncio.sleep(wait)
        return ModelResult(
            failure=f"model provider unavailable after {self.max_attempts} attempts: {last}"
        )


def _retry_after(exc: openai.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def make_client(api_key: str | None, base_url: str | None, timeout_s: float) -> AsyncOpenAI | None:
    """The SDK client (None without a key); the SDK's own retries are off, ours count."""
    if not api_key:
        return None
    return AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)
