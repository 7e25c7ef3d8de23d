"""Settings that hold a list, given in the environment as one comma-separated string."""

from __future__ import annotations

from typing import Any


def comma_separated(value: Any) -> Any:
    """A string's comma-separated parts, stripped, the empty ones left out; else `value`."""
    # An environment variable is one string ("10.0.0.0/8, 192.168.1.7"); a list given in
    # code passes through as it is.
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value
