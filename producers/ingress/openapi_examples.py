"""A request example for every operation that takes a body or parameters, by operation id.

Swagger UI and client generators show these instead of placeholders (`"string"` is not a
password the policy accepts, nor `0` an amount). `tests/unit/test_openapi_contract.py`
fails when an operation lacks one, when one does not validate against its schema, or when
the app answers it with a 422.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "correct horse battery staple"
USER_ID = "5b0e4b3c-8d1f-4a6e-9c2d-7f3a1e5b9c40"
COURSE_ID = "2f6d8a1c-3b4e-4f5a-8c9d-0e1f2a3b4c5d"
LESSON_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
COMMAND_ID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
PAYMENT_ID = "7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908"
QUESTION_ID = "4b3a2918-0f7e-4d6c-8b5a-49382716a5b4"
PATH_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e"
DEAD_LETTER_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
IDEMPOTENCY_KEY = "0b7e9c52-3d1a-4f6e-8a2b-5c4d3e2f1a09"
# A `next` cursor as /v1/wallet/transactions answers it: the last entry's time and id.
CURSOR = base64.urlsafe_b64encode(
    b"2026-01-05T09:30:00+00:00|3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
).decode()
# Its shape: a time and an HMAC-SHA256 of the body under the webhook secret.
STRIPE_SIGNATURE = (
    "t=1767605400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
)
REFRESH_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJleGFtcGxlIn0."
    "c2lnbmF0dXJlLW9mLWEtcmVmcmVzaC10b2tlbg"
)


@dataclass(frozen=True)
class RequestExample:
    """One request: its body (None: the operation takes none) and its parameters by name."""

    summary: str
    body: Any = None
    params: dict[str, Any] = field(default_factory=dict)


def _command(summary: str, body: Any = None, **params: Any) -> RequestExample:
    return RequestExample(summary, body, {"Idempotency-Key": IDEMPOTENCY_KEY, **params})


EXAMPLES: dict[str, RequestExample] = {
    "startProviderSignIn": RequestExample(
        "Sign in with Google, then back to the portal",
        params={
            "provider": "google",
            "return_to": "https://app.example.org/signed-in",
            "ticket": "eyJwdXJwb3NlIjoibGluayJ9.c2lnbmVkLXRpY2tldA",
        },
    ),
    "completeProviderSignIn": RequestExample(
        "What the provider sends the browser back with",
        params={
            "provider": "google",
            "code": "4/0AbCdEfGhIjKlMnOp",
            "state": "l3n8Xq0oWm1s2Yt5Zk7bV9cD",
            "error": "access_denied",
            "error_description": "The user declined",
        },
    ),
    "exchangeProviderCode": RequestExample(
        "The one-time code from the return URL", {"code": "q0r5Tz8vW2xY4aB6cD8eF0gH"}
    ),
    "exchangeReauthenticationCode": RequestExample(
        "The code of a fresh provider sign-in", {"code": "m3N5pQ7rS9tU1vW3xY5zA7bC"}
    ),
    "createProviderTicket": RequestExample(
        "Link Google to this account",
        {"purpose": "link", "password": PASSWORD, "totp_code": "123456"},
        {"provider": "google"},
    ),
    "getCommandStatus": RequestExample(
        "Hold the answer up to 5 s", params={"command_id": COMMAND_ID, "wait": 5}
    ),
    "register": _command(
        "A new account",
        {"email": "ada@example.org", "password": PASSWORD, "display_name": "Ada Lovelace"},
    ),
    "login": RequestExample(
        "Email and password", {"email": "ada@example.org", "password": PASSWORD}
    ),
    "refreshTokens": RequestExample(
        "The refresh token from login", {"refresh_token": REFRESH_TOKEN}
    ),
    "logout": RequestExample("The session's refresh token", {"refresh_token": REFRESH_TOKEN}),
    "setUpMfa": RequestExample("Replacing an authenticator: the password", {"password": PASSWORD}),
    "verifyMfa": _command("A code from the new authenticator", {"code": "492039"}),
    "disableMfa": _command(
        "The password and a current code", {"password": PASSWORD, "totp_code": "492039"}
    ),
    "deleteAccount": _command(
        "The password and a current code (MFA on)", {"password": PASSWORD, "totp_code": "492039"}
    ),
    "publishCourse": _command(
        "A free course of one module",
        {
            "title": "Event streaming from first principles",
            "description": "Logs, offsets and consumer groups, then a working pipeline.",
            "category": "engineering",
            "level": "beginner",
            "price_minor": 0,
            "currency": "EUR",
            "modules": [
                {
                    "title": "Logs",
                    "lessons": [
                        {"title": "What a log is", "content": "An ordered, append-only record."}
                    ],
                }
            ],
        },
    ),
    "listCourses": RequestExample(
        "Beginner engineering courses about Kafka",
        params={
            "category": "engineering",
            "level": "beginner",
            "q": "kafka",
            "limit": 20,
            "offset": 0,
        },
    ),
    "getCourse": RequestExample("One course", params={"course_id": COURSE_ID}),
    "enrol": _command("Paid from the wallet", {"course_id": COURSE_ID, "pay_with": "wallet"}),
    "completeLesson": _command(
        "A finished lesson", {"course_id": COURSE_ID, "lesson_id": LESSON_ID}
    ),
    "listWalletTransactions": RequestExample(
        "The page after a previous one", params={"limit": 50, "before": CURSOR}
    ),
    "transfer": _command(
        "15 euros to another user", {"to_user_id": USER_ID, "amount_minor": 1500, "currency": "EUR"}
    ),
    "requestPayment": _command(
        "A 50 euro wallet top-up by card",
        {"amount_minor": 5000, "currency": "EUR", "purpose": "wallet_top_up"},
    ),
    "getPayment": RequestExample("One payment", params={"payment_id": PAYMENT_ID}),
    "requestRefund": _command("Refund a payment", payment_id=PAYMENT_ID),
    "receiveStripeWebhook": RequestExample(
        "A PaymentIntent succeeded (Stripe signs the exact bytes)",
        {
            "id": "evt_1PqRsT2eZvKYlo2C0a1b2c3d",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_3PqRsT2eZvKYlo2C1x2y3z4w", "amount": 5000}},
        },
        {"Stripe-Signature": STRIPE_SIGNATURE},
    ),
    "askTutor": _command(
        "A question about a lesson",
        {
            "question": "Why does a consumer group need offsets?",
            "course_id": COURSE_ID,
            "lesson_id": LESSON_ID,
        },
    ),
    "getTutorQuestion": RequestExample("One question", params={"question_id": QUESTION_ID}),
    "requestLearningPath": _command(
        "A path for a beginner",
        {
            "subject": "Event-driven systems",
            "level": "beginner",
            "goals": ["Understand consumer groups", "Build an outbox relay"],
        },
    ),
    "getLearningPath": RequestExample("One learning path", params={"path_id": PATH_ID}),
    "listDeadLetters": RequestExample(
        "Registrations not re-driven yet",
        params={
            "topic": "user.registration_requested",
            "group": "identity",
            "pending": True,
            "limit": 50,
            "offset": 0,
        },
    ),
    "getDeadLetter": RequestExample("One dead letter", params={"dead_letter_id": DEAD_LETTER_ID}),
    "redriveDeadLetter": RequestExample(
        "Re-drive one dead letter", params={"dead_letter_id": DEAD_LETTER_ID}
    ),
}
