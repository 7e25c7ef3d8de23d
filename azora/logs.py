"""Log lines an operator can search: one JSON object per line (or text for a terminal) with
the time, level, process role, and where it happened: the trace and span, the command and
event, the topic, partition and offset, the consumer group.

Where a line happened comes from a context variable that the consume loop and the ingress
set (`bound`, `bind`), so a handler's or a library's plain `log.warning(...)` carries it
without passing anything along. Every line is scrubbed of what looks like an email address,
a token or a key before it is written: the code logs ids, never people or secrets, and the
scrubbing is the second line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from opentelemetry import trace

if TYPE_CHECKING:
    from azora.messages import Event

# The fields a line may carry beyond the basics, in the order they are written.
CONTEXT_FIELDS = (
    "trace_id",
    "span_id",
    "command_id",
    "event_id",
    "group",
    "topic",
    "partition",
    "offset",
)
LogFormat = Literal["json", "text"]

_NOTHING: Mapping[str, object] = MappingProxyType({})
_CONTEXT: ContextVar[Mapping[str, object]] = ContextVar("azora_log_context", default=_NOTHING)

# What must never reach a log line, and what stands in for it.
_SCRUBBED = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "<email>"),
    # JSON Web Tokens (the access and refresh tokens): three base64url parts.
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "<token>"),
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1<token>"),
    # Stripe keys and webhook signing secrets, OpenAI-style keys.
    (re.compile(r"\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]+"), "<key>"),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]+"), "<secret>"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), "<key>"),
    # A password in a connection URL: scheme://user:password@host.
    (re.compile(r"(\w+://[^:/@\s]+:)[^@\s]+@"), r"\1<password>@"),
)


def scrub(text: str) -> str:
    """`text` with email addresses, tokens, keys and URL passwords replaced."""
    for pattern, replacement in _SCRUBBED:
        text = pattern.sub(replacement, text)
    return text


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Lines logged inside the block carry `fields` (None values are left out)."""
    token = _CONTEXT.set(_merged(fields))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind(**fields: object) -> None:
    """Lines logged from here to the end of this task (a request, a loop) carry `fields`."""
    _CONTEXT.set(_merged(fields))


def current() -> Mapping[str, object]:
    """The fields lines logged here carry."""
    return _CONTEXT.get()


def _merged(fields: Mapping[str, object]) -> Mapping[str, object]:
    return {**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}}


def where(record: logging.LogRecord) -> dict[str, object]:
    """The context of `record`: the bound fields, its own `extra` ones, the current span."""
    found = {**_CONTEXT.get(), **getattr(record, "fields", {})}
    if "trace_id" not in found:
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            found["trace_id"] = format(span.trace_id, "032x")
            found["span_id"] = format(span.span_id, "016x")
    return found


class JsonLines(logging.Formatter):
    """One JSON object per line: timestamp, level, role, logger, message, then context."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "role": self.role,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        context = where(record)
        line.update((name, context[name]) for name in CONTEXT_FIELDS if name in context)
        line.update((k, v) for k, v in context.items() if k not in line)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


class TerminalText(logging.Formatter):
    """`time LEVEL role logger: message key=value ...` for a person at a terminal."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def format(self, record: logging.LogRecord) -> str:
        context = where(record)
        details = " ".join(f"{k}={v}" for k, v in context.items())
        text = (
            f"{_timestamp(record)} {record.levelname} {self.role} {record.name}: "
            f"{scrub(record.getMessage())}{' ' + details if details else ''}"
        )
        if record.exc_info:
            text += "\n" + scrub(self.formatException(record.exc_info))
        return text


def configure(role: str, *, level: str = "INFO", form: LogFormat = "json") -> None:
    """Send every logger's lines to stderr in `form`, from `level` up (aiokafka's chatter
    only from WARNING up)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(role) if form == "json" else TerminalText(role))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # uvicorn's loggers write through ours (the ingress runs it without its own config).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_fields(event: Event[Any], traceparent: bytes | None = None) -> dict[str, object]:
    """Where an event is, for `bound`: its ids, position and trace (`traceparent`: its own
    CONSUMER span's, else the one it arrived with)."""
    fields: dict[str, object] = {
        "event_id": str(event.envelope.event_id),
        "command_id": str(event.envelope.correlation_id),
        "topic": event.topic,
        "partition": event.partition,
        "offset": event.offset,
    }
    parent = traceparent or event.traceparent
    if parent:
        fields.update(trace_fields(parent, own_span=traceparent is not None))
    return fields


def trace_fields(traceparent: bytes | str, *, own_span: bool) -> dict[str, object]:
    """The trace id of a W3C traceparent, and its span id when the span is this process's
    own (a parent's span id would name someone else's span)."""
    value = traceparent.decode() if isinstance(traceparent, bytes) else traceparent
    parts = value.split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return {}
    return {"trace_id": parts[1], "span_id": parts[2]} if own_span else {"trace_id": parts[1]}
