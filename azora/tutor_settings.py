"""The tutor's model server, its retries, and how much each user may ask of it."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field, SecretStr


class TutorSettings(BaseModel):
    """Any OpenAI-compatible server (OpenAI, vLLM, Ollama) through its base URL.

    Without a key every question fails with "no model provider configured".
    """

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZORA_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = Field(default=30.0, gt=0)
    # Calls per question before giving up (429s wait for Retry-After, capped).
    tutor_max_attempts: int = Field(default=3, ge=1)
    tutor_retry_after_cap_s: float = 30.0
    # Per user, counted by the tutor service where it admits each command (not in a read
    # model): past the limit a question or path is rejected with the reason.
    tutor_questions_per_hour: int = Field(default=30, ge=1)
    tutor_paths_per_hour: int = Field(default=10, ge=1)
