"""Where a settled command points: the HTTP links of the event that settled it.

The contract knows which event settles a command; only the ingress knows its URLs. The
command_status projection records the settling event's type and the ids its payload
names, and this module turns them into the `links` of `GET /v1/commands/{id}`.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from schemas.credentials import UserMfaDisabled, UserMfaEnabled, UserMfaEnabledV2
from schemas.erasure import UserErased
from schemas.learning import CoursePublished, EnrollmentConfirmed, EnrollmentProgressed
from schemas.oidc import UserOidcSignInAccepted, UserOidcSignInAcceptedV2
from schemas.payments import PaymentIntentCreated, PaymentIntentCreatedV2, PaymentRefunded
from schemas.registration import UserRegistered, UserRegisteredV2, UserRegisteredV3
from schemas.tutor import (
    LearningPathGenerated,
    LearningPathGeneratedV2,
    TutorAnswered,
    TutorAnsweredV2,
)
from schemas.wallet import WalletTransferCompleted

# Link name -> URL template, formatted with the ids the settling event names.
_TEMPLATES: dict[type[BaseModel], dict[str, str]] = {
    UserRegistered: {"me": "/v1/me", "login": "/v1/auth/login"},
    UserRegisteredV2: {"me": "/v1/me", "login": "/v1/auth/login"},
    UserRegisteredV3: {"me": "/v1/me", "login": "/v1/auth/login"},
    UserMfaEnabled: {"me": "/v1/me"},
    UserMfaEnabledV2: {"me": "/v1/me"},
    UserMfaDisabled: {"me": "/v1/me"},
    # Answers 404 once the read models have forgotten the user: the erasure is visible.
    UserErased: {"me": "/v1/me"},
    UserOidcSignInAccepted: {"me": "/v1/me", "tokens": "/v1/auth/oidc/token"},
    UserOidcSignInAcceptedV2: {"me": "/v1/me", "tokens": "/v1/auth/oidc/token"},
    CoursePublished: {"course": "/v1/courses/{course_id}"},
    EnrollmentConfirmed: {"enrollments": "/v1/enrollments", "course": "/v1/courses/{course_id}"},
    EnrollmentProgressed: {"enrollments": "/v1/enrollments"},
    PaymentIntentCreated: {"payment": "/v1/payments/{payment_id}"},
    PaymentIntentCreatedV2: {"payment": "/v1/payments/{payment_id}"},
    PaymentRefunded: {"payment": "/v1/payments/{payment_id}", "wallet": "/v1/wallet"},
    WalletTransferCompleted: {"wallet": "/v1/wallet", "transactions": "/v1/wallet/transactions"},
    TutorAnswered: {"question": "/v1/tutor/questions/{question_id}"},
    TutorAnsweredV2: {"question": "/v1/tutor/questions/{question_id}"},
    LearningPathGenerated: {"path": "/v1/learning-paths/{path_id}"},
    LearningPathGeneratedV2: {"path": "/v1/learning-paths/{path_id}"},
}


def _postgres_order(name: str) -> tuple[int, bytes]:
    """The order jsonb keeps object keys in (shorter first, then bytewise).

    The links were once stored as jsonb and answered in its order; answering in the
    same order keeps the HTTP answer byte-for-byte what clients have always seen.
    """
    return len(name.encode()), name.encode()


LINKS_BY_TYPE: dict[str, tuple[tuple[str, str], ...]] = {
    model.__name__: tuple(sorted(templates.items(), key=lambda item: _postgres_order(item[0])))
    for model, templates in _TEMPLATES.items()
}


def links_for(settled_by: str | None, ids: Mapping[str, str] | None) -> dict[str, str]:
    """The links of a command settled by an event of type `settled_by` naming `ids`."""
    templates = LINKS_BY_TYPE.get(settled_by or "", ())
    return {name: template.format_map(ids or {}) for name, template in templates}
