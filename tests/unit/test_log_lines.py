"""Log lines are JSON objects an operator can search: time, level, role, and where they
happened (trace, command, event, group, topic, partition, offset); text when asked; and
nothing in them that looks like an email address, a token or a key."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from azora import logs, tracing
from azora.messages import Event, build_envelope, encode
from azora.settings import Settings
from azora.topics import TopicNames
from schemas import catalogue
from schemas.envelope import HEADER_TRACEPARENT
from schemas.learning import UserRoleGranted
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Captured:
    """What the root logger wrote, in the format the processes write it."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    def lines(self) -> list[str]:
        return self._stream.getvalue().splitlines()

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines()]


@pytest.fixture
def captured() -> Iterator[Captured]:
    yield from _capture(logs.JsonLines("identity"))


@pytest.fixture
def captured_text() -> Iterator[Captured]:
    yield from _capture(logs.TerminalText("identity"))


def _capture(formatter: logging.Formatter) -> Iterator[Captured]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def an_event(traceparent: str | None = None) -> Event[Any]:
    payload = UserRoleGranted(
        user_id=uuid.uuid4(), role="admin", granted_by="cli:ops", granted_at=datetime.now(UTC)
    )
    spec = catalogue.spec_for(payload)
    envelope = build_envelope(spec, payload, actor="test")
    message = encode(spec, envelope, b"k", TopicNames())
    headers = ((HEADER_TRACEPARENT, traceparent.encode()),) if traceparent else ()
    return Event(spec, envelope, payload, message.topic, 2, 41, headers, b"k", message.value)


def test_a_line_is_one_json_object_with_time_level_role_logger_and_message(
    captured: Captured,
) -> None:
    logging.getLogger("azora.test").warning("retrying in %.1fs", 2.0)

    (line,) = captured.json()
    assert list(line)[:5] == ["timestamp", "level", "role", "logger", "message"]
    assert line["level"] == "WARNING"
    assert line["role"] == "identity"
    assert line["logger"] == "azora.test"
    assert line["message"] == "retrying in 2.0s"
    assert line["timestamp"].endswith("Z")
    assert len(captured.lines()) == 1


def test_lines_inside_a_bound_block_carry_its_fields_and_lose_them_after(
    captured: Captured,
) -> None:
    log = logging.getLogger("azora.test")
    with logs.bound(group="wallet"):
        with logs.bound(topic="wallet.debit_requested", partition=3, offset=17, event_id=None):
            log.info("inner")
        log.info("outer")
    log.info("outside")

    inner, outer, outside = captured.json()
    assert {k: inner[k] for k in ("group", "topic", "partition", "offset")} == {
        "group": "wallet",
        "topic": "wallet.debit_requested",
        "partition": 3,
        "offset": 17,
    }
    assert "event_id" not in inner  # None is left out
    assert outer["group"] == "wallet"
    assert "topic" not in outer
    assert "group" not in outside


def test_an_events_fields_name_it_its_command_its_position_and_its_trace(
    captured: Captured,
) -> None:
    event = an_event(TRACEPARENT)

    with logs.bound(**logs.event_fields(event)):
        logging.getLogger("azora.test").info("handled")

    (line,) = captured.json()
    assert line["event_id"] == str(event.envelope.event_id)
    assert line["command_id"] == str(event.envelope.correlation_id)
    assert (line["topic"], line["partition"], line["offset"]) == (event.topic, 2, 41)
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert "span_id" not in line  # the parent's span is not this process's


def test_an_events_own_span_gives_the_span_id_too() -> None:
    own = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01"

    fields = logs.event_fields(an_event(TRACEPARENT), own.encode())

    assert (fields["trace_id"], fields["span_id"]) == (
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "b7ad6b7169203331",
    )
    assert logs.trace_fields("not-a-traceparent", own_span=True) == {}


