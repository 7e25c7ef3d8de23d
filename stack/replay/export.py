"""One export: resolve the window, read it, filter, write, and say what happened."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rich.console import Console

from azora.settings import Settings
from azora.topics import TopicNames
from stack.composition import personal_vault
from stack.replay.atomic import atomic_output
from stack.replay.audit import Disclosure, record_disclosure
from stack.replay.filters import Filters
from stack.replay.formats import Format, open_writer, require_support
from stack.replay.progress import ExportProgress
from stack.replay.reader import WindowReader, replay_consumer
from stack.replay.redaction import PersonalFilterRefused, Redaction
from stack.replay.rows import decode_envelope, event_row, raw_row
from stack.replay.selection import partitions_of
from stack.replay.throttle import TokenBucket, batch_size
from stack.replay.unsealing import Unsealing
from stack.replay.window import EARLIEST, LATEST, Bound, resolve_window
from stack.replay.writers import JsonlWriter, RowWriter


@dataclass(frozen=True)
class ExportRequest:
    """What to export (physical topic names), which window, how filtered, and where to."""

    topics: tuple[str, ...]
    start: Bound = EARLIEST
    stop: Bound = LATEST
    filters: Filters = field(default_factory=Filters)
    format: Format = Format.JSONL
    # None: JSON Lines on stdout (the format must be JSONL).
    output: Path | None = None
    rate: float | None = None
    progress: bool = True
    # None: personal fields are redacted. Given: written in clear, and audited first.
    disclosure: Disclosure | None = None


@dataclass
class Summary:
    """What an export did."""

    written: int = 0
    skipped: int = 0
    undecodable: int = 0
    partitions: int = 0
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        """Events written per second of the whole export."""
        return self.written / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """The one-line report printed at the end."""
        return (
            f"exported {self.written:,} events ({self.skipped:,} skipped by filters, "
            f"{self.undecodable:,} undecodable written as _raw) from {self.partitions} "
            f"partitions in {self.seconds:.2f} s: {self.events_per_second:,.0f} events/s"
        )


async def export(
    settings: Settings,
    request: ExportRequest,
    *,
    stdout: IO[bytes] | None = None,
    console: Console | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Summary:
    """Run one export; the output file appears only if it completes."""
    if request.output is None and request.format is not Format.JSONL:
        raise ValueError(f"{request.format} cannot be streamed to stdout; give a file")
    require_support(request.format)  # before anything is read
    started = clock()
    redaction: Redaction | None = None
    if request.disclosure is None:
        redaction = Redaction.of_catalogue(TopicNames(settings.topic_prefix))
        refusal = redaction.refusal(request.filters, request.topics)
        if refusal is not None:  # before anything is read
            raise PersonalFilterRefused(refusal)
    else:
        # Recorded before a record is read: no audit row, no export in clear.
        await record_disclosure(
            settings, request.disclosure, request.topics, request.start, request.stop
        )
    vault = None if request.disclosure is None else personal_vault(settings)
    unsealing = None if vault is None else Unsealing(vault)
    partitions = await partitions_of(settings, request.topics)
    consumer = replay_consumer(settings)
    await consumer.start()
    try:
        spans = await resolve_window(consumer, partitions, request.start, request.stop)
        reader = WindowReader(consumer, spans, batch_size(request.rate))
        summary = Summary(partitions=len(spans))
        progress = ExportProgress(reader.total, enabled=request.progress, console=console)
        bucket = TokenBucket(request.rate) if request.rate is not None else None
        if request.output is None:
            with _stdout(stdout) as writer, progress:
                await _copy(
                    reader, writer, request.filters, redaction, unsealing, bucket, progress, summary
                )
                writer.finish()
        else:
            with atomic_output(request.output) as target:
                spool = target.scratch("spool")
                with open_writer(request.format, target.path, spool) as writer, progress:
                    await _copy(
                        reader,
                        writer,
                        request.filters,
                        redaction,
                        unsealing,
                        bucket,
                        progress,
                        summary,
                    )
                    writer.finish()
    finally:
        await consumer.stop()
        if vault is not None:
            await vault.close()
    summary.seconds = clock() - started
    return summary


def _stdout(given: IO[bytes] | None) -> JsonlWriter:
    if given is not None:
        return JsonlWriter(given, owned=False)
    sys.stdout.flush()
    # Python's stdout buffers 8 KiB; a larger buffer of our own (closing it flushes, and
    # leaves the descriptor open) saves a tenth of an export's time in write calls.
    return JsonlWriter(open(sys.stdout.fileno(), "wb", buffering=1 << 20, closefd=False))


async def _copy(
    reader: WindowReader,
    writer: RowWriter,
    filters: Filters,
    redaction: Redaction | None,
    unsealing: Unsealing | None,
    bucket: TokenBucket | None,
    progress: ExportProgress,
    summary: Summary,
) -> None:
    # Decided once: the unfiltered path (the common one) pays for no filter calls.
    by_record = bool(filters.keys or filters.types)
    by_event = bool(filters.types or filters.where)
    async for records in reader.batches():
        if bucket is not None:
            await bucket.acquire(len(records))
        # An export in clear decodes the batch first, to fetch its users' keys in one call.
        decoded = None
        if unsealing is not None:
            decoded = [decode_envelope(record.value) for record in records]
            await unsealing.prepare(decoded)
        for index, record in enumerate(records):
            if by_record and not filters.admits_record(record.key, record.headers):
                summary.skipped += 1
                continue
            envelope = decode_envelope(record.value) if decoded is None else decoded[index]
            if envelope is None:
                # What the filters could judge without a body let it through: kept, and
                # counted, so a poison record is never lost from an analyst's view.
                summary.undecodable += 1
                if redaction is None:
                    writer.write_raw(record)
                else:
                    writer.write_row(redaction.raw(raw_row(record)))
            elif by_event and not filters.admits_event(envelope, envelope.payload):
                summary.skipped += 1
                continue
            elif unsealing is not None and unsealing.applies_to(envelope.type):
                writer.write_row(unsealing.event(event_row(record)))
            elif redaction is not None and redaction.applies_to(record.topic, envelope.type):
                # Only events with personal fields pay for parsing and re-encoding.
                writer.write_row(redaction.event(event_row(record), envelope.type))
            else:
                writer.write_event(record)
            summary.written += 1
        progress.update(reader.covered)
    progress.update(reader.covered)
