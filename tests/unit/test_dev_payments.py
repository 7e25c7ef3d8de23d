"""The development payment control: off unless asked for, never in production, out of the
API contract, and what it signs passes the same check as Stripe's own webhooks."""

from __future__ import annotations

import json
import uuid

import pytest
import stripe
from pydantic import ValidationError

from azora.settings import Settings
from producers.ingress.dev_payments import EVENTS, signature, stripe_event
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key, random_webhook_secret

SECRET = random_secret_key()
SETTLE = f"/v1/dev/payments/{uuid.uuid4()}/settle"


def test_without_the_setting_there_is_no_such_route() -> None:
    with in_memory_client(RecordingTransport(), SECRET) as client:
        answer = client.post(SETTLE, json={"outcome": "succeeded"})
    assert answer.status_code == 404


def test_with_the_setting_it_takes_a_signed_in_user_and_stays_out_of_the_contract() -> None:
    with in_memory_client(RecordingTransport(), SECRET, dev_payment_controls=True) as client:
        anonymous = client.post(SETTLE, json={"outcome": "succeeded"})
        paths = client.get("/openapi.json").json()["paths"]
    assert anonymous.status_code == 401
    assert not [path for path in paths if path.startswith("/v1/dev")]


def test_production_refuses_the_setting() -> None:
    with pytest.raises(ValidationError, match="never in production"):
        Settings(env="production", dev_payment_controls=True)


@pytest.mark.parametrize("outcome", sorted(EVENTS))
def test_the_event_it_signs_verifies_with_the_webhook_secret_and_no_other(outcome: str) -> None:
    secret = random_webhook_secret()
    kind, intent = EVENTS[outcome]
    body = stripe_event(kind, {"id": "pi_123", "object": "payment_intent", **intent})

    stripe.WebhookSignature.verify_header(body.decode(), signature(body, secret), secret, 300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(
            body.decode(), signature(body, random_webhook_secret()), secret, 300
        )
    event = json.loads(body)
    assert event["type"] == kind
    assert event["data"]["object"]["id"] == "pi_123"
    assert event["id"].startswith("evt_")
