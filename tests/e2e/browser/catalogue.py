"""Courses for the browser tests, published over the API by one instructor."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.helpers import a_course, bearer, login, outcome


class Catalogue:
    """Publishes courses for the browser tests as one instructor (made once: granting a
    role runs the CLI, which is slow on a busy machine)."""

    def __init__(self, stack: str, email: str) -> None:
        self.stack = stack
        self.email = email

    async def publish(self, **overrides: Any) -> str:
        """A new course, published (its id); `price_minor=0` makes it free."""
        async with httpx.AsyncClient(base_url=self.stack, timeout=40) as http:
            auth = bearer(await login(http, self.email))  # a fresh token: runs are long
            accepted = await http.post(
                "/v1/courses",
                headers=auth,
                json=a_course(f"Course {uuid.uuid4().hex[:8]}", **overrides),
            )
            assert (await outcome(http, accepted))["status"] == "succeeded", accepted.text
            course_id: str = accepted.json()["course_id"]
            return course_id