def test_a_line_logged_inside_a_span_names_the_trace_and_the_span(captured: Captured) -> None:
    provider = TracerProvider()
    with provider.get_tracer("test").start_as_current_span("work") as span:
        logging.getLogger("azora.test").info("inside")
    context = span.get_span_context()

    (line,) = captured.json()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_extra_fields_of_one_line_are_written_beside_the_context(captured: Captured) -> None:
    with logs.bound(group="learning"):
        logging.getLogger("azora.test").error("x", extra={"fields": {"offset": 9}})

    (line,) = captured.json()
    assert (line["group"], line["offset"]) == ("learning", 9)


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("conflict on Ada.Lovelace+1@example.org", "conflict on <email>"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer <token>"),
        ("token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl refused", "token <token> refused"),
        ("key sk_test_4eC39HqLyjWDarjtT1zdp7dc", "key <key>"),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "secret <secret>"),
        ("model key sk-proj-abcdefgh12345", "model key <key>"),
        ("postgresql://azora:hunter2@db:5432/azora", "postgresql://azora:<password>@db:5432/azora"),
        ("payment 3f0c4b0e-0000-4000-8000-000000000001 refunded", None),
    ],
)
def test_emails_tokens_keys_and_url_passwords_are_scrubbed_from_every_line(
    captured: Captured, said: str, written: str | None
) -> None:
    logging.getLogger("azora.test").warning("%s", said)

    assert captured.json()[0]["message"] == (written or said)


def test_a_traceback_is_scrubbed_too(captured: Captured) -> None:
    try:
        raise ValueError("duplicate key: (email)=(grace@example.org)")
    except ValueError:
        logging.getLogger("azora.test").exception("failed")

    (line,) = captured.json()
    assert "ValueError: duplicate key: (email)=(<email>)" in line["exception"]
    assert "grace@example.org" not in captured.lines()[0]


def test_the_text_format_is_one_readable_line_with_the_context_at_the_end(
    captured_text: Captured,
) -> None:
    with logs.bound(group="tutor", offset=5):
        logging.getLogger("azora.test").info("asked the model for bob@example.org")

    (line,) = captured_text.lines()
    assert " INFO identity azora.test: asked the model for <email> group=tutor offset=5" in line


def test_the_log_format_and_level_are_settings_read_in_any_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZORA_LOG_FORMAT", "TEXT")
    monkeypatch.setenv("AZORA_LOG_LEVEL", "warning")
    monkeypatch.setenv("AZORA_LOG_ACCESS", "true")
    settings = Settings()
    assert (settings.log_format, settings.log_level, settings.log_access) == (
        "text",
        "WARNING",
        True,
    )
    assert Settings.model_fields["log_format"].default == "json"
    monkeypatch.setenv("AZORA_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError):
        Settings()


def test_configure_writes_every_logger_through_one_json_handler(
    capfd: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logs.configure("relay", level="INFO", form="json")
        logging.getLogger("uvicorn.error").warning("from uvicorn")
        logging.getLogger("aiokafka").info("chatter")  # below aiokafka's WARNING
        written = capfd.readouterr().err.splitlines()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)

    (line,) = [json.loads(text) for text in written]
    assert (line["role"], line["logger"], line["message"]) == (
        "relay",
        "uvicorn.error",
        "from uvicorn",
    )


def test_the_ingress_access_line_names_the_route_template_status_command_and_trace(
    captured: Captured,
) -> None:
    client = in_memory_client(RecordingTransport(), random_secret_key(), log_access=True)
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    password = "correct horse battery staple"

    accepted = client.post(
        "/v1/auth/register",
        json={"email": email, "password": password, "display_name": "Ada"},
        headers={"traceparent": TRACEPARENT},
    )
    missing = client.get(f"/v1/payments/{uuid.uuid4()}")

    assert (accepted.status_code, missing.status_code) == (202, 401)
    lines = [line for line in captured.json() if line["logger"] == "azora.access"]
    register, payment = lines
    assert register["http_route"] == "/v1/auth/register"
    assert (register["http_method"], register["http_status"]) == ("POST", 202)
    assert register["command_id"] == accepted.json()["command_id"]
    assert register["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert register["duration_ms"] >= 0
    assert payment["http_route"] == "/v1/payments/{payment_id}"
    assert "command_id" not in payment
    everything = "\n".join(captured.lines())
    assert email not in everything
    assert password not in everything


def test_without_access_logging_the_ingress_writes_no_line_per_request(
    captured: Captured,
) -> None:
    client = in_memory_client(RecordingTransport(), random_secret_key())

    assert client.get("/healthz").status_code == 200

    assert [line for line in captured.json() if line["logger"] == "azora.access"] == []


def test_with_tracing_on_the_access_line_names_the_requests_own_span(captured: Captured) -> None:
    tracing.use(TracerProvider())
    try:
        client = in_memory_client(RecordingTransport(), random_secret_key(), log_access=True)
        client.get("/healthz", headers={"traceparent": TRACEPARENT})
    finally:
        tracing.use(None)

    (line,) = [line for line in captured.json() if line["logger"] == "azora.access"]
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["span_id"] != "00f067aa0ba902b7"  # the server span, a child of the caller's
    assert len(line["span_id"]) == 16
