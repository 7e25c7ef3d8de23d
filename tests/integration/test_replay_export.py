"""`azora replay export` on the real broker, checked against kcat reading the same window."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from azora import kafka
from azora.messages import build_envelope, encode, message_key
from azora.runtime import die_with_parent
from azora.settings import Settings
from schemas import catalogue
from schemas.catalogue import TopicSpec
from schemas.payments import PaymentFailed, PaymentSucceeded
from stack.replay.export import ExportRequest, Summary, export
from stack.replay.filters import Filters
from stack.replay.formats import Format
from stack.replay.rows import ENVELOPE_COLUMNS, META_COLUMNS, RAW_COLUMN
from stack.replay.window import parse_bound
from tests.support.world import World, new_world

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HOUR_MS = 3_600_000
BURST = 1500  # payments per burst; two bursts two hours apart
STEP_MS = 10  # between records of a burst: a burst spans 15 s
FAILED_PER_BURST = 150
CURRENCIES = ("EUR", "USD", "GBP")
REASONS = ("card_declined", "insufficient_funds")
GARBAGE: tuple[bytes | None, ...] = (b"not an envelope", b'{"half": ', None)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# (topic, key, value, headers, timestamp ms) as a producer sends it.
Record = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]] | None, int]


@dataclass(frozen=True)
class Sent:
    """One record as produced: what a correct export of its window must show."""

    topic: str
    key: str
    timestamp: int
    event_id: str | None = None  # None: garbage, not an envelope
    currency: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Payments:
    """Two bursts of payments (and failures, and garbage) at known record timestamps."""

    world: World
    early: int
    late: int
    sent: list[Sent]

    @property
    def succeeded(self) -> str:
        return self.world.names.physical(catalogue.PAYMENT_SUCCEEDED)

    @property
    def failed(self) -> str:
        return self.world.names.physical(catalogue.PAYMENT_FAILED)

    def ids(self, keep: Callable[[Sent], bool] = lambda sent: True) -> set[str]:
        return {s.event_id for s in self.sent if s.event_id is not None and keep(s)}


def iso(ms: int) -> str:
    return (EPOCH + timedelta(milliseconds=ms)).isoformat().replace("+00:00", "Z")


async def create_topics(world: World, specs: Sequence[TopicSpec]) -> list[str]:
    """Only the topics a test needs (the whole catalogue would be 80 topics)."""
    topics = [NewTopic(world.names.physical(s), s.partitions, 1) for s in specs]
    admin = AIOKafkaAdminClient(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics(topics)
    finally:
        await admin.close()
    return [topic.name for topic in topics]


async def send(world: World, records: Sequence[Record]) -> None:
    """Produce (topic, key, value, headers, timestamp_ms) records and wait for every ack."""
    producer = AIOKafkaProducer(
        bootstrap_servers=world.settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, headers=headers, timestamp_ms=ts)
            for topic, key, value, headers, ts in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def payment_records(
    world: World, start_ms: int, count: int, *, every_tenth_without_headers: bool = True
) -> tuple[list[Record], list[Sent]]:
    spec = catalogue.PAYMENT_SUCCEEDED
    records: list[Record] = []
    sent = []
    for i in range(count):
        currency = CURRENCIES[i % len(CURRENCIES)]
        payment = PaymentSucceeded(
            payment_id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            amount_minor=100 + i,
            currency=currency,
            purpose="wallet_top_up",
            succeeded_at=datetime.now(UTC),
        )
        envelope = build_envelope(spec, payment, actor="replay-test")
        message = encode(spec, envelope, message_key(spec, payment), world.names)
        # Some records lack the envelope headers: the type filter must read their bodies.
        headers = None if every_tenth_without_headers and i % 10 == 0 else list(message.headers)
        ts = start_ms + i * STEP_MS
        records.append((message.topic, message.key, message.value, headers, ts))
        assert message.key is not None
        sent.append(Sent(message.topic, message.key.decode(), ts, str(envelope.event_id), currency))
    return records, sent


@pytest.fixture(scope="module")
async def payments(base_settings: Settings) -> AsyncIterator[Payments]:
    """Payments in two bursts two hours apart (record timestamps set explicitly)."""
    world = new_world(base_settings)
    topics = await create_topics(world, [catalogue.PAYMENT_SUCCEEDED, catalogue.PAYMENT_FAILED])
    now = datetime.now(UTC)
    # Whole seconds in the past: brokers may refuse record timestamps from the future.
    early = int((now - EPOCH).total_seconds() - 3 * 3600) * 1000
    late = early + 2 * HOUR_MS
    records: list[Record] = []
    sent: list[Sent] = []
    for start in (early, late):
        more, more_sent = payment_records(world, start, BURST)
        records += more
        sent += more_sent
        failed_spec = catalogue.PAYMENT_FAILED
        for i in range(FAILED_PER_BURST):
            failure = PaymentFailed(
                payment_id=uuid.uuid4(),
                user_id=uuid.uuid4(),
                reason=REASONS[i % 2],
                failed_at=datetime.now(UTC),
            )
            envelope = build_envelope(failed_spec, failure, actor="replay-test")
            message = encode(failed_spec, envelope, message_key(failed_spec, failure), world.names)
            assert message.key is not None
            headers = None if i % 10 == 0 else list(message.headers)
            ts = start + 5 + i * 100
            records.append((message.topic, message.key, message.value, headers, ts))
            sent.append(
                Sent(
                    message.topic,
                    message.key.decode(),
                    ts,
                    str(envelope.event_id),
                    reason=REASONS[i % 2],
                )
            )
    # Garbage in the middle of the first burst, where any window across it must show it.
    for n, value in enumerate(GARBAGE):
        topic = world.names.physical(catalogue.PAYMENT_SUCCEEDED)
        ts = early + 7_003 + n
        records.append((topic, f"garbage-{n}".encode(), value, None, ts))
        sent.append(Sent(topic, f"garbage-{n}", ts))
    records.sort(key=lambda record: record[4])  # produced in time order, as a log would be
    sent.sort(key=lambda s: s.timestamp)
    await send(world, records)
    try:
        yield Payments(world, early, late, sent)
    finally:
        await kafka.delete_topics(world.settings, topics)


async def export_rows(
    world: World,
    path: Path,
    topics: Sequence[str],
    start: str = "earliest",
    stop: str = "latest",
    filters: Filters | None = None,
    fmt: Format = Format.JSONL,
    rate: float | None = None,
) -> Summary:
    request = ExportRequest(
        topics=tuple(topics),
        start=parse_bound(start),
        stop=parse_bound(stop),
        filters=filters or Filters(),
        format=fmt,
        output=path,
        rate=rate,
        progress=False,
    )
    return await export(world.settings, request)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def kcat_binary() -> str:
    found = subprocess.run(
        [str(REPO / "infra/kcat/kcat.sh"), "path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not os.access(found, os.X_OK):
        pytest.fail(f"kcat is not installed at {found}: run `make kcat`")
    return found


async def kcat(settings: Settings, topic: str, offsets: Sequence[str]) -> list[dict[str, Any]]:
    """kcat's JSON envelopes (-J) for a topic, every partition, until the window's end."""
    arguments = [a for offset in offsets for a in ("-o", offset)]
    process = await asyncio.create_subprocess_exec(
        kcat_binary(),
        "-C",
        "-b",
        settings.kafka_bootstrap_servers,
        "-t",
        topic,
        *arguments,
        "-e",
        "-J",
        "-q",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def event_id_of(body: str | None) -> str | None:
    try:
        return str(json.loads(body or "")["event_id"])
    except (ValueError, KeyError, TypeError):
        return None


# name → (start ms, stop ms) from the bursts' starts; None: earliest / latest.
WINDOWS: dict[str, Callable[[int, int], tuple[int | None, int | None]]] = {
    "across both bursts": lambda early, late: (early + 5_000, late + 5_000),
    "one burst, its end excluded": lambda early, late: (early, early + 7_500),
    "from a time to the end": lambda early, late: (late, None),
    "everything": lambda early, late: (None, None),
    "the empty gap between bursts": lambda early, late: (early + HOUR_MS, late - 1),
}


@pytest.mark.parametrize("window", list(WINDOWS))
async def test_an_export_holds_exactly_the_records_kcat_reads_for_the_same_window(
    payments: Payments, tmp_path: Path, window: str
) -> None:
    start_ms, stop_ms = WINDOWS[window](payments.early, payments.late)
    path = tmp_path / "out.jsonl"
    summary = await export_rows(
        payments.world,
        path,
        [payments.succeeded],
        start="earliest" if start_ms is None else iso(start_ms),
        stop="latest" if stop_ms is None else iso(stop_ms),
    )
    offsets = ["beginning" if start_ms is None else f"s@{start_ms}"]
    if stop_ms is not None:
        offsets.append(f"e@{stop_ms}")
    by_kcat = await kcat(payments.world.settings, payments.succeeded, offsets)
    rows = read_jsonl(path)

    def inside(sent: Sent) -> bool:
        return (
            sent.topic == payments.succeeded
            and (start_ms is None or sent.timestamp >= start_ms)
            and (stop_ms is None or sent.timestamp < stop_ms)
        )

    expected = [sent for sent in payments.sent if inside(sent)]
    assert len(rows) == len(by_kcat) == len(expected) == summary.written
    assert {(r["_partition"], r["_offset"]) for r in rows} == {
        (k["partition"], k["offset"]) for k in by_kcat
    }
    exported_ids = {r["event_id"] for r in rows if "event_id" in r}
    assert exported_ids == {event_id_of(k["payload"]) for k in by_kcat} - {None}
    assert exported_ids == payments.ids(inside)
    garbage = [r for r in rows if RAW_COLUMN in r]
    assert len(garbage) == summary.undecodable == sum(s.event_id is None for s in expected)
    assert summary.partitions == catalogue.PAYMENT_SUCCEEDED.partitions


async def test_a_type_filter_selects_exactly_that_type_and_keeps_records_it_cannot_judge(
    payments: Payments, tmp_path: Path
) -> None:
    path = tmp_path / "failed.jsonl"
    summary = await export_rows(
        payments.world,
        path,
        [payments.succeeded, payments.failed],
        filters=Filters.build(types=["PaymentFailed"]),
    )
    rows = read_jsonl(path)
    events = [r for r in rows if RAW_COLUMN not in r]
    assert {r["event_id"] for r in events} == payments.ids(lambda s: s.topic == payments.failed)
    assert {r["type"] for r in events} == {"PaymentFailed"}
    # Garbage has no type header and no envelope: it is kept and counted, never dropped.
    assert summary.undecodable == len(GARBAGE) == len(rows) - len(events)
    assert summary.skipped == 2 * BURST


async def test_a_where_filter_selects_exactly_the_events_whose_field_matches(
    payments: Payments, tmp_path: Path
) -> None:
    path = tmp_path / "eur.jsonl"
    await export_rows(
        payments.world,
        path,
        [payments.succeeded],
        filters=Filters.build(types=["PaymentSucceeded"], where=["currency=EUR"]),
    )
    events = [r for r in read_jsonl(path) if RAW_COLUMN not in r]
    assert {r["event_id"] for r in events} == payments.ids(lambda s: s.currency == "EUR")
    assert len(events) == 2 * BURST // len(CURRENCIES)


async def test_a_key_filter_selects_exactly_the_records_with_those_keys(
    payments: Payments, tmp_path: Path
) -> None:
    chosen = [s for s in payments.sent if s.event_id is not None][:: len(payments.sent) // 7]
    path = tmp_path / "keys.jsonl"
    await export_rows(
        payments.world,
        path,
        [payments.succeeded, payments.failed],
        filters=Filters.build(keys=[s.key for s in chosen]),
    )
    rows = read_jsonl(path)
    assert {r["event_id"] for r in rows} == {s.event_id for s in chosen}
    assert {r["_key"] for r in rows} == {s.key for s in chosen}


async def test_a_parquet_export_has_a_row_per_event_and_the_flattened_payload_columns(
    payments: Payments, tmp_path: Path
) -> None:
    start, stop = payments.early + 5_000, payments.late + 5_000
    path = tmp_path / "payments.parquet"
    summary = await export_rows(
        payments.world,
        path,
        [payments.succeeded],
        start=iso(start),
        stop=iso(stop),
        fmt=Format.PARQUET,
    )
    table = pq.read_table(path)

    def inside(s: Sent) -> bool:
        return s.topic == payments.succeeded and start <= s.timestamp < stop

    assert table.num_rows == summary.written == sum(inside(s) for s in payments.sent)
    payload = [f"payload.{name}" for name in sorted(PaymentSucceeded.model_fields)]
    assert table.column_names == [*ENVELOPE_COLUMNS, *payload, *META_COLUMNS, RAW_COLUMN]
    assert table.schema.field("payload.amount_minor").type == pa.int64()
    assert table.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    columns = table.to_pydict()
    assert set(columns["event_id"]) - {None} == payments.ids(inside)
    assert sum(raw is not None for raw in columns[RAW_COLUMN]) == 2  # the tombstone's is null
    assert min(columns["_timestamp"]) >= start
    assert max(columns["_timestamp"]) < stop


async def test_an_export_never_joins_or_creates_a_consumer_group(
    payments: Payments, tmp_path: Path
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=payments.world.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        before = {group[0] for group in await admin.list_consumer_groups()}
        await export_rows(
            payments.world, tmp_path / "all.jsonl", [payments.succeeded, payments.failed]
        )
        after = {group[0] for group in await admin.list_consumer_groups()}
        # Other tests may start groups meanwhile; none of them can know this world's topics.
        for group in after - before:
            committed = await admin.list_consumer_group_offsets(group)
            assert not [
                tp for tp in committed if tp.topic.startswith(payments.world.settings.topic_prefix)
            ], group
    finally:
        await admin.close()


def names_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def start_command(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, env=env, stdout=output, stderr=output, preexec_fn=as_from_a_terminal
        )


def as_from_a_terminal() -> None:
    """Ctrl-C on, as a terminal starts a command: a shell running a job in the background
    (`make test &`, CI) starts it with SIGINT ignored, and Python keeps it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent()


