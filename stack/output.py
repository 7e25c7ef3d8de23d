"""How an operator's command prints: a table for people, JSON for scripts."""

from __future__ import annotations

import enum


class Output(enum.StrEnum):
    """`--output` of the commands that list things."""

    TABLE = "table"
    JSON = "json"
