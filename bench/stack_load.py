"""Transfers at a fixed rate through a whole stack as `azora run` starts it, and what the
clients saw: each command's POST, its 202, its outcome's NOTIFY and, for a sample, the
answer of `GET /v1/commands/{id}?wait=` (the waiter a real client uses).

Used by the end-to-end benchmark (bench/end_to_end.py) and the cluster one.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from azora import channels
from azora.messages import build_envelope, encode, message_key
from azora.runtime import die_with_parent
from azora.settings import Settings
from azora.topics import TopicNames
from bench import servers
from bench.cpu import Window, WindowUsage
from bench.http import Pool, get, post
from bench.open_loop import IN_FLIGHT, open_loop
from bench.percentiles import percentile
from producers.ingress.tokens import TokenService
from schemas.catalogue import PAYMENT_SUCCEEDED
from schemas.payments import PaymentSucceeded

USERS = 100
# Seconds of load at the run's rate before the measured window (not counted).
WARM_UP_S = 10
# One command in this many is also awaited as a client would, through `?wait=`.
WAITER_EVERY = 20
WAITERS = 16
# The benchmark's own process in the CPU figures: the load's clients and the LISTEN.
LOAD = "load generator (the benchmark)"


async def _all_visible(marks: Timings, visible: Visible, *, deadline_s: float) -> None:
    """Until every command accepted in `marks` is visible, or `deadline_s` passed."""
    deadline = time.perf_counter() + deadline_s
    while time.perf_counter() < deadline and not set(marks.accepted) <= set(visible.at):  # noqa: ASYNC110
        await asyncio.sleep(0.2)


class Visible:
    """LISTENs to the projections' NOTIFY and notes when each command became visible."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self.at: dict[str, float] = {}
        self.conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> Visible:
        self.conn = await asyncpg.connect(self.url)
        await self.conn.add_listener(self.channel, self._noted)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.conn is not None:
            await self.conn.close()

    def _noted(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.at.setdefault(str(payload), time.perf_counter())


@dataclass
class Timings:
    """What the clients saw, per command id, on the `time.perf_counter` clock."""

    sent: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)
    visible: dict[str, float] = field(default_factory=dict)
    # The sample awaited through `?wait=`: when each GET went out, and when its settled
    # answer arrived.
    asked: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StackRun:
    """What the stack did under the fixed rate."""

    sent: int
    accepted: int
    visible: int
    rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    post_p50_ms: float
    post_p99_ms: float
    # Peak RSS (MiB) of every Python process of the stack, `azora run` itself included.
    rss: dict[str, float]
    # CPU over the measured window: each Python process of the stack and the load's own.
    cpu: WindowUsage

    @property
    def lost(self) -> int:
        return self.accepted - self.visible


async def fund(settings: Settings, names: TopicNames, users: list[uuid.UUID]) -> None:
    """Money for every user, as the payments service publishes it (so transfers succeed)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for user in users:
            payload = PaymentSucceeded(
                payment_id=uuid.uuid4(),
                user_id=user,
                amount_minor=100_000_000,
                currency="EUR",
                purpose="wallet_top_up",
                succeeded_at=datetime.now(UTC),
            )
            envelope = build_envelope(PAYMENT_SUCCEEDED, payload, actor="payments")
            message = encode(
                PAYMENT_SUCCEEDED, envelope, message_key(PAYMENT_SUCCEEDED, payload), names
            )
            await producer.send_and_wait(
                message.topic, message.value, key=message.key, headers=list(message.headers)
            )
    finally:
        await producer.stop()


def stack_env(settings: Settings, prefix: str, port: int) -> dict[str, str]:
    """`azora run`'s environment for a private world on free ports."""
    return {
        "AZORA_TOPIC_PREFIX": prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(servers.free_port()),
        "AZORA_HEALTH_PORT_BASE": str(servers.free_port()),
        "AZORA_LOG_LEVEL": "WARNING",
    }


