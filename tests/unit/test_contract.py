"""The contract: envelopes, the catalogue, and schema evolution against the snapshots."""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from types import ModuleType

import pytest

import schemas
from azora.messages import DecodeError, build_envelope, decode, derived_event_id
from schemas import catalogue
from schemas.payments import LEGACY_RETENTION_MS
from schemas.registration import UserRegistrationRequested
from schemas.snapshots import current_schemas, incompatibilities, load_snapshot


def a_registration() -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(),
        email="Ada@Example.org",
        display_name="Ada",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$abcdefgh$ijklmnop",
    )


def test_every_model_matches_its_committed_snapshot_or_only_adds_to_it() -> None:
    for stem, schema in current_schemas().items():
        snapshot = load_snapshot(stem)
        assert snapshot is not None, f"{stem} has no committed snapshot: run `make snapshots`"
        assert incompatibilities(snapshot, schema) == [], stem


def test_topic_names_are_aggregate_dot_fact_then_a_version_and_unique() -> None:
    names = [spec.name for spec in catalogue.CATALOGUE]
    assert len(names) == len(set(names))
    assert len({spec.type for spec in catalogue.CATALOGUE}) == len(names), "one type per topic"
    for name in names:
        # A breaking change goes on a new version of its topic: `<aggregate>.<fact>.v2`.
        aggregate, fact, *version = name.split(".")
        assert aggregate.isidentifier(), name
        assert fact.isidentifier(), name
        assert len(version) <= 1, name
        assert not version or re.fullmatch(r"v[2-9][0-9]*", version[0]), name


def test_every_key_field_exists_on_its_model() -> None:
    for spec in catalogue.CATALOGUE:
        assert spec.key_field in spec.model.model_fields, spec.name


def test_emails_are_normalised_so_keys_and_uniqueness_agree() -> None:
    assert a_registration().email == "ada@example.org"


def test_an_envelope_round_trips_through_bytes() -> None:
    spec = catalogue.USER_REGISTRATION_REQUESTED
    envelope = build_envelope(spec, a_registration(), actor="anonymous")
    decoded, payload = decode(spec, envelope.model_dump_json().encode())
    assert decoded.model_dump(mode="json") == envelope.model_dump(mode="json")
    assert payload == a_registration().model_copy(update={"user_id": payload.user_id})
    assert envelope.correlation_id == envelope.event_id, "a command correlates with itself"


def test_envelope_headers_mirror_routing_fields() -> None:
    envelope = build_envelope(catalogue.USER_REGISTRATION_REQUESTED, a_registration(), actor="a")
    headers = dict(envelope.headers(traceparent="00-abc-def-01"))
    assert headers["event_id"] == str(envelope.event_id).encode()
    assert headers["type"] == b"UserRegistrationRequested"
    assert headers["correlation_id"] == str(envelope.correlation_id).encode()
    assert headers["traceparent"] == b"00-abc-def-01"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\x00 not json", "invalid envelope"),
        (b'{"event_id": "x"}', "invalid envelope"),
        (None, "tombstone"),
    ],
)
def test_undecodable_records_say_why(body: bytes | None, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(catalogue.USER_REGISTRATION_REQUESTED, body)


def test_a_record_of_the_wrong_type_is_refused() -> None:
    envelope = build_envelope(catalogue.USER_REGISTRATION_REQUESTED, a_registration(), actor="a")
    with pytest.raises(DecodeError, match="does not belong"):
        decode(catalogue.USER_REGISTERED, envelope.model_dump_json().encode())


def test_a_newer_schema_version_is_refused_not_misread() -> None:
    envelope = build_envelope(catalogue.USER_REGISTRATION_REQUESTED, a_registration(), actor="a")
    newer = envelope.model_copy(update={"schema_version": 2})
    with pytest.raises(DecodeError, match="unknown schema_version 2"):
        decode(catalogue.USER_REGISTRATION_REQUESTED, newer.model_dump_json().encode())


def test_a_payload_missing_a_field_is_refused_with_the_field_named() -> None:
    envelope = build_envelope(catalogue.USER_REGISTRATION_REQUESTED, a_registration(), actor="a")
    broken = envelope.model_copy(update={"payload": {**envelope.payload, "email": None}})
    with pytest.raises(DecodeError, match="email"):
        decode(catalogue.USER_REGISTRATION_REQUESTED, broken.model_dump_json().encode())


def test_derived_event_ids_are_the_same_for_the_same_cause() -> None:
    cause = uuid.uuid4()
    spec = catalogue.USER_REGISTERED
    assert derived_event_id(cause, spec) == derived_event_id(cause, spec)
    assert derived_event_id(cause, spec, 0) != derived_event_id(cause, spec, 1)


# A state, not a history: the newest value per user is all a reader needs, and an erased
# user's older values (sealed login secrets) go when the log is compacted.
COMPACTED = {catalogue.USER_CREDENTIALS_SET}


def test_facts_are_kept_for_ever_so_projections_can_be_rebuilt_from_them() -> None:
    for spec in catalogue.CATALOGUE:
        if spec.kind == "event" and spec not in catalogue.SUPERSEDED:
            assert spec.retention_ms == catalogue.FOREVER, spec.name
            expected = "compact" if spec in COMPACTED else "delete"
            assert spec.cleanup_policy == expected, spec.name


def test_a_version_that_held_a_secret_drains_then_expires_while_its_successor_is_kept() -> None:
    assert catalogue.SUPERSEDED
    for old, new in catalogue.SUPERSEDED.items():
        assert old.retention_ms == LEGACY_RETENTION_MS, old.name
        assert new.name == f"{old.name}.v2"
        assert catalogue.BY_NAME[new.name] is new
        assert new.retention_ms == catalogue.FOREVER, new.name


def test_commands_are_kept_for_a_bounded_time() -> None:
    commands = [spec for spec in catalogue.CATALOGUE if spec.kind == "command"]
    assert commands
    assert all(0 < spec.retention_ms <= 90 * catalogue.DAY_MS for spec in commands)


def test_each_topic_is_declared_beside_its_model_and_catalogued_once() -> None:
    for spec in catalogue.CATALOGUE:
        home = importlib.import_module(spec.model.__module__)
        assert spec in home.TOPICS, f"{spec.name} is not declared in {home.__name__}"
    declared = [spec for module in _payload_modules() for spec in module.TOPICS]
    assert sorted(s.name for s in declared) == sorted(s.name for s in catalogue.CATALOGUE)


def test_settling_a_command_is_said_by_the_contract_not_in_urls() -> None:
    for spec in catalogue.CATALOGUE:
        assert not hasattr(spec, "links"), "HTTP links belong to the ingress"
        if spec.kind == "command":
            assert spec.outcome in ("pending", None), spec.name
        else:
            assert spec.outcome in ("succeeded", "rejected", None), spec.name


def _payload_modules() -> list[ModuleType]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(schemas.__path__, "schemas.")
        if hasattr(importlib.import_module(info.name), "TOPICS")
    ]
