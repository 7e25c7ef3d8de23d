"""Benchmark "end to end": a command accepted by the ingress until its outcome is visible
in the read models, at a fixed 500 commands per second for 60 seconds, through the whole
stack as `azora run` starts it (ingress → Kafka → wallet → outbox → relay → Kafka →
projections, which commit the status and NOTIFY).

Baseline, in the same run at the same rate: the smallest pipeline of the same parts, one
hop instead of two and no framework: a producer (acks=all) → a consumer → one Postgres
transaction that inserts and NOTIFYs. Also the peak RSS of every process of the stack.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from azora import channels
from azora.kafka import delete_topics
from azora.messages import build_envelope, encode, message_key
from azora.runtime import die_with_parent
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench import servers
from bench.databases import fresh_database
from bench.http import Pool, post
from bench.result import Result
from producers.ingress.tokens import TokenService
from schemas.catalogue import PAYMENT_SUCCEEDED
from schemas.payments import PaymentSucceeded

RATE = 500
SECONDS = 60
BASELINE_SECONDS = 20
USERS = 100
GOAL_P99_MS = 150.0
MEMORY_GOAL_MIB = 150.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


IN_FLIGHT = 64


async def _open_loop(
    rate: int, seconds: int, send: Callable[[int], Coroutine[Any, Any, None]]
) -> float:
    """Call `send(i)` `rate` times a second on a fixed schedule, at most IN_FLIGHT at once.

    The cap keeps a stack that falls behind from drowning the client in waiting requests
    (httpx's pool gets slower with every waiter); falling behind then shows as an achieved
    rate below `rate`, and every latency is still measured from the 202.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    slots = asyncio.Semaphore(IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def bounded(i: int) -> None:
        try:
            await send(i)
        finally:
            slots.release()

    for i in range(rate * seconds):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        task = asyncio.create_task(bounded(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return loop.time() - start


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


async def run() -> Result:
    run_id = secrets.token_hex(4)
    prefix = f"bench-{run_id}."
    # A private, freshly migrated database: figures that do not depend on what earlier
    # runs and tests left in the development one (millions of inbox rows, say), nor on a
    # checkpoint the benchmark before this one set off (its WAL is flushed first).
    async with fresh_database(Settings().database_url, checkpoint_first=True) as database_url:
        settings = Settings(topic_prefix=prefix, database_url=database_url)
        names = TopicNames(prefix=prefix)
        await apply_topics(settings, names)
        try:
            users = [uuid.uuid4() for _ in range(USERS)]
            await _fund(settings, names, users)
            azora = await _through_the_stack(settings, prefix, users)
            raw = await _baseline(settings, prefix)
        finally:
            await delete_topics(settings, names.all_physical())
    p99, base_p99 = azora.p99_ms, raw["p99_ms"]
    heaviest = max(azora.rss.values())
    return Result(
        name="end to end",
        figure=f"ms from a command's 202 to its outcome visible, {RATE}/s for {SECONDS} s",
        value=round(p99, 1),
        unit="ms p99",
        baseline="one-hop raw pipeline: produce (acks=all) → consume → INSERT + NOTIFY",
        baseline_value=round(base_p99, 1),
        ratio=round(p99 / base_p99, 3),
        goal=f"p99 <= {GOAL_P99_MS:.0f} ms; peak RSS <= {MEMORY_GOAL_MIB:.0f} MB each",
        passed=p99 <= GOAL_P99_MS and heaviest <= MEMORY_GOAL_MIB and azora.lost == 0,
        rows=[
            (
                "commands sent / accepted / visible",
                f"{azora.sent:,} / {azora.accepted:,} / {azora.visible:,}",
            ),
            ("achieved rate", f"{azora.rate:,.0f} commands/s"),
            (
                "202 → visible p50 / p99 / max",
                f"{azora.p50_ms:.1f} / {p99:.1f} / {azora.max_ms:.1f} ms",
            ),
            ("POST → 202 p50 / p99", f"{azora.post_p50_ms:.1f} / {azora.post_p99_ms:.1f} ms"),
            (
                "baseline p50 / p99",
                f"{raw['p50_ms']:.1f} / {base_p99:.1f} ms ({raw['visible']:,} records)",
            ),
            *[(f"peak RSS {name}", f"{mib:.0f} MiB") for name, mib in sorted(azora.rss.items())],
        ],
        details={"azora": asdict(azora), "baseline": raw},
    )


async def _fund(settings: Settings, names: TopicNames, users: list[uuid.UUID]) -> None:
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
    rss: dict[str, float]

    @property
    def lost(self) -> int:
        return self.accepted - self.visible


async def _through_the_stack(
    settings: Settings,
    prefix: str,
    users: list[uuid.UUID],
    *,
    seconds: int = SECONDS,
    meanwhile: Callable[[], Coroutine[Any, Any, None]] | None = None,
    timeline: list[tuple[float, float]] | None = None,
) -> StackRun:
    """The fixed rate through `azora run` for `seconds`; `meanwhile` runs beside the load
    (a broker killed, say), and `timeline` gets (accepted at, ms to visible) per command."""
    port = servers.free_port()
    env = {
        **os.environ,
        "AZORA_TOPIC_PREFIX": prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(servers.free_port()),
        "AZORA_LOG_LEVEL": "WARNING",
    }
    stack = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
        [sys.executable, "-m", "stack", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    base = f"http://127.0.0.1:{port}"
    tokens = TokenService(settings.required_secret("secret_key"), 3600, 3600)
    auth = {
        user: {"Authorization": "Bearer " + tokens.issue(user, (), uuid.uuid4(), 0).access_token}
        for user in users
    }
    accepted_at: dict[str, float] = {}
    post_ms: list[float] = []
    try:
        await _ready(base, stack)
        http = Pool("127.0.0.1", port, IN_FLIGHT)
        async with Visible(settings.database_url, channels.COMMAND_STATUS) as visible:
            # Warm up every consumer group and connection before the clock starts.
            await _transfer(http, auth, users, 0, {}, [])
            await asyncio.sleep(3)
            beside = asyncio.create_task(meanwhile()) if meanwhile else None
            took = await _open_loop(
                RATE, seconds, lambda i: _transfer(http, auth, users, i, accepted_at, post_ms)
            )
            if beside is not None:
                await beside
            deadline = time.perf_counter() + 30
            # Polled: the listener's callback fills `visible.at` as notifications arrive.
            while time.perf_counter() < deadline and not set(accepted_at) <= set(visible.at):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            seen = dict(visible.at)
        await http.close()
        rss = {name: servers.peak_rss_mib(pid) for name, pid in servers.children(stack.pid).items()}
    finally:
        servers.stop(stack)
    latencies = [
        max(0.0, (seen[command] - at) * 1000)
        for command, at in accepted_at.items()
        if command in seen
    ]
    if timeline is not None:
        timeline += sorted(
            (at, max(0.0, (seen[command] - at) * 1000))
            for command, at in accepted_at.items()
            if command in seen
        )
    return StackRun(
        sent=RATE * seconds,
        accepted=len(accepted_at),
        visible=len(latencies),
        rate=RATE * seconds / took,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies),
        post_p50_ms=_percentile(post_ms, 0.50),
        post_p99_ms=_percentile(post_ms, 0.99),
        rss=rss,
    )


async def _transfer(
    http: Pool,
    auth: dict[uuid.UUID, dict[str, str]],
    users: list[uuid.UUID],
    i: int,
    accepted_at: dict[str, float],
    post_ms: list[float],
) -> None:
    source, target = users[i % len(users)], users[(i * 7 + 1) % len(users)]
    if source == target:
        target = users[(i + 1) % len(users)]
    body = json.dumps({"to_user_id": str(target), "amount_minor": 100, "currency": "EUR"})
    sent = time.perf_counter()
    try:
        status, answer = await http.request(
            post("/v1/wallet/transfers", body.encode(), auth[source])
        )
    except (OSError, asyncio.IncompleteReadError):
        return  # counted: sent but not accepted
    now = time.perf_counter()
    if status == 202:
        accepted_at[json.loads(answer)["command_id"]] = now
        post_ms.append((now - sent) * 1000)


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


async def _baseline(settings: Settings, prefix: str) -> dict[str, float]:
    """The same rate through one raw hop: produce, consume, INSERT + NOTIFY, LISTEN."""
    topic = f"{prefix}bench.e2e_baseline"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, 1)])
    finally:
        await admin.close()
    channel = f"bench_{prefix.strip('.').replace('-', '_')}"
    conn = await asyncpg.connect(settings.database_url)
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS seen (id uuid PRIMARY KEY, at timestamptz NOT NULL)"
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True,
        linger_ms=5,
    )  # fmt: skip
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    stop = asyncio.Event()
    acked: dict[str, float] = {}

    async def apply() -> None:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100, max_records=1000)
            ids = [r.value.decode() for rs in batches.values() for r in rs if r.value != b"warm-up"]
            if ids:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO seen SELECT unnest($1::uuid[]), now() ON CONFLICT DO NOTHING",
                        ids,
                    )
                    await conn.execute(
                        "SELECT pg_notify($1, id) FROM unnest($2::text[]) AS t(id)", channel, ids
                    )

    async with Visible(settings.database_url, channel) as visible:
        applying = asyncio.create_task(apply())

        async def send(_: int) -> None:
            record = str(uuid.uuid4())
            await producer.send_and_wait(topic, record.encode())
            acked[record] = time.perf_counter()

        try:
            await _open_loop(RATE, BASELINE_SECONDS, send)
            deadline = time.perf_counter() + 20
            while time.perf_counter() < deadline and not set(acked) <= set(visible.at):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            seen = dict(visible.at)
        finally:
            stop.set()
            await applying
            await consumer.stop()
            await producer.stop()
            await conn.close()
            await delete_topics(settings, [topic])
    latencies = [max(0.0, (seen[r] - at) * 1000) for r, at in acked.items() if r in seen]
    return {
        "visible": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": _percentile(latencies, 0.99),
    }
