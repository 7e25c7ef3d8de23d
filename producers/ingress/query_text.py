"""Text query parameters: bounded in length, and free of what Postgres cannot store.

Postgres's `text` cannot hold NUL (U+0000): a query run with one fails with an error the
ingress can only answer 500. Declared here, the rule is checked with the parameter's other
constraints (a 422 naming it) and stated in the OpenAPI document. Every text parameter of
a query string is declared with `text_query` (a unit test walks the app's routes for it).
"""

from __future__ import annotations

from typing import Any

from fastapi import Query

NO_NUL = r"^[^\x00]*$"


def text_query(max_length: int, description: str | None = None) -> Any:
    """A text query parameter of at most `max_length` characters, none of them NUL."""
    return Query(max_length=max_length, pattern=NO_NUL, description=description)
