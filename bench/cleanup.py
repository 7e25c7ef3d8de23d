"""Leaving the dev database and broker as the run found them, so repeated runs do not bloat.

Everything a run writes carries its run id (emails, topic prefix, consumer group), so
cleanup deletes exactly that and nothing belonging to anyone else.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import DeleteGroupsRequest

from azora import db
from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topics import TopicNames

log = logging.getLogger(__name__)

DELETE_USERS = "DELETE FROM read.users WHERE email LIKE $1"
DELETE_CREDENTIALS = "DELETE FROM read.credentials WHERE email LIKE $1"
DELETE_INBOX = "DELETE FROM azora.inbox WHERE group_id = $1"
DELETE_OFFSETS = "DELETE FROM azora.consumer_offsets WHERE group_id = $1"
# Dead letters the loop may have queued for the run's (prefixed) DLQ topics.
DELETE_OUTBOX = "DELETE FROM azora.outbox WHERE starts_with(topic, $1)"
VACUUM = "VACUUM read.users, read.credentials, azora.inbox, azora.outbox"


async def delete_rows(dsn: str, email_pattern: str, *, vacuum: bool = True) -> int:
    """Delete the run's users and credentials; vacuum so the next insert meets a clean table."""
    conn = await db.connect(dsn)
    try:
        async with conn.transaction():
            status = await conn.execute(DELETE_USERS, email_pattern)
            await conn.execute(DELETE_CREDENTIALS, email_pattern)
        if vacuum:
            await conn.execute(VACUUM)
    finally:
        await conn.close()
    return int(status.split()[-1])


async def delete_bookkeeping(dsn: str, group: str, topic_prefix: str) -> None:
    """Delete the group's inbox and offsets and the run's outbox rows."""
    conn = await db.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(DELETE_INBOX, group)
            await conn.execute(DELETE_OFFSETS, group)
            await conn.execute(DELETE_OUTBOX, topic_prefix)
        await conn.execute(VACUUM)
    finally:
        await conn.close()


async def delete_kafka_group(settings: Settings, group: str) -> None:
    """Best effort: drop the group's Kafka offsets (aiokafka's admin has no public call)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        coordinator = await admin.find_coordinator(group)
        await admin._send_request(DeleteGroupsRequest([group]), coordinator)
    except Exception as exc:  # the group expires on its own after offsets.retention.minutes
        log.warning("could not delete Kafka group %s: %r", group, exc)
    finally:
        await admin.close()


async def delete_run_topics(settings: Settings, names: TopicNames) -> None:
    """Delete the run's prefixed topics (every catalogue topic and DLQ)."""
    await delete_topics(settings, names.all_physical())


async def everything(
    settings: Settings, names: TopicNames, groups: list[str], pattern: str
) -> None:
    """Every cleanup step, each tried even when another failed (a failed run cleans up too)."""
    steps: list[tuple[str, Awaitable[object]]] = [
        ("rows", delete_rows(settings.database_url, pattern, vacuum=False)),
        *[
            (
                f"inbox, offsets, outbox of {group}",
                delete_bookkeeping(settings.database_url, group, names.prefix),
            )
            for group in groups
        ],
        *[(f"Kafka group {group}", delete_kafka_group(settings, group)) for group in groups],
        ("topics", delete_run_topics(settings, names)),
    ]
    for what, step in steps:
        try:
            await step
        except Exception as exc:
            log.warning("cleanup of %s failed: %r", what, exc)
