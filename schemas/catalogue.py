"""The topic catalogue: every topic of the contract, gathered in one index.

Each topic is declared beside its payload model (`schemas.registration`, `schemas.learning`,
...); this module lists them, in one order, and looks them up by name, type or model.
The specs are re-exported so callers can keep writing `catalogue.USER_REGISTERED`.
"""

from __future__ import annotations

from pydantic import BaseModel

from schemas import (
    credentials,
    erasure,
    learning,
    oidc,
    operations,
    payments,
    registration,
    sessions,
    tutor,
    wallet,
)
from schemas.credentials import (
    USER_CREDENTIALS_SET,
    USER_MFA_CODE_USED,
    USER_MFA_DISABLE_REQUESTED,
    USER_MFA_DISABLED,
    USER_MFA_ENABLE_REJECTED,
    USER_MFA_ENABLE_REQUESTED,
    USER_MFA_ENABLED,
    USER_MFA_ENABLED_V2,
    USER_MFA_SETUP_REQUESTED,
)
from schemas.erasure import USER_ERASED, USER_ERASURE_REQUESTED
from schemas.learning import (
    COURSE_PUBLISH_REQUESTED,
    COURSE_PUBLISHED,
    ENROLLMENT_CONFIRMED,
    ENROLLMENT_PROGRESSED,
    ENROLLMENT_REJECTED,
    ENROLLMENT_REQUESTED,
    ENROLLMENT_REVOKED,
    LESSON_COMPLETION_REJECTED,
    LESSON_COMPLETION_REQUESTED,
    USER_ROLE_GRANTED,
)
from schemas.oidc import (
    USER_OIDC_SIGN_IN_ACCEPTED,
    USER_OIDC_SIGN_IN_ACCEPTED_V2,
    USER_OIDC_SIGN_IN_REJECTED,
    USER_OIDC_SIGN_IN_REQUESTED,
    USER_OIDC_SIGN_IN_REQUESTED_V2,
    USER_REGISTERED_WITH_PROVIDER,
    USER_REGISTERED_WITH_PROVIDER_V2,
)
from schemas.operations import DEAD_LETTER_REDRIVEN
from schemas.payments import (
    PAYMENT_ATTEMPT_FAILED,
    PAYMENT_CANCEL_REQUESTED,
    PAYMENT_FAILED,
    PAYMENT_INTENT_CREATED,
    PAYMENT_INTENT_CREATED_V2,
    PAYMENT_PARTIALLY_REFUNDED,
    PAYMENT_REFUND_REJECTED,
    PAYMENT_REFUND_REQUESTED,
    PAYMENT_REFUNDED,
    PAYMENT_REQUESTED,
    PAYMENT_SUCCEEDED,
    PAYMENT_WEBHOOK_RECEIVED,
    PAYMENT_WEBHOOK_RECEIVED_V2,
)
from schemas.registration import (
    USER_REGISTERED,
    USER_REGISTERED_V2,
    USER_REGISTERED_V3,
    USER_REGISTRATION_REJECTED,
    USER_REGISTRATION_REJECTED_V2,
    USER_REGISTRATION_REQUESTED,
    USER_REGISTRATION_REQUESTED_V2,
    USER_REGISTRATION_REQUESTED_V3,
)
from schemas.sessions import SESSION_REFRESHED, SESSION_REVOKED, SESSION_STARTED
from schemas.topic import DAY_MS, FOREVER, TopicSpec
from schemas.tutor import (
    LEARNING_PATH_FAILED,
    LEARNING_PATH_GENERATED,
    LEARNING_PATH_GENERATED_V2,
    LEARNING_PATH_REQUESTED,
    LEARNING_PATH_REQUESTED_V2,
    TUTOR_ANSWERED,
    TUTOR_ANSWERED_V2,
    TUTOR_ASKED,
    TUTOR_ASKED_V2,
    TUTOR_FAILED,
)
from schemas.wallet import (
    WALLET_CREDITED,
    WALLET_DEBIT_REJECTED,
    WALLET_DEBIT_REQUESTED,
    WALLET_DEBITED,
    WALLET_TRANSFER_COMPLETED,
    WALLET_TRANSFER_REJECTED,
    WALLET_TRANSFER_REQUESTED,
)

