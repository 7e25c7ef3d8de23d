"""Stable, readable operation ids: what generated clients name their methods after.

FastAPI would derive `register_v1_auth_register_post` from the function and the path, so a
renamed function or a moved route would rename every generated client's method. Here each
operation's id is written down once, by method and path; `tests/unit/test_openapi_contract.py`
fails when a route has none.
"""

from __future__ import annotations

from fastapi.routing import APIRoute

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "checkLiveness",
    ("GET", "/readyz"): "checkReadiness",
    ("GET", "/metrics"): "getMetrics",
    ("GET", "/asyncapi"): "getAsyncApiDocument",
    ("GET", "/v1/commands/{command_id}"): "getCommandStatus",
    ("POST", "/v1/auth/register"): "register",
    ("POST", "/v1/auth/login"): "login",
    ("POST", "/v1/auth/refresh"): "refreshTokens",
    ("POST", "/v1/auth/logout"): "logout",
    ("GET", "/v1/me"): "getMe",
    ("DELETE", "/v1/me"): "deleteAccount",
    ("POST", "/v1/auth/mfa/setup"): "setUpMfa",
    ("POST", "/v1/auth/mfa/verify"): "verifyMfa",
    ("POST", "/v1/auth/mfa/disable"): "disableMfa",
    ("GET", "/v1/auth/oidc/providers"): "listSignInProviders",
    ("GET", "/v1/auth/oidc/{provider}/start"): "startProviderSignIn",
    ("GET", "/v1/auth/oidc/{provider}/callback"): "completeProviderSignIn",
    ("POST", "/v1/auth/oidc/token"): "exchangeProviderCode",
    ("POST", "/v1/auth/oidc/reauthentication"): "exchangeReauthenticationCode",
    ("POST", "/v1/auth/oidc/{provider}/tickets"): "createProviderTicket",
    ("POST", "/v1/courses"): "publishCourse",
    ("GET", "/v1/courses"): "listCourses",
    ("GET", "/v1/courses/{course_id}"): "getCourse",
    ("POST", "/v1/enrollments"): "enrol",
    ("GET", "/v1/enrollments"): "listEnrollments",
    ("POST", "/v1/progress"): "completeLesson",
    ("GET", "/v1/wallet"): "getWallet",
    ("GET", "/v1/wallet/transactions"): "listWalletTransactions",
    ("POST", "/v1/wallet/transfers"): "transfer",
    ("POST", "/v1/payments"): "requestPayment",
    ("GET", "/v1/payments/{payment_id}"): "getPayment",
    ("POST", "/v1/payments/{payment_id}/refund"): "requestRefund",
    ("POST", "/v1/webhooks/stripe"): "receiveStripeWebhook",
    ("POST", "/v1/tutor/questions"): "askTutor",
    ("GET", "/v1/tutor/questions/{question_id}"): "getTutorQuestion",
    ("POST", "/v1/learning-paths"): "requestLearningPath",
    ("GET", "/v1/learning-paths/{path_id}"): "getLearningPath",
    ("GET", "/v1/admin/dead-letters"): "listDeadLetters",
    ("GET", "/v1/admin/dead-letters/{dead_letter_id}"): "getDeadLetter",
    ("POST", "/v1/admin/dead-letters/{dead_letter_id}/redrive"): "redriveDeadLetter",
}


def operation_id(route: APIRoute) -> str:
    """The route's written-down id; a route without one keeps a marked, derived name."""
    for method in sorted(route.methods or ()):
        known = OPERATION_IDS.get((method, route.path))
        if known is not None:
            return known
    return f"unnamed_{route.name}"
