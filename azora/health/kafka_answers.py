"""Whether the brokers answer, asked on a connection of the probe's own.

A consumer's readiness used to ask its own client (`consumer.topics()`). The broker answers
one connection's requests in order, and that client's connection also carries the fetch an
idle consumer lets the broker hold (`azora/consume/polling.py`): behind a fetch held for
seconds, the metadata request outlasted the check's timeout and an idle, healthy consumer
answered 503. This client carries nothing but the probes' questions, so a long poll can be
as long as idling needs.

One client per process: started at the first check (nothing connects before a probe
asks), dropped and started afresh after a failure (a broker that went away and came back
gets a fresh bootstrap), closed with the process's workers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Protocol


class MetadataClient(Protocol):
    """What the probe needs of a Kafka admin client (aiokafka's `AIOKafkaAdminClient`)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def describe_cluster(self) -> dict[str, Any]: ...


class KafkaAnswers:
    """Asks the cluster for its metadata on a client of its own."""

    def __init__(self, new_client: Callable[[], MetadataClient]) -> None:
        self._new_client = new_client
        self._client: MetadataClient | None = None
        # Several checks of one process (one per consume loop) may ask at once: one start.
        self._starting = asyncio.Lock()

    async def ask(self) -> str:
        """Returns how many brokers the cluster lists; raises when it does not answer."""
        client = await self._started()
        try:
            cluster = await client.describe_cluster()
        except BaseException:
            # Timed out (cancelled) or refused: the next check bootstraps afresh.
            await self._drop(client)
            raise
        brokers = len(cluster.get("brokers", ()))
        return f"{brokers} broker{'' if brokers == 1 else 's'}"

    async def aclose(self) -> None:
        """Close the client, if a check started one."""
        if self._client is not None:
            await self._drop(self._client)

    async def _started(self) -> MetadataClient:
        async with self._starting:
            if self._client is None:
                client = self._new_client()
                try:
                    await client.start()
                except BaseException:
                    await _close_quietly(client)
                    raise
                self._client = client
            return self._client

    async def _drop(self, client: MetadataClient) -> None:
        if self._client is client:
            self._client = None
        await _close_quietly(client)


async def _close_quietly(client: MetadataClient) -> None:
    # Closing a client whose start or request failed must not hide why it failed.
    with contextlib.suppress(Exception):
        await asyncio.shield(client.close())
