"""Every API call described once (method, path, body, answer model); both clients run them.

Bodies are built from the contract's request models (`schemas.api`), the ones the ingress
serves: a field renamed there is a type error here, and a body the API would refuse is
refused before it is sent.
"""

from stack.client.calls.accounts import (
    asyncapi,
    command,
    liveness,
    login,
    logout,
    me,
    metrics,
    mfa_disable,
    mfa_setup,
    mfa_verify,
    readiness,
    refresh,
    register,
)
from stack.client.calls.base import Call
from stack.client.calls.learning import (
    ask_tutor,
    complete_lesson,
    course,
    courses,
    enrol,
    enrollments,
    learning_path,
    publish_course,
    request_learning_path,
    tutor_question,
)
from stack.client.calls.money import (
    dead_letter,
    dead_letters,
    pay,
    payment,
    redrive,
    refund,
    stripe_webhook,
    transactions,
    transfer,
    wallet,
)
from stack.client.calls.providers import (
    complete_provider_sign_in,
    exchange_provider_code,
    exchange_reauthentication_code,
    provider_ticket,
    sign_in_providers,
    start_provider_sign_in,
)

__all__ = [
    "Call",
    "ask_tutor",
    "asyncapi",
    "command",
    "complete_lesson",
    "complete_provider_sign_in",
    "course",
    "courses",
    "dead_letter",
    "dead_letters",
    "enrol",
    "enrollments",
    "exchange_provider_code",
    "exchange_reauthentication_code",
    "learning_path",
    "liveness",
    "login",
    "logout",
    "me",
    "metrics",
    "mfa_disable",
    "mfa_setup",
    "mfa_verify",
    "pay",
    "payment",
    "provider_ticket",
    "publish_course",
    "readiness",
    "redrive",
    "refresh",
    "refund",
    "register",
    "request_learning_path",
    "sign_in_providers",
    "start_provider_sign_in",
    "stripe_webhook",
    "transactions",
    "transfer",
    "tutor_question",
    "wallet",
]