async def through_the_stack(
    settings: Settings,
    prefix: str,
    users: list[uuid.UUID],
    *,
    rate: int,
    seconds: int,
    meanwhile: Callable[[], Coroutine[Any, Any, None]] | None = None,
    timeline: list[tuple[float, float]] | None = None,
    timings: Timings | None = None,
) -> StackRun:
    """`rate` transfers a second through `azora run` for `seconds`; `meanwhile` runs beside
    the load (a broker killed, say), `timeline` gets (accepted at, ms to visible) per
    command and `timings` every client-side mark (and then one command in WAITER_EVERY is
    also awaited through `?wait=`; without `timings` the load is POSTs alone)."""
    port = servers.free_port()
    stack = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
        [sys.executable, "-m", "stack", "run"],
        env={**os.environ, **stack_env(settings, prefix, port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    tokens = TokenService(settings.required_secret("secret_key"), 3600, 3600)
    auth = {
        user: {"Authorization": "Bearer " + tokens.issue(user, (), uuid.uuid4(), 0).access_token}
        for user in users
    }
    marks = timings if timings is not None else Timings()
    try:
        await _ready(f"http://127.0.0.1:{port}", stack)
        clients = _Clients(
            Pool("127.0.0.1", port, IN_FLIGHT),
            Pool("127.0.0.1", port, WAITERS),
            waiter_every=WAITER_EVERY if timings is not None else None,
        )
        async with Visible(settings.database_url, channels.COMMAND_STATUS) as visible:
            # Warm up before the clock starts: every consumer group and connection, then
            # WARM_UP_S at the run's own rate, until all of it is visible. A stack (and a
            # cluster) just started compiles its hot paths in the JIT and fills its caches
            # during its first seconds; the figures are of the stack once it runs.
            warm_up = Timings()
            await clients.transfer(auth, users, 0, warm_up)
            await open_loop(rate, WARM_UP_S, lambda i: clients.transfer(auth, users, i, warm_up))
            await _all_visible(warm_up, visible, deadline_s=30)
            await asyncio.sleep(1)
            marks.visible = visible.at  # filled by the listener as notifications arrive
            beside = asyncio.create_task(meanwhile()) if meanwhile else None
            window = Window({**servers.children(stack.pid), LOAD: os.getpid()})
            took = await open_loop(rate, seconds, lambda i: clients.transfer(auth, users, i, marks))
            cpu = window.close()
            if beside is not None:
                await beside
            await _all_visible(marks, visible, deadline_s=30)
            await clients.close()
            marks.visible = dict(visible.at)
        rss = {name: servers.peak_rss_mib(pid) for name, pid in servers.children(stack.pid).items()}
        rss["azora run"] = servers.peak_rss_mib(stack.pid)
    finally:
        servers.stop(stack)
    return _summary(marks, rate * seconds, took, rss, cpu, timeline)


def _summary(
    marks: Timings,
    sent: int,
    took: float,
    rss: dict[str, float],
    cpu: WindowUsage,
    timeline: list[tuple[float, float]] | None,
) -> StackRun:
    seen = marks.visible
    settled = sorted(
        (at, max(0.0, (seen[command] - at) * 1000))
        for command, at in marks.accepted.items()
        if command in seen
    )
    if timeline is not None:
        timeline += settled
    latencies = [ms for _, ms in settled]
    post_ms = [(marks.accepted[c] - marks.sent[c]) * 1000 for c in marks.accepted]
    return StackRun(
        sent=sent,
        accepted=len(marks.accepted),
        visible=len(latencies),
        rate=sent / took,
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies),
        post_p50_ms=percentile(post_ms, 0.50),
        post_p99_ms=percentile(post_ms, 0.99),
        rss=rss,
        cpu=cpu,
    )


class _Clients:
    """The load's HTTP clients: one pool for POSTs, a small one for the waiters' GETs."""

    def __init__(self, posts: Pool, waits: Pool, *, waiter_every: int | None) -> None:
        self.posts = posts
        self.waits = waits
        self.waiter_every = waiter_every
        self.waiting: set[asyncio.Task[None]] = set()

    async def transfer(
        self, auth: dict[uuid.UUID, dict[str, str]], users: list[uuid.UUID], i: int, marks: Timings
    ) -> None:
        source, target = users[i % len(users)], users[(i * 7 + 1) % len(users)]
        if source == target:
            target = users[(i + 1) % len(users)]
        body = json.dumps({"to_user_id": str(target), "amount_minor": 100, "currency": "EUR"})
        sent = time.perf_counter()
        try:
            status, answer = await self.posts.request(
                post("/v1/wallet/transfers", body.encode(), auth[source])
            )
        except (OSError, asyncio.IncompleteReadError):
            return  # counted: sent but not accepted
        now = time.perf_counter()
        if status != 202:
            return
        command = json.loads(answer)["command_id"]
        marks.sent[command], marks.accepted[command] = sent, now
        if self.waiter_every is not None and i % self.waiter_every == 0:
            # Beside the load, not in its slot: a waiting GET must not slow the POSTs.
            task = asyncio.create_task(self._wait(command, auth[source], marks))
            self.waiting.add(task)
            task.add_done_callback(self.waiting.discard)

    async def _wait(self, command: str, headers: dict[str, str], marks: Timings) -> None:
        marks.asked[command] = time.perf_counter()
        try:
            status, answer = await self.waits.request(
                get(f"/v1/commands/{command}?wait=10", headers)
            )
        except (OSError, asyncio.IncompleteReadError):
            return
        if status == 200 and json.loads(answer)["status"] != "pending":
            marks.answered[command] = time.perf_counter()

    async def close(self) -> None:
        await asyncio.gather(*self.waiting)
        await self.posts.close()
        await self.waits.close()


async def _ready(base: str, stack: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if stack.poll() is not None:
                raise RuntimeError("azora run exited")
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("azora run never became ready")
