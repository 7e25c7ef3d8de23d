"""The base of every contract model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A command or event payload (or a part of one): immutable, and strict when written."""

    model_config = ConfigDict(frozen=True, extra="forbid")
