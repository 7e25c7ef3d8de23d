"""The topic catalogue: the one place that spells a topic name.

Every topic carries exactly one event type. `retention_ms=-1` keeps facts forever so
projections can always be rebuilt from the log; commands are kept for a bounded time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from schemas import accounts, learning, operations, payments, tutor, wallet

DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1

Kind = Literal["command", "event"]
# How an event settles the command that caused it (read by the command_status projection).
Outcome = Literal["pending", "succeeded", "rejected"]


# eq=False: a spec is one of the catalogue's singletons, so identity is equality, and the
# loop hashes a spec several times per event (sets, dicts): object's own hash is C code,
# where a generated one rebuilt a tuple of every field and a Python one still cost a call.
@dataclass(frozen=True, eq=False)
class TopicSpec:
    """A topic: its name, its one model, how it is keyed, and how long Kafka keeps it."""

    name: str
    model: type[BaseModel]
    key_field: str
    kind: Kind
    description: str
    partitions: int = 3
    retention_ms: int = FOREVER
    cleanup_policy: Literal["delete", "compact"] = "delete"
    # For command_status: what this topic says about the command it correlates with.
    outcome: Outcome | None = None
    # Links recorded with a succeeded outcome; values are formatted with the payload.
    links: tuple[tuple[str, str], ...] = field(default=())

    @property
    def type(self) -> str:
        """The envelope `type` of the topic's one event type (the model's name)."""
        return self.model.__name__

    @property
    def dlq(self) -> str:
        """The logical name of this topic's dead-letter topic."""
        return f"{self.name}.dlq"


