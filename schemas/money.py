"""Money as it travels in events: integer minor units and an ISO 4217 code."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# Positive, and small enough that sums never leave a bigint.
AmountMinor = Annotated[int, Field(gt=0, le=1_000_000_000_000)]
BalanceMinor = Annotated[int, Field(ge=0)]
