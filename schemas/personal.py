"""Which fields of which topic models are personal data: the one list tools redact by.

A field is named by its path in the payload (`steps.title`: the field `title` of every
item of `steps`). `PERSONAL` lists what identifies a person or is text a person wrote
(emails, names, tutor questions, learning goals, a provider's subject id), plus the
credentials older topic versions still hold in clear. `NOT_PERSONAL` lists fields whose
names look personal (`LOOKS_PERSONAL`) but are not: course content an instructor
published, sealed ciphertexts, Stripe's own messages. A unit test fails when a field that
looks personal is in neither list, so a new field is decided on, not forgotten.

This list says nothing about how a field is stored (in clear or sealed): `azora replay
export` redacts these fields either way unless told otherwise. The models' JSON Schemas
are untouched: this is a reading of the contract, not a change to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel

from schemas import credentials, learning, oidc, operations, payments, registration, tutor

# Names that usually hold personal data or secrets; matched against each path segment.
LOOKS_PERSONAL = re.compile(
    r"email|name|question|answer|goal|text|address|phone|subject|message|comment|note"
    r"|title|description|content|objective|password|secret|_by$|^data$",
    re.IGNORECASE,
)
# Ids (`question_id`) are pseudonymous: what they point to is judged where it is stored.
_ID = re.compile(r"_ids?$")

PERSONAL: Mapping[type[BaseModel], frozenset[str]] = {
    # The v1 registration topics are still read: their password hashes are in clear.
    registration.UserRegistrationRequested: frozenset({"email", "display_name", "password_hash"}),
    registration.UserRegistrationRequestedV2: frozenset({"email", "display_name"}),
    registration.UserRegistered: frozenset({"email", "display_name", "password_hash"}),
    registration.UserRegisteredV2: frozenset({"email", "display_name"}),
    registration.UserRegistrationRejected: frozenset({"email"}),
    # Keyed digests of an email, or of a provider identity: pseudonymous, but they link
    # one person's requests together, so exports redact them too.
    registration.UserRegistrationRequestedV3: frozenset({"email_key"}),
    oidc.UserOidcSignInRequestedV2: frozenset({"identity_key"}),
    # A provider's subject identifies the person at that provider as surely as an email.
    oidc.UserOidcSignInRequested: frozenset({"email", "display_name", "subject"}),
    oidc.UserOidcSignInAccepted: frozenset({"subject"}),
    oidc.UserRegisteredWithProvider: frozenset({"email", "display_name"}),
    # Who granted a role or re-drove a dead letter: an operator's name.
    learning.UserRoleGranted: frozenset({"granted_by"}),
    operations.DeadLetterRedriven: frozenset({"redriven_by"}),
    # Text a user wrote, and text generated from it (answers and paths quote it): the
    # version 1 topics, still read, hold it in clear.
    tutor.TutorAsked: frozenset({"question"}),
    tutor.TutorAnswered: frozenset({"answer"}),
    tutor.LearningPathRequested: frozenset({"subject", "goals"}),
    tutor.LearningPathGenerated: frozenset({"steps.title", "steps.objectives"}),
    # The v1 payment topics, still read: a client secret in clear, Stripe's whole object
    # (billing details: name, email, address).
    payments.PaymentIntentCreated: frozenset({"client_secret"}),
    payments.PaymentWebhookReceived: frozenset({"data"}),
}

NOT_PERSONAL: Mapping[type[BaseModel], frozenset[str]] = {
    # Sealed for their one reader: ciphertext, useless without its key.
    registration.UserRegistrationRequestedV2: frozenset({"sealed_password_hash"}),
    registration.UserRegistrationRequestedV3: frozenset({"sealed_details", "sealed_password_hash"}),
    oidc.UserOidcSignInRequestedV2: frozenset({"sealed_claims", "email_verified"}),
    # Sealed with the user's own key (`schemas.sealed`): unreadable once they are erased.
    registration.UserRegisteredV3: frozenset({"personal"}),
    oidc.UserRegisteredWithProviderV2: frozenset({"personal"}),
    oidc.UserOidcSignInAcceptedV2: frozenset({"personal"}),
    # Sealed for the ingress's read side alone (`azora.credential_sealing`).
    credentials.UserCredentialsSet: frozenset({"sealed"}),
    credentials.UserMfaSetupRequested: frozenset({"secret_ciphertext"}),
    credentials.UserMfaEnabled: frozenset({"secret_ciphertext"}),
    payments.PaymentIntentCreatedV2: frozenset({"client_secret_sealed"}),
    # Sealed with the user's own key: what they wrote, and what the model wrote from it.
    **{
        model: frozenset({"personal"})
        for model in (
            tutor.TutorAskedV2,
            tutor.TutorAnsweredV2,
            tutor.LearningPathRequestedV2,
            tutor.LearningPathGeneratedV2,
        )
    },
    # Whether the provider verified the email: a flag, not the address.
    oidc.UserOidcSignInRequested: frozenset({"email_verified"}),
    # Stripe's decline message ("Your card was declined."), not the card holder's words.
    payments.PaymentWebhookReceivedV2: frozenset({"failure_message"}),
    # What an instructor published for everyone to read.
    **{
        model: frozenset(
            {"title", "description", "modules.title", "modules.lessons.title"}
            | {"modules.lessons.content"}
        )
        for model in (learning.CoursePublishRequested, learning.CoursePublished)
    },
}


def looks_personal(name: str) -> bool:
    """Whether a field's name (one path segment) suggests personal data or a secret."""
    return bool(LOOKS_PERSONAL.search(name)) and not _ID.search(name)


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """The paths of `model`'s personal fields (empty for a model with none)."""
    return PERSONAL.get(model, frozenset())