USER_REGISTRATION_REQUESTED = TopicSpec(
    name="user.registration_requested",
    model=accounts.UserRegistrationRequested,
    # Keyed by email: two racing registrations of one address meet in one partition.
    key_field="email",
    kind="command",
    description="A visitor asked for an account.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
USER_REGISTERED = TopicSpec(
    name="user.registered",
    model=accounts.UserRegistered,
    key_field="user_id",
    kind="event",
    description="An account was created.",
    outcome="succeeded",
    links=(("me", "/v1/me"), ("login", "/v1/auth/login")),
)
USER_REGISTRATION_REJECTED = TopicSpec(
    name="user.registration_rejected",
    model=accounts.UserRegistrationRejected,
    key_field="user_id",
    kind="event",
    description="A registration was refused, with the reason.",
    outcome="rejected",
)
USER_MFA_SETUP_REQUESTED = TopicSpec(
    name="user.mfa_setup_requested",
    model=accounts.UserMfaSetupRequested,
    key_field="user_id",
    kind="command",
    description="A user started MFA setup with a new (encrypted) TOTP secret.",
    retention_ms=30 * DAY_MS,
)
USER_MFA_ENABLE_REQUESTED = TopicSpec(
    name="user.mfa_enable_requested",
    model=accounts.UserMfaEnableRequested,
    key_field="user_id",
    kind="command",
    description="A user sent a TOTP code to turn MFA on.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
USER_MFA_ENABLED = TopicSpec(
    name="user.mfa_enabled",
    model=accounts.UserMfaEnabled,
    key_field="user_id",
    kind="event",
    description="MFA was turned on for a user.",
    outcome="succeeded",
    links=(("me", "/v1/me"),),
)
USER_MFA_ENABLE_REJECTED = TopicSpec(
    name="user.mfa_enable_rejected",
    model=accounts.UserMfaEnableRejected,
    key_field="user_id",
    kind="event",
    description="Turning MFA on failed, with the reason.",
    outcome="rejected",
)
SESSION_STARTED = TopicSpec(
    name="session.started",
    model=accounts.SessionStarted,
    key_field="user_id",
    kind="event",
    description="A login opened a session.",
)
SESSION_REFRESHED = TopicSpec(
    name="session.refreshed",
    model=accounts.SessionRefreshed,
    key_field="user_id",
    kind="event",
    description="A session's refresh token rotated.",
)
SESSION_REVOKED = TopicSpec(
    name="session.revoked",
    model=accounts.SessionRevoked,
    key_field="user_id",
    kind="event",
    description="A session ended (logout or refresh-token reuse).",
)

USER_ROLE_GRANTED = TopicSpec(
    name="user.role_granted",
    model=learning.UserRoleGranted,
    key_field="user_id",
    kind="event",
    description="An operator gave a user a role (instructor, admin).",
)
COURSE_PUBLISH_REQUESTED = TopicSpec(
    name="course.publish_requested",
    model=learning.CoursePublishRequested,
    key_field="course_id",
    kind="command",
    description="An instructor asked to publish a course.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
COURSE_PUBLISHED = TopicSpec(
    name="course.published",
    model=learning.CoursePublished,
    key_field="course_id",
    kind="event",
    description="A course is published with its modules and lessons.",
    outcome="succeeded",
    links=(("course", "/v1/courses/{course_id}"),),
)
ENROLLMENT_REQUESTED = TopicSpec(
    name="enrollment.requested",
    model=learning.EnrollmentRequested,
    key_field="user_id",
    kind="command",
    description="A user asked to enrol in a course.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
ENROLLMENT_CONFIRMED = TopicSpec(
    name="enrollment.confirmed",
    model=learning.EnrollmentConfirmed,
    key_field="user_id",
    kind="event",
    description="A user is enrolled in a course.",
    outcome="succeeded",
    links=(("enrollments", "/v1/enrollments"), ("course", "/v1/courses/{course_id}")),
)
ENROLLMENT_REJECTED = TopicSpec(
    name="enrollment.rejected",
    model=learning.EnrollmentRejected,
    key_field="user_id",
    kind="event",
    description="An enrolment did not happen, with the reason.",
    outcome="rejected",
)
ENROLLMENT_REVOKED = TopicSpec(
    name="enrollment.revoked",
    model=learning.EnrollmentRevoked,
    key_field="user_id",
    kind="event",
    description="An enrolment ended (its payment was refunded).",
)
LESSON_COMPLETION_REQUESTED = TopicSpec(
    name="lesson.completion_requested",
    model=learning.LessonCompletionRequested,
    key_field="user_id",
    kind="command",
    description="A user finished a lesson.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
ENROLLMENT_PROGRESSED = TopicSpec(
    name="enrollment.progressed",
    model=learning.EnrollmentProgressed,
    key_field="user_id",
    kind="event",
    description="An enrolment's progress moved.",
    outcome="succeeded",
    links=(("enrollments", "/v1/enrollments"),),
)
LESSON_COMPLETION_REJECTED = TopicSpec(
    name="lesson.completion_rejected",
    model=learning.LessonCompletionRejected,
    key_field="user_id",
    kind="event",
    description="A lesson completion was refused, with the reason.",
    outcome="rejected",
)
PAYMENT_REQUESTED = TopicSpec(
    name="payment.requested",
    model=payments.PaymentRequested,
    key_field="payment_id",
    kind="command",
    description="A user asked to pay by card (a wallet top-up or a course purchase).",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
PAYMENT_INTENT_CREATED = TopicSpec(
    name="payment.intent_created",
    model=payments.PaymentIntentCreated,
    key_field="payment_id",
    kind="event",
    description="Stripe holds a PaymentIntent for the payment; its client_secret is ready.",
    outcome="succeeded",
    links=(("payment", "/v1/payments/{payment_id}"),),
)
PAYMENT_WEBHOOK_RECEIVED = TopicSpec(
    name="payment.webhook_received",
    model=payments.PaymentWebhookReceived,
    # Keyed by PaymentIntent: every event about one intent is processed in order.
    key_field="stripe_payment_intent_id",
    kind="event",
    description="A verified Stripe webhook event about a PaymentIntent.",
)
PAYMENT_FAILED = TopicSpec(
    name="payment.failed",
    model=payments.PaymentFailed,
    key_field="payment_id",
    kind="event",
    description="A payment cannot go through, with the reason.",
    outcome="rejected",
)
PAYMENT_REFUND_REQUESTED = TopicSpec(
    name="payment.refund_requested",
    model=payments.PaymentRefundRequested,
    key_field="payment_id",
    kind="command",
    description="A user asked for a succeeded payment to be refunded.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
PAYMENT_REFUNDED = TopicSpec(
    name="payment.refunded",
    model=payments.PaymentRefunded,
    key_field="payment_id",
    kind="event",
    description="Stripe refunded a payment.",
    outcome="succeeded",
    links=(("payment", "/v1/payments/{payment_id}"), ("wallet", "/v1/wallet")),
)
PAYMENT_REFUND_REJECTED = TopicSpec(
    name="payment.refund_rejected",
    model=payments.PaymentRefundRejected,
    key_field="payment_id",
    kind="event",
    description="A refund did not happen, with the reason.",
    outcome="rejected",
)
PAYMENT_SUCCEEDED = TopicSpec(
    name="payment.succeeded",
    model=payments.PaymentSucceeded,
    key_field="payment_id",
    kind="event",
    description="A payment was captured (a wallet top-up or a course purchase).",
)
WALLET_TRANSFER_REQUESTED = TopicSpec(
    name="wallet.transfer_requested",
    model=wallet.WalletTransferRequested,
    key_field="from_user_id",
    kind="command",
    description="A user asked to move money to another user's wallet.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
WALLET_DEBIT_REQUESTED = TopicSpec(
    name="wallet.debit_requested",
    model=wallet.WalletDebitRequested,
    key_field="user_id",
    kind="command",
    description="A saga asked to take money from a wallet (a course bought with it).",
    retention_ms=30 * DAY_MS,
)
WALLET_CREDITED = TopicSpec(
    name="wallet.credited",
    model=wallet.WalletCredited,
    key_field="user_id",
    kind="event",
    description="A ledger entry added money to a wallet.",
)
WALLET_DEBITED = TopicSpec(
    name="wallet.debited",
    model=wallet.WalletDebited,
    key_field="user_id",
    kind="event",
    description="A ledger entry took money from a wallet.",
)
WALLET_TRANSFER_COMPLETED = TopicSpec(
    name="wallet.transfer_completed",
    model=wallet.WalletTransferCompleted,
    key_field="from_user_id",
    kind="event",
    description="A transfer's debit and credit were written together.",
    outcome="succeeded",
    links=(("wallet", "/v1/wallet"), ("transactions", "/v1/wallet/transactions")),
)
WALLET_TRANSFER_REJECTED = TopicSpec(
    name="wallet.transfer_rejected",
    model=wallet.WalletTransferRejected,
    key_field="from_user_id",
    kind="event",
    description="A transfer was refused, with the reason; nothing moved.",
    outcome="rejected",
)
WALLET_DEBIT_REJECTED = TopicSpec(
    name="wallet.debit_rejected",
    model=wallet.WalletDebitRejected,
    key_field="user_id",
    kind="event",
    description="A debit was refused, with the reason; nothing moved.",
)

TUTOR_ASKED = TopicSpec(
    name="tutor.asked",
    model=tutor.TutorAsked,
    # Keyed by conversation: its questions are answered in order, with the history so far.
    key_field="conversation_id",
    kind="command",
    description="A user asked the tutor a question.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
TUTOR_ANSWERED = TopicSpec(
    name="tutor.answered",
    model=tutor.TutorAnswered,
    key_field="conversation_id",
    kind="event",
    description="The tutor answered, with model, token usage and latency.",
    outcome="succeeded",
    links=(("question", "/v1/tutor/questions/{question_id}"),),
)
TUTOR_FAILED = TopicSpec(
    name="tutor.failed",
    model=tutor.TutorFailed,
    key_field="user_id",
    kind="event",
    description="The tutor could not answer, with the reason.",
    outcome="rejected",
)
LEARNING_PATH_REQUESTED = TopicSpec(
    name="learning_path.requested",
    model=tutor.LearningPathRequested,
    key_field="path_id",
    kind="command",
    description="A user asked for a learning path.",
    retention_ms=30 * DAY_MS,
    outcome="pending",
)
LEARNING_PATH_GENERATED = TopicSpec(
    name="learning_path.generated",
    model=tutor.LearningPathGenerated,
    key_field="path_id",
    kind="event",
    description="A learning path was drafted and validated.",
    outcome="succeeded",
    links=(("path", "/v1/learning-paths/{path_id}"),),
)
LEARNING_PATH_FAILED = TopicSpec(
    name="learning_path.failed",
    model=tutor.LearningPathFailed,
    key_field="path_id",
    kind="event",
    description="No learning path could be drafted, with the reason.",
    outcome="rejected",
)

DEAD_LETTER_REDRIVEN = TopicSpec(
    name="dead_letter.redriven",
    model=operations.DeadLetterRedriven,
    key_field="dead_letter_id",
    kind="event",
    description="An admin re-published a dead letter to its origin topic (azora dlq redrive).",
    partitions=1,
)

CATALOGUE: tuple[TopicSpec, ...] = (
    USER_REGISTRATION_REQUESTED,
    USER_REGISTERED,
    USER_REGISTRATION_REJECTED,
    USER_MFA_SETUP_REQUESTED,
    USER_MFA_ENABLE_REQUESTED,
    USER_MFA_ENABLED,
    USER_MFA_ENABLE_REJECTED,
    SESSION_STARTED,
    SESSION_REFRESHED,
    SESSION_REVOKED,
    USER_ROLE_GRANTED,
    COURSE_PUBLISH_REQUESTED,
    COURSE_PUBLISHED,
    ENROLLMENT_REQUESTED,
    ENROLLMENT_CONFIRMED,
    ENROLLMENT_REJECTED,
    ENROLLMENT_REVOKED,
    LESSON_COMPLETION_REQUESTED,
    ENROLLMENT_PROGRESSED,
    LESSON_COMPLETION_REJECTED,
    PAYMENT_REQUESTED,
    PAYMENT_INTENT_CREATED,
    PAYMENT_WEBHOOK_RECEIVED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    PAYMENT_REFUND_REQUESTED,
    PAYMENT_REFUNDED,
    PAYMENT_REFUND_REJECTED,
    WALLET_TRANSFER_REQUESTED,
    WALLET_DEBIT_REQUESTED,
    WALLET_CREDITED,
    WALLET_DEBITED,
    WALLET_TRANSFER_COMPLETED,
    WALLET_TRANSFER_REJECTED,
    WALLET_DEBIT_REJECTED,
    TUTOR_ASKED,
    TUTOR_ANSWERED,
    TUTOR_FAILED,
    LEARNING_PATH_REQUESTED,
    LEARNING_PATH_GENERATED,
    LEARNING_PATH_FAILED,
    DEAD_LETTER_REDRIVEN,
)

BY_NAME: dict[str, TopicSpec] = {spec.name: spec for spec in CATALOGUE}
BY_TYPE: dict[str, TopicSpec] = {spec.type: spec for spec in CATALOGUE}
BY_MODEL: dict[type[BaseModel], TopicSpec] = {spec.model: spec for spec in CATALOGUE}


def spec_for(payload: BaseModel) -> TopicSpec:
    """The topic that carries `payload`'s type (one type per topic, so there is one)."""
    return BY_MODEL[type(payload)]


# Dead-letter topics keep their poison for a month: long enough to fix and re-drive.
DLQ_RETENTION_MS = 30 * DAY_MS
