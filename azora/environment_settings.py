"""Which kind of deployment a process runs in: the one setting other settings' checks read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class EnvironmentSettings(BaseModel):
    """AZORA_ENV; a settings module whose checks differ in production builds on this."""

    env: Literal["development", "test", "production"] = "development"
