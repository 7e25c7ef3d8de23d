"""Postgres NOTIFY channels: each is written by one process and listened to by another,
so both sides take the name from here rather than from each other."""

from __future__ import annotations

# The command_status projection notifies it when commands settle; the ingress's waiter
# (`GET /v1/commands/{id}?wait=`) listens.
COMMAND_STATUS = "azora_command_status"

# A trigger on the outbox table notifies it (migration 0001); the outbox relay listens.
OUTBOX = "azora_outbox"