# The specs by name, so callers can write `catalogue.USER_REGISTERED`.
__all__ = [
    "BY_MODEL",
    "BY_NAME",
    "BY_TYPE",
    "CATALOGUE",
    "COURSE_PUBLISHED",
    "COURSE_PUBLISH_REQUESTED",
    "DAY_MS",
    "DEAD_LETTER_REDRIVEN",
    "DLQ_RETENTION_MS",
    "ENROLLMENT_CONFIRMED",
    "ENROLLMENT_PROGRESSED",
    "ENROLLMENT_REJECTED",
    "ENROLLMENT_REQUESTED",
    "ENROLLMENT_REVOKED",
    "FOREVER",
    "LEARNING_PATH_FAILED",
    "LEARNING_PATH_GENERATED",
    "LEARNING_PATH_GENERATED_V2",
    "LEARNING_PATH_REQUESTED",
    "LEARNING_PATH_REQUESTED_V2",
    "LESSON_COMPLETION_REJECTED",
    "LESSON_COMPLETION_REQUESTED",
    "PAYMENT_ATTEMPT_FAILED",
    "PAYMENT_CANCEL_REQUESTED",
    "PAYMENT_FAILED",
    "PAYMENT_INTENT_CREATED",
    "PAYMENT_INTENT_CREATED_V2",
    "PAYMENT_PARTIALLY_REFUNDED",
    "PAYMENT_REFUNDED",
    "PAYMENT_REFUND_REJECTED",
    "PAYMENT_REFUND_REQUESTED",
    "PAYMENT_REQUESTED",
    "PAYMENT_SUCCEEDED",
    "PAYMENT_WEBHOOK_RECEIVED",
    "PAYMENT_WEBHOOK_RECEIVED_V2",
    "SESSION_REFRESHED",
    "SESSION_REVOKED",
    "SESSION_STARTED",
    "SUPERSEDED",
    "TUTOR_ANSWERED",
    "TUTOR_ANSWERED_V2",
    "TUTOR_ASKED",
    "TUTOR_ASKED_V2",
    "TUTOR_FAILED",
    "USER_CREDENTIALS_SET",
    "USER_ERASED",
    "USER_ERASURE_REQUESTED",
    "USER_MFA_CODE_USED",
    "USER_MFA_DISABLED",
    "USER_MFA_DISABLE_REQUESTED",
    "USER_MFA_ENABLED",
    "USER_MFA_ENABLED_V2",
    "USER_MFA_ENABLE_REJECTED",
    "USER_MFA_ENABLE_REQUESTED",
    "USER_MFA_SETUP_REQUESTED",
    "USER_OIDC_SIGN_IN_ACCEPTED",
    "USER_OIDC_SIGN_IN_ACCEPTED_V2",
    "USER_OIDC_SIGN_IN_REJECTED",
    "USER_OIDC_SIGN_IN_REQUESTED",
    "USER_OIDC_SIGN_IN_REQUESTED_V2",
    "USER_REGISTERED",
    "USER_REGISTERED_V2",
    "USER_REGISTERED_V3",
    "USER_REGISTERED_WITH_PROVIDER",
    "USER_REGISTERED_WITH_PROVIDER_V2",
    "USER_REGISTRATION_REJECTED",
    "USER_REGISTRATION_REJECTED_V2",
    "USER_REGISTRATION_REQUESTED",
    "USER_REGISTRATION_REQUESTED_V2",
    "USER_REGISTRATION_REQUESTED_V3",
    "USER_ROLE_GRANTED",
    "WALLET_CREDITED",
    "WALLET_DEBITED",
    "WALLET_DEBIT_REJECTED",
    "WALLET_DEBIT_REQUESTED",
    "WALLET_TRANSFER_COMPLETED",
    "WALLET_TRANSFER_REJECTED",
    "WALLET_TRANSFER_REQUESTED",
    "TopicSpec",
    "spec_for",
]

CATALOGUE: tuple[TopicSpec, ...] = (
    *registration.TOPICS,
    *credentials.TOPICS,
    *sessions.TOPICS,
    *oidc.TOPICS,
    *erasure.TOPICS,
    *learning.TOPICS,
    *payments.TOPICS,
    *wallet.TOPICS,
    *tutor.TOPICS,
    *operations.TOPICS,
)

BY_NAME: dict[str, TopicSpec] = {spec.name: spec for spec in CATALOGUE}
BY_TYPE: dict[str, TopicSpec] = {spec.type: spec for spec in CATALOGUE}
BY_MODEL: dict[type[BaseModel], TopicSpec] = {spec.model: spec for spec in CATALOGUE}


def spec_for(payload: BaseModel) -> TopicSpec:
    """The topic that carries `payload`'s type (one type per topic, so there is one)."""
    return BY_MODEL[type(payload)]


# Topics a newer version replaced (read, never written), by their successor: see
# `schemas.payments.SUPERSEDED`, `schemas.tutor.SUPERSEDED`.
SUPERSEDED: dict[TopicSpec, TopicSpec] = {**payments.SUPERSEDED, **tutor.SUPERSEDED}

# Dead-letter topics keep their poison for a month: long enough to fix and re-drive.
DLQ_RETENTION_MS = 30 * DAY_MS