# The slowest rate the command accepts: the first record alone waits 1,000 s for its
# tokens. An export begun at it writes its temporary file and then cannot finish, so a
# test can stop it mid-way whatever the machine's speed.
STALLED = 0.001


async def wait_for_partial(
    directory: Path, running: Callable[[], bool], timeout: float = 30.0
) -> None:
    """Until an export has begun writing its temporary file (or, for a table, its spool)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(name.startswith(".") for name in names_in(directory)):
        assert running(), "the export ended before it began writing"
        assert asyncio.get_running_loop().time() < deadline, "the export never started writing"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("fmt", [Format.JSONL, Format.PARQUET])
async def test_a_cancelled_export_leaves_no_file_behind(
    payments: Payments, tmp_path: Path, fmt: Format
) -> None:
    task = asyncio.create_task(
        export_rows(
            payments.world, tmp_path / f"out.{fmt}", [payments.succeeded], fmt=fmt, rate=STALLED
        )
    )
    await wait_for_partial(tmp_path, lambda: not task.done())
    assert not task.done(), "a stalled export cannot have finished"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert names_in(tmp_path) == []


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["sigterm", "ctrl-c"]
)
async def test_the_command_stopped_by_a_signal_leaves_no_file_behind(
    payments: Payments, tmp_path: Path, signum: int, code: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()  # so the child's stderr log is not in the directory it writes to
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": payments.world.settings.kafka_bootstrap_servers}
    command = [sys.executable, "-m", "stack", "replay", "export", "--raw-topic", payments.succeeded]
    command += ["-o", str(out / "payments.parquet"), "--rate", str(STALLED), "--quiet"]
    process = start_command(command, env, tmp_path / "stderr")
    try:
        # Writing has begun, and at this rate it cannot end before the signal arrives.
        await wait_for_partial(out, lambda: process.poll() is None)
        process.send_signal(signum)
        returncode = await asyncio.to_thread(process.wait, 30)
    finally:
        if process.poll() is None:
            process.kill()
    said = (tmp_path / "stderr").read_text()
    assert returncode == code, said
    assert "was not written" in said
    assert names_in(out) == []


async def test_filtered_json_lines_stream_to_stdout(payments: Payments) -> None:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": payments.world.settings.kafka_bootstrap_servers}
    command = [sys.executable, "-m", "stack", "replay", "export", "--raw-topic", payments.failed]
    command += ["-o", "-", "--where", "reason=card_declined", "--quiet"]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert {r["event_id"] for r in rows} == payments.ids(lambda s: s.reason == "card_declined")
    assert f"exported {len(rows):,} events" in done.stderr.decode()


async def test_an_export_stops_at_the_end_it_saw_when_it_started(
    base_settings: Settings, tmp_path: Path
) -> None:
    world = new_world(base_settings)
    topics = await create_topics(world, [catalogue.PAYMENT_SUCCEEDED])
    try:
        start = int((datetime.now(UTC) - EPOCH).total_seconds() - 60) * 1000
        before, before_sent = payment_records(world, start, 1000)
        await send(world, before)
        path = tmp_path / "out.jsonl"
        task = asyncio.create_task(export_rows(world, path, topics, rate=400))
        await wait_for_partial(tmp_path, lambda: not task.done())
        later, _ = payment_records(world, start + 20_000, 300)
        await send(world, later)  # arrives while the export runs
        summary = await task
        assert summary.written == 1000
        assert {r["event_id"] for r in read_jsonl(path)} == {s.event_id for s in before_sent}
    finally:
        await kafka.delete_topics(world.settings, topics)
