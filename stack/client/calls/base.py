"""One described HTTP call (method, path, body, answer model), and how bodies are built."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[M]):
    """One HTTP request and the model its answer is read into (None: no body)."""

    method: Literal["GET", "POST", "DELETE"]
    path: str
    answer: type[M] | None
    json: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    timeout: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None


def clean(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items() if v is not None
    }


def body_of(request: BaseModel) -> dict[str, Any]:
    """`request` as JSON: what the caller left out (or None) stays out, as before."""
    return request.model_dump(mode="json", exclude_unset=True, exclude_none=True)
