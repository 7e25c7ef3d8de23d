"""The webhook receiver publishes what payments acts on, never Stripe's object, and a signed
event whose fields do not fit is refused with the reason, not published."""

from __future__ import annotations

import json
from typing import Any

from azora.messages import OutgoingMessage
from schemas import catalogue
from tests.support import stripe_webhooks
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key, random_webhook_secret

WEBHOOK_SECRET = random_webhook_secret()
INTENT = "pi_3QabcDEF"


def deliver(body: bytes) -> tuple[int, dict[str, Any], list[OutgoingMessage]]:
    transport = RecordingTransport()
    client = in_memory_client(transport, random_secret_key(), stripe_webhook_secret=WEBHOOK_SECRET)
    answer = client.post(
        "/v1/webhooks/stripe",
        content=body,
        headers={
            "Stripe-Signature": stripe_webhooks.signature(body, WEBHOOK_SECRET),
            "Content-Type": "application/json",
        },
    )
    return answer.status_code, answer.json(), transport.sent


def test_a_signed_event_is_published_as_its_fields_on_version_2() -> None:
    intent = {
        "id": INTENT,
        "object": "payment_intent",
        "amount": 1999,
        "currency": "eur",
        "status": "canceled",
        "cancellation_reason": "abandoned",
        "client_secret": f"{INTENT}_secret_notForTopics",
        "shipping": {"name": "A Payer", "address": {"line1": "1 Main St"}},
    }

    status, _, sent = deliver(stripe_webhooks.event("payment_intent.canceled", intent, "evt_1"))

    assert status == 200
    (message,) = sent
    assert message.topic == catalogue.PAYMENT_WEBHOOK_RECEIVED_V2.name
    payload = json.loads(message.value)["payload"]
    assert payload == {
        "stripe_event_id": "evt_1",
        "stripe_event_type": "payment_intent.canceled",
        "stripe_payment_intent_id": INTENT,
        "stripe_object_id": INTENT,
        "status": "canceled",
        "amount_minor": 1999,
        "amount_refunded_minor": None,
        "refunded": None,
        "currency": "EUR",
        "failure_code": None,
        "failure_message": None,
        "cancellation_reason": "abandoned",
    }
    assert b"_secret_" not in message.value
    assert b"Main St" not in message.value


def test_a_signed_event_whose_fields_do_not_fit_is_refused_naming_the_field() -> None:
    too_long = {"id": "pi_" + "x" * 300, "object": "payment_intent", "status": "succeeded"}
    not_an_object = json.loads(stripe_webhooks.event("payment_intent.succeeded", {}))
    not_an_object["data"]["object"] = ["not", "an", "object"]

    long_status, long_problem, long_sent = deliver(
        stripe_webhooks.event("payment_intent.succeeded", too_long)
    )
    list_status, list_problem, list_sent = deliver(json.dumps(not_an_object).encode())

    assert (long_status, long_problem["type"]) == (400, "/problems/invalid_event")
    assert "stripe_payment_intent_id" in long_problem["detail"]
    assert (list_status, list_problem["type"]) == (400, "/problems/invalid_event")
    assert long_sent == list_sent == []
