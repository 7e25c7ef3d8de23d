"""Projections: each owns its read-model tables and can be rebuilt from the topics."""

from consumers.projections.command_status import COMMAND_STATUS
from consumers.projections.sessions import SESSIONS
from consumers.projections.users import USERS

PROJECTIONS = (USERS, SESSIONS, COMMAND_STATUS)

__all__ = ["PROJECTIONS"]
